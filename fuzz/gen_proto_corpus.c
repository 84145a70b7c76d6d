/* gen_proto_corpus.c - writes the seed corpus of fuzz/fuzz_proto.c: valid
 * messages of each kind and a few broken ones; built and run by hand. */

/* From the top of the tree, after a normal build in build-p:
 *
 *   cc -std=c17 -D_DEFAULT_SOURCE -Iinclude -Isrc fuzz/gen_proto_corpus.c \
 *      build-p/liblicvault_static.a \
 *      $(pkg-config --libs libsodium libcrypto jansson sqlite3 libcurl) -lpthread \
 *      -o /tmp/gen_proto_corpus
 *   /tmp/gen_proto_corpus fuzz/corpora/fuzz_proto
 *
 * Every input is its selector byte (0 open request, 1 restore request,
 * 2 open answer, 3 restore answer, 4 error answer) then the body. The values
 * are fixed, so the output is the same each run. The name has no fuzz_
 * prefix, so CMake's glob in fuzz/CMakeLists.txt does not make it a harness. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/encoding.h"
#include "core/file.h"
#include "proto/proto.h"

#define MAX_INPUT 8192

static const char *root;

static void fill(uint8_t *p, size_t n, uint8_t v) {
  for (size_t i = 0; i < n; i++) p[i] = (uint8_t)(v + 3 * i);
}

/* Writes root/name: the selector, then n bytes of p. */
static int put(const char *name, uint8_t sel, const void *p, size_t n) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", root, name);
  if (n + 1 > MAX_INPUT) {
    fprintf(stderr, "gen_proto_corpus: %s: %zu bytes is too big a seed\n", name, n + 1);
    return 1;
  }
  FILE *f = fopen(path, "wb");
  if (!f || fputc(sel, f) == EOF || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
    perror(path);
    return 1;
  }
  printf("%-50s %5zu bytes\n", path, n + 1);
  return 0;
}

static int put_buf(const char *name, uint8_t sel, const lv__buf *b) {
  return put(name, sel, b->data, b->len);
}

/* b's text with its packed "items" (docs/protocol.md) decoded, changed by
 * edit and encoded again. */
static int put_packed(const char *name, uint8_t sel, const lv__buf *b,
                      void (*edit)(uint8_t *p, size_t *n)) {
  char text[MAX_INPUT], out[MAX_INPUT], enc[MAX_INPUT];
  uint8_t p[MAX_INPUT];
  memcpy(text, b->data, b->len);
  text[b->len] = '\0';
  char *s = strstr(text, "\"items\":\"");
  if (!s) return 1;
  s += 9;
  char *e = strchr(s, '"');
  size_t l = (size_t)(e - s), n = l / 4 * 3 - (e[-1] == '=') - (e[-2] == '=');
  if (lv__b64_decode(p, n, s, l) != LV_OK) return 1;
  edit(p, &n);
  lv__b64_encode(enc, p, n);
  int k = snprintf(out, sizeof out, "%.*s%s%s", (int)(s - text), text, enc, e);
  return k < 0 || put(name, sel, out, (size_t)k);
}

#define TITLE_AT (LV_LID_LEN + LV_KID_LEN + LV__MACHINE_ID + LV__KEYID)
static void ed_cut(uint8_t *p, size_t *n) { (void)p, (*n)--; }
static void ed_trailing(uint8_t *p, size_t *n) { p[(*n)++] = 0; }
static void ed_title_len(uint8_t *p, size_t *n) { (void)n, p[TITLE_AT + 1] = 0x02; } /* 512 + */
static void ed_outcome(uint8_t *p, size_t *n) { (void)n, p[LV_LID_LEN] = 9; }

