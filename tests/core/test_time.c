/* test_time.c - strict ISO 8601 UTC parsing and formatting, checked against
 * known epochs, gmtime_r and each other; and the fake clock seam. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/timeutil.h"
#include "crypto/crypto.h"
#include "testutil.h"

#define T_MAX INT64_C(253402300799) /* 9999-12-31T23:59:59Z */

static void expect_parse(const char *s, int64_t want) {
  int64_t t = -1;
  lv_status rc = lv__time_parse(&t, s);
  if (rc != LV_OK) fail_msg("rejected \"%s\"", s);
  if (t != want) fail_msg("\"%s\" -> %lld, want %lld", s, (long long)t, (long long)want);
}

static void expect_reject(const char *s) {
  int64_t t = 4242;
  if (lv__time_parse(&t, s) != LV_E_INVALID_ARG) fail_msg("accepted \"%s\"", s);
  assert_int_equal(t, 4242); /* nothing written on failure */
}

static void time_parse_accepts_three_forms(void **state) {
  (void)state;
  expect_parse("2000-02-29", 951782400);
  expect_parse("2000-02-29T12:34Z", 951782400 + 12 * 3600 + 34 * 60);
  expect_parse("2000-02-29T12:34:56Z", 951782400 + 12 * 3600 + 34 * 60 + 56);
  expect_parse("1970-01-01", 0);
  expect_parse("1970-01-01T00:00Z", 0);
  expect_parse("1970-01-01T00:00:00Z", 0);
  expect_parse("1970-01-01T00:00:01Z", 1);
  expect_parse("2100-01-01T00:00:00Z", INT64_C(4102444800));
  expect_parse("2038-01-19T03:14:07Z", INT64_C(2147483647));
  expect_parse("2038-01-19T03:14:08Z", INT64_C(2147483648)); /* past 32 bits */
  expect_parse("9999-12-31T23:59:59Z", T_MAX);
  expect_parse("2024-12-31T23:59:59Z", INT64_C(1735689599));
}

static void time_parse_handles_leap_years(void **state) {
  (void)state;
  expect_parse("2000-02-29", 951782400);  /* divisible by 400: leap */
  expect_parse("2024-02-29", 1709164800); /* divisible by 4: leap */
  expect_parse("2400-02-29", INT64_C(13574563200));
  expect_reject("2001-02-29");
  expect_reject("2023-02-29");
  expect_reject("2100-02-29"); /* divisible by 100 only: not leap */
  expect_reject("1900-02-29");
  expect_reject("2200-02-29");
  expect_reject("2024-02-30");
  expect_parse("2023-02-28", 1677542400);
}

static void time_parse_rejects_bad_months_and_days(void **state) {
  (void)state;
  static const char *const bad[] = {
      "2020-00-10", "2020-13-01", "2020-99-01", "2020-01-00", "2020-01-32",
      "2020-04-31", "2020-06-31", "2020-09-31", "2020-11-31", "2020-02-31",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) expect_reject(bad[i]);
  static const char *const good[] = {"2020-01-31", "2020-03-31", "2020-04-30",
                                     "2020-12-31", "2020-07-31", "2020-08-31"};
  int64_t t;
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
    assert_int_equal(lv__time_parse(&t, good[i]), LV_OK);
}

static void time_parse_rejects_bad_times(void **state) {
  (void)state;
  expect_reject("2020-01-01T24:00Z");
  expect_reject("2020-01-01T23:60Z");
  expect_reject("2020-01-01T23:59:60Z"); /* no leap seconds */
  expect_reject("2020-01-01T99:00:00Z");
  expect_reject("2020-01-01T1:00Z");
  expect_reject("2020-01-01T01:0aZ");
  expect_reject("2020-01-01T01-00Z");
  expect_reject("2020-01-01T01:00-00Z");
  expect_parse("2020-01-01T23:59:59Z", 1577923199);
}

static void time_parse_rejects_missing_z(void **state) {
  (void)state;
  expect_reject("2020-01-01T00:00");
  expect_reject("2020-01-01T00:00:00");
  expect_reject("2020-01-01T00:00:00+00:00");
  expect_reject("2020-01-01T00:00:0Z");
  expect_reject("2020-01-01T00:00:00A");
  expect_reject("2020-01-01T00:00A");
}

static void time_parse_rejects_lowercase(void **state) {
  (void)state;
  expect_reject("2020-01-01t00:00Z");
  expect_reject("2020-01-01t00:00:00Z");
  expect_reject("2020-01-01T00:00z");
  expect_reject("2020-01-01T00:00:00z");
  expect_reject("2020-01-01 00:00:00Z");
}

static void time_parse_rejects_trailing_garbage(void **state) {
  (void)state;
  expect_reject("2020-01-01x");
  expect_reject("2020-01-01 ");
  expect_reject("2020-01-01T");
  expect_reject("2020-01-01TZ");
  expect_reject("2020-01-01T00:00:00Z ");
  expect_reject("2020-01-01T00:00:00ZZ");
  expect_reject("2020-01-01T00:00:00.000Z");
  expect_reject("2020-01-01T00:00Zjunk");
  expect_reject("2020-01-01T00:00:00Z\n");
}

static void time_parse_rejects_malformed_dates(void **state) {
  (void)state;
  static const char *const bad[] = {
      "",           "2020",        "2020-01",     "2020-1-01",   "2020-01-1",
      "20-01-01",   "20200101",    "2020/01/01",  "2020.01.01",  " 2020-01-01",
      "+020-01-01", "-020-01-01",  "2020-+1-01",  "2020-01-+1",  "\357\274\222020-01-01",
      "2020_01-01", "02020-01-01", "2020-001-01", "abcd-ef-gh",  "2020-0a-01",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) expect_reject(bad[i]);
}

