/* test_rights.c - evaluation of the play right (counts, dates, expiry after
 * first use, app security, clock rollback) and the rights' defaults. */
#include <string.h>

#include "license/license.h"
#include "licvault/license.h"
#include "testutil.h"

#define NOW INT64_C(1700000000)
#define DAY INT64_C(86400)
#define HOUR INT64_C(3600)

/* Play state of one license, as the store keeps it. */
typedef struct play_state {
  uint32_t plays;
  int64_t first_use;
  bool delete_it;
} play_state;

static lv_status use(const lv_rights *r, play_state *s, int64_t now, int64_t clock_high) {
  return lv__rights_use(r, &s->plays, &s->first_use, now, clock_high, &s->delete_it);
}

/* A refusal leaves plays and first use as they were. */
static void expect_refused(const lv_rights *r, play_state *s, int64_t now, int64_t high,
                           lv_status want, bool want_delete) {
  play_state before = *s;
  s->delete_it = !want_delete; /* the call must set it either way */
  assert_int_equal(use(r, s, now, high), want);
  assert_int_equal(s->plays, before.plays);
  assert_int_equal(s->first_use, before.first_use);
  assert_int_equal(s->delete_it, want_delete);
}

static void expect_played(const lv_rights *r, play_state *s, int64_t now, int64_t high) {
  uint32_t plays = s->plays;
  s->delete_it = true;
  assert_int_equal(use(r, s, now, high), LV_OK);
  assert_int_equal(s->plays, plays + 1);
  assert_false(s->delete_it);
  assert_true(s->first_use != 0);
}

/* ---- defaults and validity --------------------------------------------- */

static void rights_init_sets_wmrm_defaults(void **state) {
  (void)state;
  lv_rights r;
  memset(&r, 0xA5, sizeof r);
  lv_rights_init(&r);
  assert_int_equal(r.flags, LV_RIGHT_PLAY);
  assert_true(r.flags & LV_RIGHT_PLAY);
  assert_false(r.flags & LV_RIGHT_BACKUP_RESTORE);
  assert_int_equal(r.min_app_security, 1000);
  assert_int_equal(r.playcount, 0);
  assert_int_equal(r.begin_date, 0);
  assert_int_equal(r.expiration_date, 0);
  assert_int_equal(r.expire_after_first_use, 0);
  assert_int_equal(r.burn_to_cd_count, 0);
  assert_int_equal(r.transfer_count, 0);
  assert_true(lv__rights_valid(&r));
}

static void rights_valid_rejects_begin_after_expiration(void **state) {
  (void)state;
  lv_rights r;
  lv_rights_init(&r);
  r.begin_date = NOW + 1;
  r.expiration_date = NOW;
  assert_false(lv__rights_valid(&r));
  r.begin_date = NOW;
  assert_true(lv__rights_valid(&r)); /* equal is allowed */
  r.begin_date = NOW * 3;
  r.expiration_date = 0; /* never expires: any begin */
  assert_true(lv__rights_valid(&r));
}

static void rights_valid_rejects_negative_dates(void **state) {
  (void)state;
  lv_rights r;
  lv_rights_init(&r);
  r.begin_date = -1;
  assert_false(lv__rights_valid(&r));
  r.begin_date = 0;
  r.expiration_date = INT64_MIN;
  assert_false(lv__rights_valid(&r));
}

static void rights_valid_rejects_unknown_flags_and_both_rollbacks(void **state) {
  (void)state;
  lv_rights r;
  lv_rights_init(&r);
  for (uint32_t bit = 1; bit & LV_RIGHT__ALL; bit <<= 1) {
    r.flags = bit;
    assert_true(lv__rights_valid(&r));
  }
  r.flags = LV_RIGHT__ALL;
  assert_false(lv__rights_valid(&r)); /* has both rollback reactions */
  r.flags = LV_RIGHT__ALL & ~LV_RIGHT_DELETE_ON_ROLLBACK;
  assert_true(lv__rights_valid(&r));
  r.flags = LV_RIGHT_DELETE_ON_ROLLBACK | LV_RIGHT_DISABLE_ON_ROLLBACK;
  assert_false(lv__rights_valid(&r));
  for (int bit = 7; bit < 32; bit++) {
    r.flags = LV_RIGHT_PLAY | 1u << bit;
    assert_false(lv__rights_valid(&r));
  }
  r.flags = 0;
  assert_true(lv__rights_valid(&r));
}

