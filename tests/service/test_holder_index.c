/* test_holder_index.c - the in-memory index of who holds which license:
 * counts inside and outside the window, re-dating, many holders, growth to
 * many licenses, and an allocation failure at every point changing nothing. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/fault.h"
#include "service/holder_index.h"
#include "testutil.h"

static void key_of(uint8_t key[32], uint32_t i) {
  /* the index hashes on the first bytes: make them vary like BLAKE2b's */
  uint64_t x = i * UINT64_C(0x9E3779B97F4A7C15) ^ 0x1234;
  memset(key, 0, 32);
  memcpy(key, &x, sizeof x);
  memcpy(key + 28, &i, sizeof i);
}

static void machine(uint8_t m[16], uint8_t tag) {
  memset(m, tag, 16);
}

static void count(const lv__hidx *h, uint32_t k, uint8_t issued, int64_t since, uint8_t me,
                  int64_t want_held, bool want_mine) {
  uint8_t key[32], is[16], mm[16];
  int64_t held = -1;
  bool mine = !want_mine;
  key_of(key, k);
  machine(is, issued);
  machine(mm, me);
  lv__hidx_count(h, key, is, since, mm, &held, &mine);
  assert_int_equal(held, want_held);
  assert_int_equal(mine, want_mine);
}

static void grant(lv__hidx *h, uint32_t k, uint8_t me, int64_t at) {
  uint8_t key[32], mm[16];
  key_of(key, k);
  machine(mm, me);
  assert_int_equal(lv__hidx_grant(h, key, mm, at), LV_OK);
}

static void unknown_license_has_no_holders(void **state) {
  (void)state;
  lv__hidx *h;
  assert_int_equal(lv__hidx_new(&h), LV_OK);
  count(h, 1, 0xAA, INT64_MIN, 0x01, 0, false);
  assert_int_equal(lv__hidx_licenses(h), 0);
  lv__hidx_free(h);
}

static void counts_others_in_window_and_mine_always(void **state) {
  (void)state;
  lv__hidx *h;
  assert_int_equal(lv__hidx_new(&h), LV_OK);
  grant(h, 7, 0x01, 100);
  grant(h, 7, 0x02, 200);
  grant(h, 7, 0x03, 300);
  count(h, 7, 0xAA, INT64_MIN, 0x09, 3, false);
  count(h, 7, 0xAA, 200, 0x09, 2, false); /* 100 left the window */
  count(h, 7, 0xAA, 301, 0x01, 0, true);  /* mine, whenever granted */
  count(h, 7, 0x02, INT64_MIN, 0x09, 2, false); /* the issued-to computer is not counted */
  count(h, 8, 0xAA, INT64_MIN, 0x01, 0, false); /* another license */
  assert_int_equal(lv__hidx_licenses(h), 1);
  assert_int_equal(lv__hidx_holders(h), 3);
  lv__hidx_free(h);
}

static void granting_again_redates_not_adds(void **state) {
  (void)state;
  lv__hidx *h;
  assert_int_equal(lv__hidx_new(&h), LV_OK);
  grant(h, 3, 0x01, 100);
  grant(h, 3, 0x02, 100);
  count(h, 3, 0xAA, 150, 0x09, 0, false);
  grant(h, 3, 0x01, 200); /* re-dated: back in the window */
  count(h, 3, 0xAA, 150, 0x09, 1, false);
  assert_int_equal(lv__hidx_holders(h), 2);
  lv__hidx_free(h);
}

/* Beyond one chunk and many slot doublings; every license keeps its own. */
static void many_licenses_many_holders(void **state) {
  (void)state;
  enum { N = 70000 };
  lv__hidx *h;
  assert_int_equal(lv__hidx_new(&h), LV_OK);
  for (uint32_t i = 0; i < N; i++) {
    grant(h, i, 0x01, i);
    if (i % 7 == 0)
      for (uint8_t m = 2; m < 12; m++) grant(h, i, m, i);
  }
  assert_int_equal(lv__hidx_licenses(h), N);
  for (uint32_t i = 0; i < N; i += 997) count(h, i, 0xAA, INT64_MIN, 0x05, i % 7 ? 1 : 11, i % 7 == 0);
  count(h, N, 0xAA, INT64_MIN, 0x01, 0, false);
  lv__hidx_clear(h);
  assert_int_equal(lv__hidx_licenses(h), 0);
  count(h, 0, 0xAA, INT64_MIN, 0x01, 0, false);
  grant(h, 0, 0x01, 1); /* usable after a clear */
  count(h, 0, 0xAA, INT64_MIN, 0x01, 1, true);
  lv__hidx_free(h);
}

/* One grant with its k-th allocation failing, for k = 1, 2, ... until it
 * succeeds: every failure changes nothing (the counts are as before).
 * Returns the allocations the grant made. */
static unsigned long grant_every_failure(lv__hidx *h, uint32_t lic, uint8_t me, int64_t held) {
  uint8_t key[32], mm[16];
  key_of(key, lic);
  machine(mm, me);
  for (unsigned long k = 1;; k++) {
    size_t nl = lv__hidx_licenses(h), nh = lv__hidx_holders(h);
    lv__fault_arm(LV_FAULT_ALLOC, k, ENOMEM);
    lv_status rc = lv__hidx_grant(h, key, mm, 1);
    lv__fault_arm(LV_FAULT_ALLOC, 0, 0);
    if (rc == LV_OK) return k - 1;
    assert_int_equal(rc, LV_E_NOMEM);
    count(h, lic, 0xAA, INT64_MIN, me, held, false);
    assert_int_equal(lv__hidx_licenses(h), nl);
    assert_int_equal(lv__hidx_holders(h), nh);
  }
}

/* Every allocation the index makes may fail: slot growth, a new chunk, the
 * chunk array's growth (beyond 16 chunks of 16,384), a license's first
 * holder array and its growth (beyond 4 and 8 holders). */
static void allocation_failure_changes_nothing(void **state) {
  (void)state;
  enum { MANY = 300, HOLDERS = 12, LICS = 16 * 16384 + 100 };
  lv__hidx *h;
  assert_int_equal(lv__hidx_new(&h), LV_OK);
  unsigned long allocs = 0;
  for (uint32_t i = 0; i < MANY; i++)
    for (uint8_t m = 1; m <= HOLDERS; m++) allocs += grant_every_failure(h, i, m, m - 1);
  for (uint32_t i = MANY; i < LICS; i++) allocs += grant_every_failure(h, i, 1, 0);
  /* per license with 12 holders: the array, then its growth to 8 and 16;
   * besides, slots grew 9 times, 17 chunks, the chunk array twice */
  assert_true(allocs >= MANY * 3 + 9 + 17 + 2);
  assert_int_equal(lv__hidx_licenses(h), LICS);
  assert_int_equal(lv__hidx_holders(h), (size_t)MANY * HOLDERS + (LICS - MANY));
  for (uint32_t i = 0; i < MANY; i += 37) count(h, i, 0xAA, INT64_MIN, 0x05, HOLDERS, true);
  for (uint32_t i = MANY; i < LICS; i += 4099) count(h, i, 0xAA, INT64_MIN, 0x01, 1, true);
  lv__hidx_free(h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(unknown_license_has_no_holders),
      cmocka_unit_test(counts_others_in_window_and_mine_always),
      cmocka_unit_test(granting_again_redates_not_adds),
      cmocka_unit_test(many_licenses_many_holders),
      cmocka_unit_test(allocation_failure_changes_nothing),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
