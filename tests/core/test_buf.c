/* test_buf.c - the capped byte buffer (growth limit, little-endian puts) and
 * the bounds-checked reader (refuses over-reads without moving). */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "core/buf.h"
#include "core/fault.h"
#include "testutil.h"

static void buf_init_is_empty(void **state) {
  (void)state;
  lv__buf b;
  memset(&b, 0x55, sizeof b);
  lv__buf_init(&b, 100);
  assert_null(b.data);
  assert_int_equal(b.len, 0);
  assert_int_equal(b.cap, 0);
  assert_int_equal(b.max, 100);
  assert_false(b.wipe);
  lv__buf_free(&b);
  lv__buf_free(NULL); /* accepted */
}

static void buf_put_grows_up_to_exact_cap(void **state) {
  (void)state;
  lv__buf b;
  uint8_t chunk[7];
  lv__buf_init(&b, 1000);
  for (size_t i = 0; i < 142; i++) {
    memset(chunk, (int)i, sizeof chunk);
    assert_int_equal(lv__buf_put(&b, chunk, sizeof chunk), LV_OK);
  }
  assert_int_equal(b.len, 994);
  assert_true(b.cap <= b.max);
  assert_int_equal(lv__buf_put(&b, chunk, 6), LV_OK); /* exactly max */
  assert_int_equal(b.len, 1000);
  for (size_t i = 0; i < 142; i++) assert_int_equal(b.data[i * 7 + 6], (uint8_t)i);
  lv__buf_free(&b);
  assert_null(b.data);
  assert_int_equal(b.len, 0);
}

static void buf_put_past_cap_is_too_large_and_keeps_content(void **state) {
  (void)state;
  lv__buf b;
  lv__buf_init(&b, 10);
  assert_int_equal(lv__buf_put(&b, "0123456789", 10), LV_OK);
  assert_int_equal(lv__buf_put_u8(&b, 'x'), LV_E_TOO_LARGE);
  assert_int_equal(lv__buf_put_u16(&b, 1), LV_E_TOO_LARGE);
  assert_int_equal(lv__buf_put_u32(&b, 1), LV_E_TOO_LARGE);
  assert_int_equal(lv__buf_put_u64(&b, 1), LV_E_TOO_LARGE);
  assert_int_equal(b.len, 10);
  assert_memory_equal(b.data, "0123456789", 10);
  assert_int_equal(lv__buf_put(&b, "", 0), LV_OK); /* nothing is fine */
  lv__buf_free(&b);

  lv__buf_init(&b, 10);
  assert_int_equal(lv__buf_put(&b, "01234567890", 11), LV_E_TOO_LARGE);
  assert_int_equal(b.len, 0);
  assert_int_equal(lv__buf_put(&b, "0123456", 7), LV_OK);
  assert_int_equal(lv__buf_put_u32(&b, 7), LV_E_TOO_LARGE); /* 11 > 10 */
  assert_int_equal(b.len, 7);
  lv__buf_free(&b);
}

static void buf_reserve_rejects_huge_without_overflow(void **state) {
  (void)state;
  lv__buf b;
  lv__buf_init(&b, 64);
  assert_int_equal(lv__buf_put(&b, "abc", 3), LV_OK);
  assert_int_equal(lv__buf_reserve(&b, SIZE_MAX), LV_E_TOO_LARGE);
  assert_int_equal(lv__buf_reserve(&b, SIZE_MAX - 1), LV_E_TOO_LARGE);
  assert_int_equal(lv__buf_reserve(&b, 62), LV_E_TOO_LARGE);
  assert_int_equal(lv__buf_reserve(&b, 61), LV_OK);
  assert_int_equal(b.len, 3);
  lv__buf_free(&b);

  lv__buf_init(&b, SIZE_MAX);
  assert_int_equal(lv__buf_put(&b, "abc", 3), LV_OK);
  assert_int_equal(lv__buf_reserve(&b, SIZE_MAX - 1), LV_E_TOO_LARGE);
  lv__buf_free(&b);
}

static void buf_zero_cap_accepts_only_nothing(void **state) {
  (void)state;
  lv__buf b;
  lv__buf_init(&b, 0);
  assert_int_equal(lv__buf_put(&b, "", 0), LV_OK);
  assert_int_equal(lv__buf_put_u8(&b, 1), LV_E_TOO_LARGE);
  assert_int_equal(b.len, 0);
  lv__buf_free(&b);
}