/* ---- play ---------------------------------------------------------------- */

static void rights_default_license_plays_unlimited(void **state) {
  (void)state;
  lv_rights r;
  play_state s = {0, 0, false};
  lv_rights_init(&r);
  for (int i = 0; i < 1000; i++) expect_played(&r, &s, NOW + i, NOW + i);
  assert_int_equal(s.plays, 1000);
  assert_int_equal(s.first_use, NOW);
}

static void rights_no_play_right_is_no_rights(void **state) {
  (void)state;
  lv_rights r;
  play_state s = {0, 0, false};
  lv_rights_init(&r);
  r.flags = LV_RIGHT_BACKUP_RESTORE | LV_RIGHT_BURN_TO_CD;
  expect_refused(&r, &s, NOW, 0, LV_E_NO_RIGHTS, false);
  r.flags = 0;
  expect_refused(&r, &s, NOW, 0, LV_E_NO_RIGHTS, false);
}

static void rights_playcount_allows_exactly_n(void **state) {
  (void)state;
  lv_rights r;
  play_state s = {0, 0, false};
  lv_rights_init(&r);
  r.playcount = 3;
  for (int i = 0; i < 3; i++) expect_played(&r, &s, NOW + i, 0);
  assert_int_equal(s.plays, 3);
  expect_refused(&r, &s, NOW + 10, 0, LV_E_NO_RIGHTS, false);
  expect_refused(&r, &s, NOW + 11, 0, LV_E_NO_RIGHTS, false);
  r.playcount = 1;
  s.plays = 0;
  s.first_use = 0;
  expect_played(&r, &s, NOW, 0);
  expect_refused(&r, &s, NOW, 0, LV_E_NO_RIGHTS, false);
}

static void rights_play_counter_saturates(void **state) {
  (void)state;
  lv_rights r;
  play_state s = {UINT32_MAX - 1, NOW, false};
  lv_rights_init(&r);
  expect_played(&r, &s, NOW, 0);
  assert_int_equal(s.plays, UINT32_MAX);
  assert_int_equal(use(&r, &s, NOW, 0), LV_OK);
  assert_int_equal(s.plays, UINT32_MAX);
}

static void rights_begin_date_in_future_is_not_enabled(void **state) {
  (void)state;
  lv_rights r;
  play_state s = {0, 0, false};
  lv_rights_init(&r);
  r.begin_date = NOW + 1;
  expect_refused(&r, &s, NOW, 0, LV_E_NOT_ENABLED, false);
  expect_refused(&r, &s, NOW - DAY, 0, LV_E_NOT_ENABLED, false);
  expect_played(&r, &s, NOW + 1, 0); /* from the begin date on */
  assert_int_equal(s.first_use, NOW + 1);
}

static void rights_expiration_reached_is_expired(void **state) {
  (void)state;
  lv_rights r;
  play_state s = {0, 0, false};
  lv_rights_init(&r);
  r.expiration_date = NOW;
  expect_played(&r, &s, NOW - 1, 0);
  expect_refused(&r, &s, NOW, 0, LV_E_EXPIRED, false); /* the instant itself */
  expect_refused(&r, &s, NOW + DAY, 0, LV_E_EXPIRED, false);
}

