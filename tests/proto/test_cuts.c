/* test_cuts.c - the restore parsers read a batch's items and pads past
 * jansson (messages.c); on every input they must decide exactly as a parse
 * of the whole body by jansson does: the fuzz corpus, and bodies made to
 * trip a scanner (escapes, duplicates, nesting, spacing, other orders). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/file.h"
#include "proto/proto.h"
#include "testutil.h"

/* Parses body both ways and asserts the same verdict and fields. */
static void same_req(const uint8_t *body, size_t n) {
  lv__restore_req a, b;
  lv__proto_no_cuts = false;
  lv_status ra = lv__restore_req_parse(&a, body, n);
  lv__proto_no_cuts = true;
  lv_status rb = lv__restore_req_parse(&b, body, n);
  lv__proto_no_cuts = false;
  assert_int_equal(ra, rb);
  if (ra == LV_OK) {
    assert_int_equal(a.n, b.n);
    assert_memory_equal(&a.h, &b.h, sizeof a.h);
    assert_int_equal(a.dry_run, b.dry_run);
    assert_memory_equal(a.sealed_secret, b.sealed_secret, LV__SEALED_SECRET);
    for (size_t i = 0; i < a.n; i++) {
      assert_memory_equal(&a.items[i].ref, &b.items[i].ref, sizeof a.items[i].ref);
      assert_string_equal(a.items[i].title, b.items[i].title);
    }
  }
  lv__restore_req_free(&a);
  lv__restore_req_free(&b);
}

static void same_resp(const uint8_t *body, size_t n) {
  lv__restore_resp a, b;
  lv__proto_no_cuts = false;
  lv_status ra = lv__restore_resp_parse(&a, body, n);
  lv__proto_no_cuts = true;
  lv_status rb = lv__restore_resp_parse(&b, body, n);
  lv__proto_no_cuts = false;
  assert_int_equal(ra, rb);
  if (ra == LV_OK) {
    assert_int_equal(a.n, b.n);
    assert_memory_equal(a.req_hash, b.req_hash, LV__HASH);
    assert_string_equal(a.limit_url, b.limit_url);
    assert_int_equal(a.pads_len, b.pads_len);
    if (a.pads_len) assert_memory_equal(a.pads, b.pads, a.pads_len);
    for (size_t i = 0; i < a.n; i++) {
      assert_memory_equal(a.items[i].lid, b.items[i].lid, LV_LID_LEN);
      assert_int_equal(a.items[i].outcome, b.items[i].outcome);
      assert_int_equal(a.items[i].left, b.items[i].left);
    }
  }
  lv__restore_resp_free(&a);
  lv__restore_resp_free(&b);
}

static void both_n(const char *s, size_t n) {
  same_req((const uint8_t *)s, n);
  same_resp((const uint8_t *)s, n);
}

static void both(const char *s) { both_n(s, strlen(s)); }

static void corpus_decides_the_same_both_ways(void **state) {
  (void)state;
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/fuzz/corpora/fuzz_proto", LV_SOURCE_DIR);
  DIR *d = opendir(dir);
  assert_non_null(d);
  struct dirent *e;
  unsigned files = 0, ok = 0;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char *path = tu_path(dir, e->d_name);
    uint8_t *data;
    size_t n;
    assert_int_equal(lv__file_read_all(path, 1u << 24, &data, &n), LV_OK);
    if (n > 1) { /* the harness's first byte selects the parser: here, both */
      same_req(data + 1, n - 1);
      same_resp(data + 1, n - 1);
      lv__restore_req r;
      lv__restore_resp a;
      ok += lv__restore_req_parse(&r, data + 1, n - 1) == LV_OK;
      ok += lv__restore_resp_parse(&a, data + 1, n - 1) == LV_OK;
      lv__restore_req_free(&r);
      lv__restore_resp_free(&a);
    }
    files++;
    free(data);
    free(path);
  }
  closedir(d);
  assert_true(files >= 20);
  assert_true(ok >= 3); /* the valid ones really parse */
}

/* A valid request and answer, from the formatters. */
static char *valid_req(void) {
  lv__restore_req q;
  lv__item it[3];
  lv__buf b;
  memset(&q, 0, sizeof q);
  memset(it, 0, sizeof it);
  for (int i = 0; i < 3; i++) {
    memset(&it[i].ref, 0x41 + i, sizeof it[i].ref);
    snprintf(it[i].title, sizeof it[i].title, "T\xc3\xa9tre %d", i);
  }
  memset(q.h.rid, 0xab, sizeof q.h.rid);
  q.h.time = 1800000000;
  memset(q.sealed_secret, 0xfb, sizeof q.sealed_secret); /* base64 with '/' and '+' */
  q.items = it;
  q.n = 3;
  lv__buf_init(&b, 1u << 20);
  assert_int_equal(lv__restore_req_format(&b, &q), LV_OK);
  assert_int_equal(lv__buf_put_u8(&b, 0), LV_OK);
  return (char *)b.data;
}