static void buf_put_is_little_endian(void **state) {
  (void)state;
  lv__buf b;
  static const uint8_t want[] = {
      0xAB,                                           /* u8 */
      0x34, 0x12,                                     /* u16 0x1234 */
      0x78, 0x56, 0x34, 0x12,                         /* u32 0x12345678 */
      0xEF, 0xCD, 0xAB, 0x89, 0x67, 0x45, 0x23, 0x01, /* u64 */
      0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, /* u64 max */
  };
  lv__buf_init(&b, 1024);
  assert_int_equal(lv__buf_put_u8(&b, 0xAB), LV_OK);
  assert_int_equal(lv__buf_put_u16(&b, 0x1234), LV_OK);
  assert_int_equal(lv__buf_put_u32(&b, 0x12345678u), LV_OK);
  assert_int_equal(lv__buf_put_u64(&b, 0x0123456789ABCDEFull), LV_OK);
  assert_int_equal(lv__buf_put_u64(&b, UINT64_MAX), LV_OK);
  assert_int_equal(b.len, sizeof want);
  assert_memory_equal(b.data, want, sizeof want);
  lv__buf_free(&b);
}

static void buf_store_load_round_trip(void **state) {
  (void)state;
  uint8_t p[8];
  static const uint32_t v32[] = {0, 1, 0x80, 0xFF00FF00u, 0xDEADBEEFu, UINT32_MAX};
  static const uint64_t v64[] = {0, 1, 0x8000000000000000ull, 0x0102030405060708ull,
                                 UINT64_MAX};
  for (size_t i = 0; i < sizeof v32 / sizeof v32[0]; i++) {
    lv__store_u32(p, v32[i]);
    assert_int_equal(p[0], (uint8_t)v32[i]);
    assert_int_equal(p[3], (uint8_t)(v32[i] >> 24));
    assert_int_equal(lv__load_u32(p), v32[i]);
  }
  for (size_t i = 0; i < sizeof v64 / sizeof v64[0]; i++) {
    lv__store_u64(p, v64[i]);
    assert_int_equal(p[0], (uint8_t)v64[i]);
    assert_int_equal(p[7], (uint8_t)(v64[i] >> 56));
    assert_int_equal(lv__load_u64(p), v64[i]);
  }
}

static void buf_reset_keeps_capacity(void **state) {
  (void)state;
  lv__buf b;
  lv__buf_init(&b, 256);
  b.wipe = true;
  assert_int_equal(lv__buf_put(&b, "secret", 6), LV_OK);
  size_t cap = b.cap;
  uint8_t *data = b.data;
  lv__buf_reset(&b);
  assert_int_equal(b.len, 0);
  assert_int_equal(b.cap, cap);
  assert_ptr_equal(b.data, data);
  assert_int_equal(b.data[0], 0); /* wiped */
  assert_int_equal(lv__buf_put(&b, "x", 1), LV_OK);
  assert_int_equal(b.data[0], 'x');
  lv__buf_free(&b);
}

static void buf_growth_failure_is_nomem_and_keeps_content(void **state) {
  (void)state;
  lv__buf b;
  uint8_t big[200];
  memset(big, 7, sizeof big);
  lv__buf_init(&b, 4096);
  assert_int_equal(lv__buf_put(&b, "abc", 3), LV_OK);
  lv__fault_arm(LV_FAULT_ALLOC, 1, ENOMEM);
  assert_int_equal(lv__buf_put(&b, big, sizeof big), LV_E_NOMEM);
  lv__fault_arm(LV_FAULT_ALLOC, 0, 0);
  assert_int_equal(b.len, 3);
  assert_memory_equal(b.data, "abc", 3);
  assert_int_equal(lv__buf_put(&b, big, sizeof big), LV_OK);
  assert_int_equal(b.len, 203);
  lv__buf_free(&b);
}

static void rd_reads_little_endian_in_order(void **state) {
  (void)state;
  static const uint8_t in[] = {0xAB, 0x34, 0x12, 0x78, 0x56, 0x34, 0x12,
                               0xEF, 0xCD, 0xAB, 0x89, 0x67, 0x45, 0x23, 0x01,
                               'h',  'i'};
  lv__rd r = lv__rd_make(in, sizeof in);
  uint8_t u8;
  uint16_t u16;
  uint32_t u32;
  uint64_t u64;
  char hi[2];
  assert_true(lv__rd_u8(&r, &u8));
  assert_int_equal(u8, 0xAB);
  assert_true(lv__rd_u16(&r, &u16));
  assert_int_equal(u16, 0x1234);
  assert_true(lv__rd_u32(&r, &u32));
  assert_int_equal(u32, 0x12345678u);
  assert_true(lv__rd_u64(&r, &u64));
  assert_int_equal(u64, 0x0123456789ABCDEFull);
  assert_int_equal(lv__rd_left(&r), 2);
  assert_true(lv__rd_bytes(&r, hi, 2));
  assert_memory_equal(hi, "hi", 2);
  assert_int_equal(lv__rd_left(&r), 0);
  assert_true(lv__rd_bytes(&r, hi, 0)); /* zero bytes always fit */
  assert_false(lv__rd_u8(&r, &u8));
}