static void rights_begin_and_expiration_window(void **state) {
  (void)state;
  lv_rights r;
  play_state s = {0, 0, false};
  lv_rights_init(&r);
  r.begin_date = NOW;
  r.expiration_date = NOW + DAY;
  expect_refused(&r, &s, NOW - 1, 0, LV_E_NOT_ENABLED, false);
  expect_played(&r, &s, NOW, 0);
  expect_played(&r, &s, NOW + DAY - 1, 0);
  expect_refused(&r, &s, NOW + DAY, 0, LV_E_EXPIRED, false);
}

static void rights_expire_after_first_use_counts_hours(void **state) {
  (void)state;
  lv_rights r;
  play_state s = {0, 0, false};
  lv_rights_init(&r);
  r.expire_after_first_use = 2;
  expect_played(&r, &s, NOW, 0);
  assert_int_equal(s.first_use, NOW);
  expect_played(&r, &s, NOW + HOUR, 0);
  expect_played(&r, &s, NOW + 2 * HOUR - 1, 0);
  expect_refused(&r, &s, NOW + 2 * HOUR, 0, LV_E_EXPIRED, false);
  expect_refused(&r, &s, NOW + 100 * DAY, 0, LV_E_EXPIRED, false);
  assert_int_equal(s.plays, 3);
}

static void rights_expire_after_first_use_starts_at_first_play(void **state) {
  (void)state;
  lv_rights r;
  play_state s = {0, 0, false};
  lv_rights_init(&r);
  r.expire_after_first_use = 1;
  /* a license used for the first time long after issue still gets its hour */
  expect_played(&r, &s, NOW + 365 * DAY, 0);
  expect_played(&r, &s, NOW + 365 * DAY + HOUR - 1, 0);
  expect_refused(&r, &s, NOW + 365 * DAY + HOUR, 0, LV_E_EXPIRED, false);
}

static void rights_expire_after_first_use_large_hours(void **state) {
  (void)state;
  lv_rights r;
  play_state s = {0, 0, false};
  lv_rights_init(&r);
  r.expire_after_first_use = UINT32_MAX; /* no 32-bit overflow of hours*3600 */
  expect_played(&r, &s, NOW, 0);
  expect_played(&r, &s, NOW + 1000 * 365 * DAY, 0);
}

static void rights_first_use_recorded_on_first_play_only(void **state) {
  (void)state;
  lv_rights r;
  play_state s = {0, 0, false};
  lv_rights_init(&r);
  expect_played(&r, &s, NOW, 0);
  assert_int_equal(s.first_use, NOW);
  expect_played(&r, &s, NOW + 500, 0);
  assert_int_equal(s.first_use, NOW);
  /* a refusal before the first play records nothing */
  play_state t = {0, 0, false};
  r.begin_date = NOW + DAY;
  expect_refused(&r, &t, NOW, 0, LV_E_NOT_ENABLED, false);
  assert_int_equal(t.first_use, 0);
  /* a first use already known (from the store) is kept */
  play_state u = {4, NOW - DAY, false};
  r.begin_date = 0;
  expect_played(&r, &u, NOW, 0);
  assert_int_equal(u.first_use, NOW - DAY);
}

static void rights_min_app_security_above_ours_is_low(void **state) {
  (void)state;
  lv_rights r;
  play_state s = {0, 0, false};
  lv_rights_init(&r);
  r.min_app_security = 3000;
  expect_refused(&r, &s, NOW, 0, LV_E_APPSEC_LOW, false);
  r.min_app_security = LV_APP_SECURITY + 1;
  expect_refused(&r, &s, NOW, 0, LV_E_APPSEC_LOW, false);
  r.min_app_security = LV_APP_SECURITY;
  expect_played(&r, &s, NOW, 0);
  r.min_app_security = 0;
  expect_played(&r, &s, NOW, 0);
}

/* ---- clock rollback ------------------------------------------------------ */