/* b's text with the first "from" replaced by "to". */
static int put_subst(const char *name, uint8_t sel, const lv__buf *b, const char *from,
                     const char *to) {
  char text[MAX_INPUT];
  if (b->len >= sizeof text) return 1;
  memcpy(text, b->data, b->len);
  text[b->len] = '\0';
  char *at = strstr(text, from);
  if (!at) {
    fprintf(stderr, "gen_proto_corpus: %s: no \"%s\"\n", name, from);
    return 1;
  }
  char out[MAX_INPUT];
  int n = snprintf(out, sizeof out, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
  if (n < 0 || (size_t)n >= sizeof out) return 1;
  return put(name, sel, out, (size_t)n);
}

static void head(lv__req_head *h) {
  fill(h->rid, LV__RID, 0xa1);
  h->time = 1795305600;
  fill(h->who.machine_id, LV__MACHINE_ID, 0xb2);
  fill(h->who.sign_pk, LV__SIGN_PK, 0xc3);
  fill(h->who.box_pk, LV__BOX_PK, 0xd4);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
    return 2;
  }
  root = argv[1];
  if (lv__mkdir_p(root, 0755) < 0) return 1;
  int bad = 0;
  lv__buf b;
  lv__buf_init(&b, LV__BODY_MAX);

  /* 0: open requests */
  lv__open_req o;
  memset(&o, 0, sizeof o);
  head(&o.h);
  fill(o.sealed_secret, LV__SEALED_SECRET, 0x05);
  fill(o.source_machine, LV__MACHINE_ID, 0xe6);
  o.generation = 1;
  o.licenses = 2;
  fill(o.service_id, LV__KEYID, 0xf7);
  lv__open_req_format(&b, &o);
  bad |= put_buf("open_req", 0, &b);
  bad |= put_subst("bad_open_req_upper_hex", 0, &b, "\"id\":\"b2", "\"id\":\"B2");
  bad |= put_subst("bad_open_req_gen0", 0, &b, "\"generation\":1", "\"generation\":0");
  bad |= put_subst("bad_open_req_extra", 0, &b, "\"v\":2}", "\"v\":2,\"x\":null}");
  bad |= put_subst("bad_open_req_v1", 0, &b, "\"v\":2}", "\"v\":1}");
  bad |= put_subst("bad_open_req_b64", 0, &b, "=\"", "\"");
  lv__buf_reset(&b);
  o.generation = 255, o.licenses = UINT32_MAX, o.h.time = 0;
  lv__open_req_format(&b, &o);
  bad |= put_buf("open_req_extremes", 0, &b);

  /* 1: restore requests */
  lv__restore_req r;
  lv__item items[4];
  static const char *const titles[4] = {
      "Concert in C minor", "", "\xe7\xac\xac\xe4\xb8\x80\xe6\xa5\xbd\xe7\xab\xa0 \xf0\x9f\x8e\xbb",
      "quote \" backslash \\ caf\xc3\xa9"};
  memset(&r, 0, sizeof r);
  memset(items, 0, sizeof items);
  head(&r.h);
  fill(r.sealed_secret, LV__SEALED_SECRET, 0x35);
  for (int i = 0; i < 4; i++) {
    fill(items[i].ref.lid, LV_LID_LEN, (uint8_t)(0x80 + i));
    fill(items[i].ref.kid, LV_KID_LEN, (uint8_t)(0x10 + i));
    fill(items[i].ref.machine_id, LV__MACHINE_ID, 0xa0);
    fill(items[i].ref.issuer_id, LV__KEYID, 0xc0);
    memcpy(items[i].title, titles[i], strlen(titles[i]) + 1);
  }
  r.items = items;
  r.n = 1;
  lv__buf_reset(&b);
  lv__restore_req_format(&b, &r);
  bad |= put_buf("restore_req_1", 1, &b);
  r.n = 4;
  r.dry_run = true;
  lv__buf_reset(&b);
  lv__restore_req_format(&b, &r);
  bad |= put_buf("restore_req_titles_dry", 1, &b);
  bad |= put_subst("bad_restore_req_dup_key", 1, &b, "\"dry_run\"", "\"v\":2,\"dry_run\"");
  bad |= put_subst("bad_restore_req_truncated", 1, &b, "\"v\":2}", "\"v\":2");
  bad |= put_subst("bad_restore_req_0_items", 1, &b, "\"items\":\"", "\"items\":\"\",\"x\":\"");
  bad |= put_subst("bad_restore_req_items_array", 1, &b, "\"items\":\"", "\"items\":[],\"x\":\"");
  bad |= put_packed("bad_restore_req_cut", 1, &b, ed_cut);
  bad |= put_packed("bad_restore_req_trailing", 1, &b, ed_trailing);
  bad |= put_packed("bad_restore_req_title_len", 1, &b, ed_title_len);
  /* a title with an escape sequence: the formatter packs what it is given */
  memcpy(items[0].title, "\x1b[2J", 5);
  lv__buf_reset(&b);
  lv__restore_req_format(&b, &r);
  bad |= put_buf("bad_restore_req_title_ctl", 1, &b);
  memcpy(items[0].title, titles[0], strlen(titles[0]) + 1);

  /* 2: open answers */
  lv__open_resp op;
  fill(op.req_hash, LV__HASH, 0xaa);
  fill(op.stream_key, LV__SEALED_KEY, 0x40);
  lv__buf_reset(&b);
  lv__open_resp_format(&b, &op);
  bad |= put_buf("open_resp", 2, &b);
  bad |= put_subst("bad_open_resp_short_key", 2, &b, "\"stream_key\":\"", "\"stream_key\":\"AAAA");

  /* 3: restore answers */
  lv__result res[4];
  uint8_t pads[2 * 32 + LV__AEAD_OVERHEAD];
  lv__restore_resp rr;
  memset(&rr, 0, sizeof rr);
  for (int i = 0; i < 4; i++) {
    fill(res[i].lid, LV_LID_LEN, (uint8_t)(0x80 + i));
    res[i].outcome = (lv__outcome)(LV__OUT_RESTORE + i);
    res[i].left = (uint32_t)(3 - i);
  }
  fill(pads, sizeof pads, 0x11);
  fill(rr.req_hash, LV__HASH, 0xab);
  rr.items = res;
  rr.n = 4;
  rr.pads = pads;
  rr.pads_len = sizeof pads;
  snprintf(rr.limit_url, sizeof rr.limit_url,
           "http://127.0.0.1:9/limit/00112233445566778899aabbccddeeff");
  lv__buf_reset(&b);
  lv__restore_resp_format(&b, &rr);
  bad |= put_buf("restore_resp_pads_limit", 3, &b);
  bad |= put_packed("bad_restore_resp_outcome", 3, &b, ed_outcome);
  bad |= put_packed("bad_restore_resp_short", 3, &b, ed_cut);
  /* a limit turned into a grant: one pad too few */
  res[2].outcome = LV__OUT_RESTORE;
  lv__buf_reset(&b);
  lv__restore_resp_format(&b, &rr);
  bad |= put_buf("bad_restore_resp_pads_count", 3, &b);
  res[2].outcome = LV__OUT_LIMIT;
  rr.pads = NULL, rr.pads_len = 0, rr.limit_url[0] = '\0', rr.n = 2;
  lv__buf_reset(&b);
  lv__restore_resp_format(&b, &rr);
  bad |= put_buf("restore_resp_dry", 3, &b);

  /* 4: error answers */
  lv__error_resp er;
  memset(&er, 0, sizeof er);
  snprintf(er.code, sizeof er.code, "%s", lv_status_name(LV_E_BAD_SIGNATURE));
  er.hresult = lv_status_to_hresult(LV_E_BAD_SIGNATURE);
  snprintf(er.message, sizeof er.message, "request signature does not verify");
  lv__buf_reset(&b);
  lv__error_resp_format(&b, &er);
  bad |= put_buf("error_resp", 4, &b);
  bad |= put_subst("bad_error_resp_hresult", 4, &b, "\"hresult\":\"0x", "\"hresult\":\"0X");

  /* not objects, and deep nesting */
  bad |= put("bad_not_object", 0, "[1,\"open\",{}]", 13);
  char deep[6000];
  memset(deep, '[', 3000);
  memset(deep + 3000, ']', 3000);
  bad |= put("bad_deep_nesting", 3, deep, sizeof deep);
  lv__buf_free(&b);
  return bad;
}