static char *valid_resp(void) {
  lv__restore_resp r;
  lv__result res[2];
  uint8_t pads[2 * 32 + LV__AEAD_OVERHEAD];
  lv__buf b;
  memset(&r, 0, sizeof r);
  memset(res, 0, sizeof res);
  memset(pads, 0xff, sizeof pads);
  res[0].outcome = LV__OUT_RESTORE;
  res[1].outcome = LV__OUT_ALREADY;
  res[1].left = 2;
  r.items = res;
  r.n = 2;
  r.pads = pads;
  r.pads_len = sizeof pads;
  snprintf(r.limit_url, sizeof r.limit_url, "http://x.test/limit/ab");
  lv__buf_init(&b, 1u << 20);
  assert_int_equal(lv__restore_resp_format(&b, &r), LV_OK);
  assert_int_equal(lv__buf_put_u8(&b, 0), LV_OK);
  return (char *)b.data;
}

/* s with the first occurrence of from replaced by to (malloc'd). */
static char *subst(const char *s, const char *from, const char *to) {
  const char *at = strstr(s, from);
  assert_non_null(at);
  size_t n = strlen(s) - strlen(from) + strlen(to) + 1;
  char *o = malloc(n);
  assert_non_null(o);
  snprintf(o, n, "%.*s%s%s", (int)(at - s), s, to, at + strlen(from));
  return o;
}

static void tricky_bodies_decide_the_same_both_ways(void **state) {
  (void)state;
  char *req = valid_req(), *resp = valid_resp();
  both(req);
  both(resp);
  /* they parse (so the variants below test something) */
  lv__restore_req q;
  assert_int_equal(lv__restore_req_parse(&q, req, strlen(req)), LV_OK);
  lv__restore_req_free(&q);
  lv__restore_resp a;
  assert_int_equal(lv__restore_resp_parse(&a, resp, strlen(resp)), LV_OK);
  lv__restore_resp_free(&a);
  static const char *const edits[][2] = {
      {"\"items\":", "\"it\\u0065ms\":"},   /* an escaped key: jansson's "items" */
      {"\"items\":\"", "\"items\":\"\\/"},  /* an escape in the value */
      {"\"items\":", " \"items\" : "},      /* spacing */
      {"\"items\":", "\t\n\"items\"\r:\n"},
      {"{", "{\"items\":\"AAAA\","},        /* twice */
      {"{", "{\"x\":{\"items\":\"AAAA\"},"}, /* nested: not the top level's */
      {"{", "{\"x\":[\"items\",{\"items\":1}],"},
      {"{", "{\"x\":\"\\\"items\\\":\\\"\","}, /* inside a string */
      {"{", "{\"items\":null,"},
      {"{", "{\"pads\":\"AAAA\","},
      {"{", " { "},
      {"\"items\":\"", "\"items\":\"\x01"},  /* a control character */
      {"\"items\":\"", "\"items\":\"\xff\xfe"}, /* not UTF-8 */
      {"\"items\":\"", "\"items\":\"\\"},
      {"\"items\":\"", "\"items\":"},        /* unterminated */
      {"\"pads\":\"", "\"pads\":\"\\u0041"},
      {"\"v\":2", "\"v\":2e0"},
      {"\"v\":2", "\"v\":tru"},
      {"}", "}}"},
      {"}", "} "},
      {"}", "}x"},
      {"\"", ""},
  };
  for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
    char *r = strstr(req, edits[i][0]) ? subst(req, edits[i][0], edits[i][1]) : NULL;
    char *p = strstr(resp, edits[i][0]) ? subst(resp, edits[i][0], edits[i][1]) : NULL;
    if (r) both(r);
    if (p) both(p);
    free(r);
    free(p);
  }
  /* every prefix, and every single byte deleted, of both */
  const char *const whole[2] = {req, resp};
  for (int w = 0; w < 2; w++) {
    size_t n = strlen(whole[w]);
    char *c = malloc(n);
    assert_non_null(c);
    for (size_t k = 0; k < n; k++) {
      both_n(whole[w], k);
      memcpy(c, whole[w], k);
      memcpy(c + k, whole[w] + k + 1, n - k - 1);
      both_n(c, n - 1);
    }
    free(c);
  }
  free(req);
  free(resp);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(corpus_decides_the_same_both_ways),
      cmocka_unit_test(tricky_bodies_decide_the_same_both_ways),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