static void rights_rollback_with_delete_flag_deletes(void **state) {
  (void)state;
  lv_rights r;
  play_state s = {2, NOW - DAY, false};
  lv_rights_init(&r);
  r.expiration_date = NOW + 30 * DAY;
  r.flags |= LV_RIGHT_DELETE_ON_ROLLBACK;
  expect_refused(&r, &s, NOW, NOW + 302, LV_E_CLOCK_ROLLBACK, true);
  expect_refused(&r, &s, NOW, NOW + 301, LV_E_CLOCK_ROLLBACK, true);
  expect_refused(&r, &s, NOW, NOW + 365 * DAY, LV_E_CLOCK_ROLLBACK, true);
}

static void rights_rollback_with_disable_flag_disables(void **state) {
  (void)state;
  lv_rights r;
  play_state s = {2, NOW - DAY, false};
  lv_rights_init(&r);
  r.expiration_date = NOW + 30 * DAY;
  r.flags |= LV_RIGHT_DISABLE_ON_ROLLBACK;
  expect_refused(&r, &s, NOW, NOW + 301, LV_E_CLOCK_ROLLBACK, false);
  expect_refused(&r, &s, NOW, NOW + 10 * DAY, LV_E_CLOCK_ROLLBACK, false);
  /* once the clock is right again the license plays */
  expect_played(&r, &s, NOW + 10 * DAY, NOW + 10 * DAY);
}

static void rights_rollback_without_flag_plays(void **state) {
  (void)state;
  lv_rights r;
  play_state s = {0, 0, false};
  lv_rights_init(&r);
  r.expiration_date = NOW + 30 * DAY;
  expect_played(&r, &s, NOW, NOW + 10 * DAY);
}

static void rights_rollback_ignored_without_expiration(void **state) {
  (void)state;
  lv_rights r;
  play_state s = {0, 0, false};
  lv_rights_init(&r);
  r.flags |= LV_RIGHT_DELETE_ON_ROLLBACK;
  expect_played(&r, &s, NOW, NOW + 365 * DAY);
  r.flags = LV_RIGHT_PLAY | LV_RIGHT_DISABLE_ON_ROLLBACK;
  expect_played(&r, &s, NOW, NOW + 365 * DAY);
  /* an expiry after first use is not an expiration date either */
  r.expire_after_first_use = 24;
  expect_played(&r, &s, NOW, NOW + 365 * DAY);
}

static void rights_small_rollback_within_300s_ignored(void **state) {
  (void)state;
  lv_rights r;
  play_state s = {0, 0, false};
  lv_rights_init(&r);
  r.expiration_date = NOW + DAY;
  r.flags |= LV_RIGHT_DELETE_ON_ROLLBACK;
  expect_played(&r, &s, NOW, NOW + 300);
  expect_played(&r, &s, NOW, NOW + 1);
  expect_played(&r, &s, NOW, NOW);
  expect_played(&r, &s, NOW + 100, NOW); /* forward is fine of course */
  expect_refused(&r, &s, NOW, NOW + 301, LV_E_CLOCK_ROLLBACK, true);
}

static void rights_no_clock_high_means_no_rollback_check(void **state) {
  (void)state;
  lv_rights r;
  play_state s = {0, 0, false};
  lv_rights_init(&r);
  r.expiration_date = NOW + DAY;
  r.flags |= LV_RIGHT_DELETE_ON_ROLLBACK;
  expect_played(&r, &s, NOW, 0);
}

static void rights_rollback_checked_before_expiry_and_count(void **state) {
  (void)state;
  lv_rights r;
  play_state s = {5, NOW - DAY, false};
  lv_rights_init(&r);
  r.expiration_date = NOW - 1; /* already expired by the wound-back clock */
  r.playcount = 5;             /* and used up */
  r.flags |= LV_RIGHT_DELETE_ON_ROLLBACK;
  expect_refused(&r, &s, NOW - DAY, NOW, LV_E_CLOCK_ROLLBACK, true);
  r.flags = LV_RIGHT_PLAY;
  expect_refused(&r, &s, NOW, NOW, LV_E_EXPIRED, false);
}