static void rd_refuses_over_read_without_moving(void **state) {
  (void)state;
  static const uint8_t in[7] = {1, 2, 3, 4, 5, 6, 7};
  lv__rd r = lv__rd_make(in, sizeof in);
  uint8_t u8 = 0xEE, out[8];
  uint16_t u16 = 0xEEEE;
  uint32_t u32 = 0xEEEEEEEEu;
  uint64_t u64 = 0xEEull;
  const uint8_t *ptr = NULL;
  assert_false(lv__rd_u64(&r, &u64));
  assert_int_equal(u64, 0xEEull);
  assert_int_equal(r.off, 0);
  assert_false(lv__rd_bytes(&r, out, 8));
  assert_false(lv__rd_ptr(&r, &ptr, 8));
  assert_null(ptr);
  assert_int_equal(r.off, 0);
  assert_true(lv__rd_u32(&r, &u32));
  assert_int_equal(u32, 0x04030201u);
  assert_false(lv__rd_u32(&r, &u32)); /* 3 left */
  assert_int_equal(u32, 0x04030201u);
  assert_int_equal(r.off, 4);
  assert_true(lv__rd_u16(&r, &u16));
  assert_false(lv__rd_u16(&r, &u16)); /* 1 left */
  assert_int_equal(u16, 0x0605);
  assert_int_equal(r.off, 6);
  assert_false(lv__rd_bytes(&r, out, SIZE_MAX));
  assert_false(lv__rd_ptr(&r, &ptr, SIZE_MAX));
  assert_int_equal(r.off, 6);
  assert_true(lv__rd_u8(&r, &u8));
  assert_int_equal(u8, 7);
  assert_false(lv__rd_u8(&r, &u8));
  assert_int_equal(u8, 7);
  assert_int_equal(r.off, 7);
}

static void rd_ptr_points_into_input(void **state) {
  (void)state;
  static const uint8_t in[5] = {9, 8, 7, 6, 5};
  lv__rd r = lv__rd_make(in, sizeof in);
  const uint8_t *p;
  assert_true(lv__rd_ptr(&r, &p, 2));
  assert_ptr_equal(p, in);
  assert_true(lv__rd_ptr(&r, &p, 3));
  assert_ptr_equal(p, in + 2);
  assert_int_equal(lv__rd_left(&r), 0);
}

static void rd_empty_input_reads_nothing(void **state) {
  (void)state;
  lv__rd r = lv__rd_make(NULL, 0);
  uint8_t u8;
  assert_int_equal(lv__rd_left(&r), 0);
  assert_false(lv__rd_u8(&r, &u8));
  assert_int_equal(r.off, 0);
}

static void wipe_zeroes_and_accepts_null(void **state) {
  (void)state;
  uint8_t s[16];
  memset(s, 0xA5, sizeof s);
  lv__wipe(s, 8);
  for (int i = 0; i < 8; i++) assert_int_equal(s[i], 0);
  assert_int_equal(s[8], 0xA5);
  lv__wipe(NULL, 10);
  lv__wipe(s, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(buf_init_is_empty),
      cmocka_unit_test(buf_put_grows_up_to_exact_cap),
      cmocka_unit_test(buf_put_past_cap_is_too_large_and_keeps_content),
      cmocka_unit_test(buf_reserve_rejects_huge_without_overflow),
      cmocka_unit_test(buf_zero_cap_accepts_only_nothing),
      cmocka_unit_test(buf_put_is_little_endian),
      cmocka_unit_test(buf_store_load_round_trip),
      cmocka_unit_test(buf_reset_keeps_capacity),
      cmocka_unit_test(buf_growth_failure_is_nomem_and_keeps_content),
      cmocka_unit_test(rd_reads_little_endian_in_order),
      cmocka_unit_test(rd_refuses_over_read_without_moving),
      cmocka_unit_test(rd_ptr_points_into_input),
      cmocka_unit_test(rd_empty_input_reads_nothing),
      cmocka_unit_test(wipe_zeroes_and_accepts_null),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
