/* test_verifier.c - signatures checked behind the caller: every record
 * verified whatever the thread count, the first failure in input order
 * named with its bytes, early refusal once a failure is known, records
 * copied when queued, abort without verifying. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "license/verifier.h"
#include "testutil.h"

/* Enough records of mixed sizes to fill dozens of chunks. */
#define N 3000
#define RING ((size_t)1 << 20) /* 16 chunks: wraps many times */

typedef struct recs {
  uint8_t pk[LV__SIGN_PK], sk[LV__SIGN_SK];
  uint8_t *rec[N];
  size_t len[N];
} recs;

/* A signed record's shape is all the verifier knows: body, then the
 * signature over it. Random bodies of every length a license can have. */
static void sign_rec(recs *r, size_t i) {
  lv__sign(r->rec[i] + r->len[i] - LV__SIG, r->rec[i], r->len[i] - LV__SIG, r->sk);
}

static recs *make_recs(void) {
  recs *r = calloc(1, sizeof *r);
  assert_non_null(r);
  assert_int_equal(lv__sign_keypair(r->pk, r->sk), LV_OK);
  for (size_t i = 0; i < N; i++) {
    r->len[i] = LV__LIC_MIN + (i * 37) % (LV__LIC_MAX - LV__LIC_MIN + 1);
    r->rec[i] = malloc(r->len[i]);
    assert_non_null(r->rec[i]);
    lv__random(r->rec[i], r->len[i] - LV__SIG);
    sign_rec(r, i);
  }
  return r;
}

static void free_recs(recs *r) {
  for (size_t i = 0; i < N; i++) free(r->rec[i]);
  free(r);
}

/* Where the verifier's chunks start in r (record indexes, 0-based): a
 * chunk is handed over when the next record would not fit. Returns the
 * number of chunks. */
static size_t chunk_starts(const recs *r, size_t *starts) {
  size_t used = 0, k = 0;
  starts[0] = 0;
  for (size_t i = 0; i < N; i++) {
    size_t need = LV__VERIFIER_REC_HDR + r->len[i];
    if (used + need > LV__VERIFIER_CHUNK) {
      starts[++k] = i;
      used = 0;
    }
    used += need;
  }
  return k + 1;
}

/* Queues all of r (indexes 1..N) and finishes. */
static lv_status run_all(recs *r, unsigned threads, uint64_t *bad, uint8_t *bad_rec,
                         size_t *bad_len) {
  lv__verifier *v;
  assert_int_equal(lv__verifier_start(&v, threads, RING), LV_OK);
  for (size_t i = 0; i < N; i++)
    if (lv__verifier_add(v, i + 1, r->rec[i], r->len[i], r->pk) < 0) break; /* may stop */
  return lv__verifier_finish(v, bad, bad_rec, bad_len);
}

static void all_good_on_any_thread_count(void **state) {
  (void)state;
  recs *r = make_recs();
  size_t starts[N];
  size_t nch = chunk_starts(r, starts);
  assert_true(nch > 8);
  unsigned counts[] = {0, 1, 2, 4};
  size_t rings[] = {0, RING}; /* 0: the smallest ring, two chunks */
  for (size_t g = 0; g < 2; g++)
    for (size_t c = 0; c < sizeof counts / sizeof *counts; c++) {
      lv__verifier *v;
      uint64_t bad = 77;
      assert_int_equal(lv__verifier_start(&v, counts[c], rings[g]), LV_OK);
      for (size_t i = 0; i < N; i++)
        assert_int_equal(lv__verifier_add(v, i + 1, r->rec[i], r->len[i], r->pk), LV_OK);
      /* every chunk handed over gets checked, the caller's last one not
       * yet: done reaches exactly the records before it */
      size_t handed = starts[nch - 1];
      for (int t = 0; t < 60000 && lv__verifier_done(v) < handed; t++)
        nanosleep(&(struct timespec){0, 1000000}, NULL);
      assert_int_equal(lv__verifier_done(v), handed);
      assert_int_equal(lv__verifier_finish(v, &bad, NULL, NULL), LV_OK);
      assert_int_equal(bad, 77); /* untouched when nothing failed */
    }
  free_recs(r);
}

/* Two threads on two neighbouring chunks, each with a bad record: the
 * later record is found first when it opens its chunk and the earlier one
 * closes the other (a thread must not keep the first it finds), and found
 * last when the earlier one sits mid-chunk and the later one closes its
 * chunk (nor the last: mid-chunk, the other thread has long started). */
static void lowest_index_wins_whatever_the_order_found(void **state) {
  (void)state;
  recs *r = make_recs();
  size_t starts[N];
  assert_true(chunk_starts(r, starts) > 3);
  size_t pairs[2][2] = {{starts[1] - 1, starts[1]}, {starts[1] / 2, starts[2] - 1}};
  for (int round = 0; round < 4; round++)
    for (size_t k = 0; k < 2; k++) {
      size_t early = pairs[k][0], late = pairs[k][1];
      r->rec[early][0] ^= 1;
      r->rec[late][0] ^= 1;
      uint64_t bad = 0;
      assert_int_equal(run_all(r, 2, &bad, NULL, NULL), LV_E_BAD_SIGNATURE);
      assert_int_equal(bad, early + 1);
      r->rec[early][0] ^= 1;
      r->rec[late][0] ^= 1;
    }
  free_recs(r);
}