static void rights_every_refusal_leaves_state_untouched(void **state) {
  (void)state;
  /* one table of refusals, each from a state with history */
  struct {
    uint32_t flags, playcount, min_app, eafu;
    int64_t begin, exp, now, high;
    lv_status want;
    bool del;
  } cases[] = {
      {0, 0, 1000, 0, 0, 0, NOW, 0, LV_E_NO_RIGHTS, false},
      {LV_RIGHT_PLAY, 7, 1000, 0, 0, 0, NOW, 0, LV_E_NO_RIGHTS, false},
      {LV_RIGHT_PLAY, 0, 1000, 0, NOW + 1, 0, NOW, 0, LV_E_NOT_ENABLED, false},
      {LV_RIGHT_PLAY, 0, 1000, 0, 0, NOW, NOW, 0, LV_E_EXPIRED, false},
      {LV_RIGHT_PLAY, 0, 1000, 1, 0, 0, NOW, 0, LV_E_EXPIRED, false},
      {LV_RIGHT_PLAY, 0, 9999, 0, 0, 0, NOW, 0, LV_E_APPSEC_LOW, false},
      {LV_RIGHT_PLAY | LV_RIGHT_DELETE_ON_ROLLBACK, 0, 1000, 0, 0, NOW + DAY, NOW, NOW + DAY,
       LV_E_CLOCK_ROLLBACK, true},
      {LV_RIGHT_PLAY | LV_RIGHT_DISABLE_ON_ROLLBACK, 0, 1000, 0, 0, NOW + DAY, NOW,
       NOW + DAY, LV_E_CLOCK_ROLLBACK, false},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    lv_rights r;
    play_state s = {7, NOW - 2 * HOUR, false};
    lv_rights_init(&r);
    r.flags = cases[i].flags;
    r.playcount = cases[i].playcount;
    r.min_app_security = cases[i].min_app;
    r.expire_after_first_use = cases[i].eafu;
    r.begin_date = cases[i].begin;
    r.expiration_date = cases[i].exp;
    expect_refused(&r, &s, cases[i].now, cases[i].high, cases[i].want, cases[i].del);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(rights_init_sets_wmrm_defaults),
      cmocka_unit_test(rights_valid_rejects_begin_after_expiration),
      cmocka_unit_test(rights_valid_rejects_negative_dates),
      cmocka_unit_test(rights_valid_rejects_unknown_flags_and_both_rollbacks),
      cmocka_unit_test(rights_default_license_plays_unlimited),
      cmocka_unit_test(rights_no_play_right_is_no_rights),
      cmocka_unit_test(rights_playcount_allows_exactly_n),
      cmocka_unit_test(rights_play_counter_saturates),
      cmocka_unit_test(rights_begin_date_in_future_is_not_enabled),
      cmocka_unit_test(rights_expiration_reached_is_expired),
      cmocka_unit_test(rights_begin_and_expiration_window),
      cmocka_unit_test(rights_expire_after_first_use_counts_hours),
      cmocka_unit_test(rights_expire_after_first_use_starts_at_first_play),
      cmocka_unit_test(rights_expire_after_first_use_large_hours),
      cmocka_unit_test(rights_first_use_recorded_on_first_play_only),
      cmocka_unit_test(rights_min_app_security_above_ours_is_low),
      cmocka_unit_test(rights_rollback_with_delete_flag_deletes),
      cmocka_unit_test(rights_rollback_with_disable_flag_disables),
      cmocka_unit_test(rights_rollback_without_flag_plays),
      cmocka_unit_test(rights_rollback_ignored_without_expiration),
      cmocka_unit_test(rights_small_rollback_within_300s_ignored),
      cmocka_unit_test(rights_no_clock_high_means_no_rollback_check),
      cmocka_unit_test(rights_rollback_checked_before_expiry_and_count),
      cmocka_unit_test(rights_every_refusal_leaves_state_untouched),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
