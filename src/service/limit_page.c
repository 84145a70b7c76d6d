/* limit_page.c - the page a person sees when a license may not be restored
 * onto one more computer: what happened, which titles, what to do. Every
 * title is HTML-escaped; the words are the service's (translatable). */
#include <jansson.h>
#include <string.h>

#include "service/svc.h"

static lv_status put(lv__buf *b, const char *s) { return lv__buf_put(b, s, strlen(s)); }

static lv_status put_escaped(lv__buf *b, const char *s) {
  lv_status rc = LV_OK;
  for (; *s && rc == LV_OK; s++) {
    switch (*s) {
    case '<': rc = put(b, "&lt;"); break;
    case '>': rc = put(b, "&gt;"); break;
    case '&': rc = put(b, "&amp;"); break;
    case '"': rc = put(b, "&quot;"); break;
    case '\'': rc = put(b, "&#39;"); break;
    default: rc = lv__buf_put_u8(b, (uint8_t)*s);
    }
  }
  return rc;
}

lv_status lv__limit_page(lv__buf *b, const char *note_json) {
  lv_status rc = put(b, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                        "<title>Licenses not restored</title>"
                        "<style>body{font-family:sans-serif;max-width:40em;margin:2em auto;"
                        "line-height:1.5}</style></head><body>\n");
  if (!note_json) {
    if (rc == LV_OK) rc = put(b, "<h1>No such notice</h1><p>This page does not exist (any more).</p>");
    return rc == LV_OK ? put(b, "</body></html>\n") : rc;
  }
  if (rc == LV_OK)
    rc = put(b, "<h1>Some licenses could not be restored</h1>\n"
                "<p>Each license may be restored onto a limited number of different "
                "computers, counting the one it was first issued to. The licenses below "
                "have reached that limit, so they were <strong>not</strong> restored onto "
                "this computer. Licenses on the computers that already have them keep "
                "working.</p>\n<ul>\n");
  json_error_t err;
  json_t *arr = json_loads(note_json, 0, &err);
  for (size_t i = 0; rc == LV_OK && json_is_array(arr) && i < json_array_size(arr); i++) {
    json_t *x = json_array_get(arr, i);
    const char *title = json_string_value(json_object_get(x, "title"));
    const char *kid = json_string_value(json_object_get(x, "kid"));
    rc = put(b, "<li>");
    if (rc == LV_OK) rc = put_escaped(b, title && *title ? title : "(untitled)");
    if (rc == LV_OK) rc = put(b, " <small>(key id ");
    if (rc == LV_OK) rc = put_escaped(b, kid ? kid : "?");
    if (rc == LV_OK) rc = put(b, ")</small></li>\n");
  }
  json_decref(arr);
  if (rc == LV_OK)
    rc = put(b, "</ul>\n<h2>What you can do</h2>\n<ul>"
                "<li>Use the content on a computer that already has the license.</li>"
                "<li>Contact the store or distributor you got the content from: they can "
                "issue a new license to this computer.</li></ul>\n</body></html>\n");
  return rc;
}
