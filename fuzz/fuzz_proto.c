/* fuzz_proto.c - libFuzzer harness over every protocol message parser, both
 * sides (first byte selects); what parses must format and parse back equal,
 * and the restore parsers must decide as jansson does on the whole body
 * (lv__proto_no_cuts), whatever their shortcut past it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "proto/proto.h"

enum { SEL_OPEN_REQ, SEL_RESTORE_REQ, SEL_OPEN_RESP, SEL_RESTORE_RESP, SEL_ERROR_RESP, SEL_N };

#define CHECK(c)        \
  do {                  \
    if (!(c)) abort();  \
  } while (0)

static void same_head(const lv__req_head *a, const lv__req_head *b) {
  CHECK(!memcmp(a->rid, b->rid, LV__RID));
  CHECK(a->time == b->time);
  CHECK(!memcmp(a->who.machine_id, b->who.machine_id, LV__MACHINE_ID));
  CHECK(!memcmp(a->who.sign_pk, b->who.sign_pk, LV__SIGN_PK));
  CHECK(!memcmp(a->who.box_pk, b->who.box_pk, LV__BOX_PK));
}

static void open_req(const uint8_t *d, size_t n, lv__buf *b) {
  lv__open_req m, m2;
  if (lv__open_req_parse(&m, d, n) < 0) return;
  CHECK(lv__open_req_format(b, &m) == LV_OK);
  CHECK(lv__open_req_parse(&m2, b->data, b->len) == LV_OK);
  same_head(&m.h, &m2.h);
  CHECK(!memcmp(m.sealed_secret, m2.sealed_secret, LV__SEALED_SECRET));
  CHECK(!memcmp(m.source_machine, m2.source_machine, LV__MACHINE_ID));
  CHECK(m.generation == m2.generation && m.generation >= 1 && m.generation <= 255);
  CHECK(m.licenses == m2.licenses);
  CHECK(!memcmp(m.service_id, m2.service_id, LV__KEYID));
}

/* The verdict and items of a parse without the shortcut. */
static void whole_req(const uint8_t *d, size_t n, lv_status want, const lv__restore_req *m) {
  lv__restore_req w;
  lv__proto_no_cuts = true;
  lv_status rc = lv__restore_req_parse(&w, d, n);
  lv__proto_no_cuts = false;
  CHECK(rc == want);
  CHECK(rc < 0 || (w.n == m->n && !memcmp(w.items, m->items, m->n * sizeof *m->items)));
  lv__restore_req_free(&w);
}

static void whole_resp(const uint8_t *d, size_t n, lv_status want, const lv__restore_resp *m) {
  lv__restore_resp w;
  lv__proto_no_cuts = true;
  lv_status rc = lv__restore_resp_parse(&w, d, n);
  lv__proto_no_cuts = false;
  CHECK(rc == want);
  CHECK(rc < 0 || (w.n == m->n && !memcmp(w.items, m->items, m->n * sizeof *m->items) &&
                   w.pads_len == m->pads_len && (!w.pads_len || !memcmp(w.pads, m->pads, w.pads_len))));
  lv__restore_resp_free(&w);
}

static void restore_req(const uint8_t *d, size_t n, lv__buf *b) {
  lv__restore_req m, m2;
  lv_status prc = lv__restore_req_parse(&m, d, n);
  whole_req(d, n, prc, &m);
  if (prc < 0) {
    CHECK(!m.items && !m.n);
    return;
  }
  CHECK(m.n >= 1 && m.n <= LV__ITEMS_MAX && m.items);
  CHECK(lv__restore_req_format(b, &m) == LV_OK);
  CHECK(lv__restore_req_parse(&m2, b->data, b->len) == LV_OK);
  same_head(&m.h, &m2.h);
  CHECK(m.dry_run == m2.dry_run);
  CHECK(!memcmp(m.sealed_secret, m2.sealed_secret, LV__SEALED_SECRET));
  CHECK(m.n == m2.n);
  for (size_t i = 0; i < m.n; i++) {
    /* lv__lic_ref is 56 bytes of arrays: no padding */
    CHECK(!memcmp(&m.items[i].ref, &m2.items[i].ref, sizeof m.items[i].ref));
    CHECK(strlen(m.items[i].title) <= LV_TITLE_MAX);
    CHECK(!strcmp(m.items[i].title, m2.items[i].title));
  }
  lv__restore_req_free(&m);
  lv__restore_req_free(&m2);
}

