/* client.c - HTTP exchanges with the License Management Service (libcurl).
 * Requests are signed with the computer's key; every answer, errors too,
 * must carry the pinned service's signature or it is not believed. */
#include "client/client.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"

#define TRIES 4

struct lv__client {
  CURL *curl;
  char *base;
  uint8_t spk[LV__SIGN_PK];
  const uint8_t *sign_sk; /* borrowed: the store's guarded secrets */
  const atomic_int *cancel;
};

typedef struct recv_ctx {
  lv__buf *b;
  char sig[128];
} recv_ctx;

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

lv_status lv__client_new(lv__client **out, const char *base_url,
                         const uint8_t service_sign_pk[LV__SIGN_PK], const uint8_t sign_sk[LV__SIGN_SK],
                         const atomic_int *cancel) {
  pthread_once(&curl_once, curl_init);
  lv__client *c = lv__calloc(1, sizeof *c);
  if (!c) return LV_E_NOMEM;
  c->base = lv__strdup(base_url);
  c->curl = curl_easy_init();
  if (!c->base || !c->curl) {
    lv__client_free(c);
    return LV_E_NOMEM;
  }
  memcpy(c->spk, service_sign_pk, LV__SIGN_PK);
  c->sign_sk = sign_sk;
  c->cancel = cancel;
  *out = c;
  return LV_OK;
}

void lv__client_free(lv__client *c) {
  if (!c) return;
  if (c->curl) curl_easy_cleanup(c->curl);
  free(c->base);
  free(c);
}

static size_t on_body(char *p, size_t size, size_t n, void *ctx) {
  recv_ctx *r = ctx;
  return lv__buf_put(r->b, p, size * n) == LV_OK ? size * n : 0; /* 0 aborts: too large */
}

static size_t on_header(char *p, size_t size, size_t n, void *ctx) {
  recv_ctx *r = ctx;
  size_t len = size * n, hl = strlen(LV__SIG_HEADER);
  if (len > hl + 1 && !strncasecmp(p, LV__SIG_HEADER, hl) && p[hl] == ':') {
    const char *v = p + hl + 1;
    while (*v == ' ') v++;
    size_t vl = (size_t)(p + len - v);
    while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' ')) vl--;
    if (vl < sizeof r->sig) {
      memcpy(r->sig, v, vl);
      r->sig[vl] = '\0';
    }
  }
  return len;
}

static int on_progress(void *ctx, curl_off_t a, curl_off_t b, curl_off_t c2, curl_off_t d) {
  (void)a, (void)b, (void)c2, (void)d;
  const atomic_int *cancel = ctx;
  return cancel && atomic_load(cancel); /* non-zero aborts the transfer */
}

/* One attempt: LV_OK with *status and a verified answer, or an error. */
static lv_status attempt(lv__client *c, const char *url, const char *sig, const lv__buf *body,
                         lv__buf *answer, long *status) {
  char hdr[256];
  struct curl_slist *h = NULL;
  recv_ctx r = {answer, ""};
  snprintf(hdr, sizeof hdr, "%s: %s", LV__SIG_HEADER, sig);
  h = curl_slist_append(h, "Content-Type: application/json");
  h = curl_slist_append(h, hdr);
  h = curl_slist_append(h, "Expect:"); /* no 100-continue round trip */
  CURL *k = c->curl;
  curl_easy_reset(k);
  curl_easy_setopt(k, CURLOPT_URL, url);
  curl_easy_setopt(k, CURLOPT_HTTPHEADER, h);
  curl_easy_setopt(k, CURLOPT_POSTFIELDS, (const char *)body->data);
  curl_easy_setopt(k, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body->len);
  curl_easy_setopt(k, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(k, CURLOPT_WRITEDATA, &r);
  curl_easy_setopt(k, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(k, CURLOPT_HEADERDATA, &r);
  curl_easy_setopt(k, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(k, CURLOPT_TIMEOUT, 120L);
  curl_easy_setopt(k, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(k, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(k, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(k, CURLOPT_XFERINFODATA, (void *)c->cancel);
  curl_easy_setopt(k, CURLOPT_PROTOCOLS_STR, "http,https");
  CURLcode e = curl_easy_perform(k);
  curl_slist_free_all(h);
  if (e == CURLE_ABORTED_BY_CALLBACK) return LV_E_CANCELED;
  if (e != CURLE_OK) return LV_E_SERVICE_UNAVAILABLE;
  curl_easy_getinfo(k, CURLINFO_RESPONSE_CODE, status);
  if (*status >= 500) return LV_E_SERVICE_UNAVAILABLE;
  if (lv__proto_verify_answer(r.sig, (unsigned)*status, answer->data, answer->len, c->spk) < 0)
    return LV_E_BAD_NET_RESP; /* not our service, or altered on the way */
  return LV_OK;
}

lv_status lv__client_post(lv__client *c, const char *path, const lv__buf *body, lv__buf *answer,
                          char err_msg[256]) {
  char sig[89];
  size_t ul = strlen(c->base) + strlen(path) + 1;
  char *url = lv__malloc(ul);
  if (!url) return LV_E_NOMEM;
  /* base URL without a trailing slash, then the path */
  size_t bl = strlen(c->base);
  while (bl && c->base[bl - 1] == '/') bl--;
  snprintf(url, ul, "%.*s%s", (int)bl, c->base, path);
  lv__proto_sign_request(sig, path, body->data, body->len, c->sign_sk);
  lv_status rc = LV_E_SERVICE_UNAVAILABLE;
  long status = 0;
  for (int t = 0; t < TRIES; t++) {
    lv__buf_reset(answer);
    rc = attempt(c, url, sig, body, answer, &status);
    if (rc != LV_E_SERVICE_UNAVAILABLE) break;
    /* the same request again after a pause: the service answers it once */
    long ms = 200L << t; /* 0.2, 0.4, 0.8, 1.6 s */
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    if (c->cancel && atomic_load(c->cancel)) {
      rc = LV_E_CANCELED;
      break;
    }
  }
  free(url);
  if (rc == LV_OK && status != 200) {
    lv__error_resp e;
    if (lv__error_resp_parse(&e, answer->data, answer->len) < 0) return LV_E_BAD_NET_RESP;
    if (err_msg) snprintf(err_msg, 256, "%s", e.message);
    lv_status code = LV_E_BAD_NET_RESP;
    lv_status at;
    for (unsigned i = 0; lv_status_at(&at, i) == LV_OK; i++)
      if (!strcmp(lv_status_name(at), e.code)) code = at;
    return code < 0 ? code : LV_E_BAD_NET_RESP;
  }
  return rc;
}