static void time_parse_rejects_years_before_1970(void **state) {
  (void)state;
  expect_reject("1969-12-31");
  expect_reject("1969-12-31T23:59:59Z");
  expect_reject("1900-01-01");
  expect_reject("0000-01-01");
  expect_reject("0001-01-01T00:00Z");
  expect_parse("1970-01-01", 0);
}

static void time_parse_ignores_tz(void **state) {
  (void)state;
  const char *old = getenv("TZ");
  char *saved = old ? strdup(old) : NULL;
  setenv("TZ", "America/New_York", 1);
  tzset();
  expect_parse("2000-02-29T00:00:00Z", 951782400);
  setenv("TZ", "Asia/Kolkata", 1);
  tzset();
  expect_parse("2000-02-29", 951782400);
  if (saved) {
    setenv("TZ", saved, 1);
    free(saved);
  } else {
    unsetenv("TZ");
  }
  tzset();
}

static void time_format_known_epochs(void **state) {
  (void)state;
  static const struct {
    int64_t t;
    const char *s;
  } known[] = {
      {0, "1970-01-01T00:00:00Z"},
      {59, "1970-01-01T00:00:59Z"},
      {86399, "1970-01-01T23:59:59Z"},
      {951782400, "2000-02-29T00:00:00Z"},
      {951868799, "2000-02-29T23:59:59Z"},
      {951868800, "2000-03-01T00:00:00Z"},
      {INT64_C(2147483647), "2038-01-19T03:14:07Z"},
      {INT64_C(4102444800), "2100-01-01T00:00:00Z"},
      {INT64_C(4107542400), "2100-03-01T00:00:00Z"}, /* no Feb 29 in 2100 */
      {T_MAX, "9999-12-31T23:59:59Z"},
  };
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
    char out[LV__TIME_STRLEN];
    memset(out, 'x', sizeof out);
    lv__time_format(out, known[i].t);
    assert_string_equal(out, known[i].s);
    assert_int_equal(strlen(out), LV__TIME_STRLEN - 1);
  }
}

/* Checks format(t) against gmtime_r and parse(format(t)) == t. */
static void check_round_trip(int64_t t) {
  char out[LV__TIME_STRLEN], want[64];
  int64_t back = -1;
  lv__time_format(out, t);
  time_t tt = (time_t)t;
  struct tm tm;
  assert_non_null(gmtime_r(&tt, &tm));
  assert_int_not_equal(strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%SZ", &tm), 0);
  if (strcmp(out, want)) fail_msg("format(%lld) = %s, gmtime says %s", (long long)t, out, want);
  assert_int_equal(lv__time_parse(&back, out), LV_OK);
  if (back != t) fail_msg("parse(format(%lld)) = %lld", (long long)t, (long long)back);
}

static void time_parse_format_round_trip_many_values(void **state) {
  (void)state;
  /* every hour-ish step over 1970..2110, with varying seconds */
  for (int64_t t = 0; t < INT64_C(4420000000); t += 3601 * 7 + 13) check_round_trip(t);
  /* day boundaries */
  for (int64_t d = 0; d < 60000; d += 17) {
    check_round_trip(d * 86400);
    check_round_trip(d * 86400 + 86399);
  }
  /* random values over the whole range */
  for (int i = 0; i < 20000; i++) {
    uint64_t r;
    lv__random(&r, sizeof r);
    check_round_trip((int64_t)(r % (uint64_t)(T_MAX + 1)));
  }
  check_round_trip(T_MAX);
}

static void time_format_parse_round_trip_short_forms(void **state) {
  (void)state;
  int64_t a, b;
  char out[LV__TIME_STRLEN];
  assert_int_equal(lv__time_parse(&a, "2031-07-04"), LV_OK);
  lv__time_format(out, a);
  assert_string_equal(out, "2031-07-04T00:00:00Z");
  assert_int_equal(lv__time_parse(&a, "2031-07-04T08:09Z"), LV_OK);
  lv__time_format(out, a);
  assert_string_equal(out, "2031-07-04T08:09:00Z");
  assert_int_equal(lv__time_parse(&b, out), LV_OK);
  assert_int_equal(a, b);
}

static void time_fake_clock_overrides_and_restores(void **state) {
  (void)state;
  lv__time_set_fake(123456789);
  assert_int_equal(lv__time_now(), 123456789);
  lv__time_set_fake(T_MAX);
  assert_int_equal(lv__time_now(), T_MAX);
  lv__time_set_fake(0);
  int64_t now = lv__time_now(), sys = (int64_t)time(NULL);
  assert_true(now >= sys - 5 && now <= sys + 5);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(time_parse_accepts_three_forms),
      cmocka_unit_test(time_parse_handles_leap_years),
      cmocka_unit_test(time_parse_rejects_bad_months_and_days),
      cmocka_unit_test(time_parse_rejects_bad_times),
      cmocka_unit_test(time_parse_rejects_missing_z),
      cmocka_unit_test(time_parse_rejects_lowercase),
      cmocka_unit_test(time_parse_rejects_trailing_garbage),
      cmocka_unit_test(time_parse_rejects_malformed_dates),
      cmocka_unit_test(time_parse_rejects_years_before_1970),
      cmocka_unit_test(time_parse_ignores_tz),
      cmocka_unit_test(time_format_known_epochs),
      cmocka_unit_test(time_parse_format_round_trip_many_values),
      cmocka_unit_test(time_format_parse_round_trip_short_forms),
      cmocka_unit_test(time_fake_clock_overrides_and_restores),
  };
  if (lv__crypto_init() < 0) return 1;
  return cmocka_run_group_tests(tests, NULL, NULL);
}