static void open_resp(const uint8_t *d, size_t n, lv__buf *b) {
  lv__open_resp m, m2;
  if (lv__open_resp_parse(&m, d, n) < 0) return;
  CHECK(lv__open_resp_format(b, &m) == LV_OK);
  CHECK(lv__open_resp_parse(&m2, b->data, b->len) == LV_OK);
  CHECK(!memcmp(m.req_hash, m2.req_hash, LV__HASH));
  CHECK(!memcmp(m.stream_key, m2.stream_key, LV__SEALED_KEY));
}

static void restore_resp(const uint8_t *d, size_t n, lv__buf *b) {
  lv__restore_resp m, m2;
  lv_status prc = lv__restore_resp_parse(&m, d, n);
  whole_resp(d, n, prc, &m);
  if (prc < 0) {
    CHECK(!m.items && !m.pads && !m.n && !m.pads_len);
    return;
  }
  size_t granted = 0;
  for (size_t i = 0; i < m.n; i++) {
    CHECK(m.items[i].outcome >= LV__OUT_RESTORE && m.items[i].outcome <= LV__OUT_REVOKED);
    granted += m.items[i].outcome <= LV__OUT_ALREADY;
  }
  /* pads: none, or exactly 32 per granted item under the AEAD */
  CHECK(m.pads_len == 0 ? !m.pads : m.pads && m.pads_len == granted * 32 + LV__AEAD_OVERHEAD);
  CHECK(strlen(m.limit_url) < sizeof m.limit_url);
  CHECK(lv__restore_resp_format(b, &m) == LV_OK);
  CHECK(lv__restore_resp_parse(&m2, b->data, b->len) == LV_OK);
  CHECK(!memcmp(m.req_hash, m2.req_hash, LV__HASH));
  CHECK(m.n == m2.n);
  for (size_t i = 0; i < m.n; i++) {
    CHECK(!memcmp(m.items[i].lid, m2.items[i].lid, LV_LID_LEN));
    CHECK(m.items[i].outcome == m2.items[i].outcome && m.items[i].left == m2.items[i].left);
  }
  CHECK(m.pads_len == m2.pads_len);
  CHECK(!m.pads_len || !memcmp(m.pads, m2.pads, m.pads_len));
  CHECK(!strcmp(m.limit_url, m2.limit_url));
  lv__restore_resp_free(&m);
  lv__restore_resp_free(&m2);
}

static void error_resp(const uint8_t *d, size_t n, lv__buf *b) {
  lv__error_resp m, m2;
  if (lv__error_resp_parse(&m, d, n) < 0) return;
  CHECK(memchr(m.code, 0, sizeof m.code) && memchr(m.message, 0, sizeof m.message));
  CHECK(lv__error_resp_format(b, &m) == LV_OK);
  CHECK(lv__error_resp_parse(&m2, b->data, b->len) == LV_OK);
  CHECK(!memcmp(m.req_hash, m2.req_hash, LV__HASH));
  CHECK(!strcmp(m.code, m2.code) && !strcmp(m.message, m2.message));
  CHECK(m.hresult == m2.hresult);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static int ready;
  if (!ready) {
    if (lv__crypto_init() < 0) abort();
    ready = 1;
  }
  if (size < 1) return 0;
  const uint8_t *d = data + 1;
  size_t n = size - 1;
  lv__buf b;
  lv__buf_init(&b, LV__BODY_MAX);
  switch (data[0] % SEL_N) {
  case SEL_OPEN_REQ: open_req(d, n, &b); break;
  case SEL_RESTORE_REQ: restore_req(d, n, &b); break;
  case SEL_OPEN_RESP: open_resp(d, n, &b); break;
  case SEL_RESTORE_RESP: restore_resp(d, n, &b); break;
  default: error_resp(d, n, &b); break;
  }
  lv__buf_free(&b);
  return 0;
}