/* One bad record anywhere: that one is named, with its bytes. */
static void names_the_bad_record(void **state) {
  (void)state;
  recs *r = make_recs();
  size_t at[] = {0, 1, 150, N / 2, N - 2, N - 1};
  unsigned counts[] = {0, 2, 3};
  for (size_t a = 0; a < sizeof at / sizeof *at; a++)
    for (size_t c = 0; c < sizeof counts / sizeof *counts; c++) {
      size_t i = at[a];
      r->rec[i][3] ^= 0x40; /* a body byte: the signature no longer covers it */
      uint64_t bad = 0;
      uint8_t copy[LV__LIC_MAX];
      size_t len = 0;
      assert_int_equal(run_all(r, counts[c], &bad, copy, &len), LV_E_BAD_SIGNATURE);
      assert_int_equal(bad, i + 1);
      assert_int_equal(len, r->len[i]);
      assert_memory_equal(copy, r->rec[i], len);
      r->rec[i][3] ^= 0x40;
    }
  free_recs(r);
}

/* Several bad records: the first in input order wins, whichever thread
 * found which first; a short record is the verification's own error. */
static void first_failure_in_input_order(void **state) {
  (void)state;
  recs *r = make_recs();
  for (int round = 0; round < 5; round++) {
    size_t first = 200 + (size_t)round * 411;
    r->rec[N - 1][0] ^= 1;
    r->rec[first + 700][0] ^= 1;
    r->rec[first][r->len[first] - 1] ^= 1; /* the signature itself */
    uint64_t bad = 0;
    assert_int_equal(run_all(r, 3, &bad, NULL, NULL), LV_E_BAD_SIGNATURE);
    assert_int_equal(bad, first + 1);
    r->rec[N - 1][0] ^= 1;
    r->rec[first + 700][0] ^= 1;
    r->rec[first][r->len[first] - 1] ^= 1;
  }
  size_t keep = r->len[500];
  r->len[500] = LV__LIC_MIN - 1;
  uint64_t bad = 0;
  assert_int_equal(run_all(r, 2, &bad, NULL, NULL), LV_E_LICENSE_CORRUPT);
  assert_int_equal(bad, 501);
  r->len[500] = keep;
  free_recs(r);
}

/* Once a queued record has failed, add says so, and the caller can stop. */
static void add_refuses_after_a_failure(void **state) {
  (void)state;
  recs *r = make_recs();
  r->rec[0][5] ^= 1;
  unsigned counts[] = {0, 2};
  for (size_t c = 0; c < 2; c++) {
    lv__verifier *v;
    assert_int_equal(lv__verifier_start(&v, counts[c], RING), LV_OK);
    lv_status rc = LV_OK;
    /* more than the ring holds: by then the first chunk has been checked */
    size_t limit = 4 * (RING / LV__LIC_MIN), i;
    for (i = 0; i < limit && rc == LV_OK; i++)
      rc = lv__verifier_add(v, i + 1, r->rec[i % N], r->len[i % N], r->pk);
    assert_int_equal(rc, LV_E_BAD_SIGNATURE);
    assert_true(i < limit);
    uint64_t bad = 0;
    assert_int_equal(lv__verifier_finish(v, &bad, NULL, NULL), LV_E_BAD_SIGNATURE);
    assert_int_equal(bad, 1);
  }
  free_recs(r);
}

/* The record is copied when queued: the caller's buffer is its own again. */
static void records_are_copied(void **state) {
  (void)state;
  recs *r = make_recs();
  lv__verifier *v;
  uint8_t buf[LV__LIC_MAX];
  assert_int_equal(lv__verifier_start(&v, 2, RING), LV_OK);
  for (size_t i = 0; i < N; i++) {
    memcpy(buf, r->rec[i], r->len[i]);
    assert_int_equal(lv__verifier_add(v, i + 1, buf, r->len[i], r->pk), LV_OK);
    memset(buf, 0xee, sizeof buf);
  }
  assert_int_equal(lv__verifier_finish(v, NULL, NULL, NULL), LV_OK);
  free_recs(r);
}

static void limits_and_null(void **state) {
  (void)state;
  lv__verifier *v;
  uint8_t big[LV__LIC_MAX + 1] = {0}, pk[LV__SIGN_PK] = {0};
  assert_int_equal(lv__verifier_start(&v, 1, RING), LV_OK);
  assert_int_equal(lv__verifier_add(v, 1, big, sizeof big, pk), LV_E_INVALID_ARG);
  assert_int_equal(lv__verifier_finish(v, NULL, NULL, NULL), LV_OK); /* nothing queued */
  assert_int_equal(lv__verifier_finish(NULL, NULL, NULL, NULL), LV_OK);
  lv__verifier_abort(NULL);
}

/* Abort stops at once with records queued and one of them bad, with and
 * without threads: nothing leaks or hangs (the sanitizer builds run it). */
static void abort_drops_the_queue(void **state) {
  (void)state;
  recs *r = make_recs();
  r->rec[N - 1][0] ^= 1;
  unsigned counts[] = {0, 2};
  for (size_t c = 0; c < 2; c++) {
    lv__verifier *v;
    assert_int_equal(lv__verifier_start(&v, counts[c], RING), LV_OK);
    for (size_t i = 0; i < N; i++) lv__verifier_add(v, i + 1, r->rec[i], r->len[i], r->pk);
    lv__verifier_abort(v);
  }
  free_recs(r);
}

int main(void) {
  lv__crypto_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(all_good_on_any_thread_count),
      cmocka_unit_test(names_the_bad_record),
      cmocka_unit_test(first_failure_in_input_order),
      cmocka_unit_test(lowest_index_wins_whatever_the_order_found),
      cmocka_unit_test(add_refuses_after_a_failure),
      cmocka_unit_test(records_are_copied),
      cmocka_unit_test(limits_and_null),
      cmocka_unit_test(abort_drops_the_queue),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
