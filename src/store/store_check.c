/* store_check.c - `licvault check`: SQLite's integrity check, then every
 * license re-verified as import would, one row at a time (flat memory). */
#include <string.h>

#include "core/encoding.h"
#include "license/license.h"
#include "store/store.h"

typedef struct chk {
  lv_store *s;
  lv_report_cb report;
  void *ctx;
  uint64_t problems;
} chk;

static void problem(chk *c, const char *what, const char *kid, lv_status why) {
  c->problems++;
  if (c->report) c->report(what, kid, why, c->ctx);
}

static lv_status sqlite_check(chk *c) {
  sqlite3_stmt *st;
  int src = sqlite3_prepare_v2(c->s->db, "PRAGMA integrity_check", -1, &st, NULL);
  if (src != SQLITE_OK) return lv__sqlite_status(src);
  while ((src = sqlite3_step(st)) == SQLITE_ROW) {
    const char *msg = (const char *)sqlite3_column_text(st, 0);
    if (msg && strcmp(msg, "ok")) problem(c, msg, NULL, LV_E_STORE_CORRUPT);
  }
  sqlite3_finalize(st);
  return src == SQLITE_DONE ? LV_OK : lv__sqlite_status(src);
}

/* The indexes that keep a license once and find it by KID: a bulk load
 * drops them inside its transaction, so a store must never lack them. */
static lv_status index_check(chk *c) {
  sqlite3_stmt *st;
  int src = sqlite3_prepare_v2(c->s->db,
                               "SELECT (SELECT count(*) FROM sqlite_master WHERE name IN"
                               " ('licenses_lid', 'sqlite_autoindex_licenses_1')),"
                               " (SELECT count(*) FROM sqlite_master WHERE name = 'licenses_kid')",
                               -1, &st, NULL);
  if (src != SQLITE_OK) return lv__sqlite_status(src);
  if ((src = sqlite3_step(st)) == SQLITE_ROW) {
    if (sqlite3_column_int(st, 0) != 1)
      problem(c, "the index that keeps each license once is missing", NULL, LV_E_STORE_CORRUPT);
    if (sqlite3_column_int(st, 1) != 1)
      problem(c, "the index of licenses by KID is missing", NULL, LV_E_STORE_CORRUPT);
  }
  sqlite3_finalize(st);
  return src == SQLITE_ROW ? LV_OK : lv__sqlite_status(src);
}

static void check_row(chk *c, sqlite3_stmt *st) {
  lv__license l;
  uint8_t pk[LV__SIGN_PK], ckey[LV__CKEY];
  char kid[LV_KID_STRLEN];
  const uint8_t *body = sqlite3_column_blob(st, 1);
  size_t n = (size_t)sqlite3_column_bytes(st, 1);
  char col_kid[LV_KID_STRLEN] = "";
  if (sqlite3_column_bytes(st, 2) == LV_KID_LEN)
    lv__b64_encode(col_kid, sqlite3_column_blob(st, 2), LV_KID_LEN);
  if (lv__license_decode(&l, body, n) < 0) {
    problem(c, "license record does not decode", col_kid[0] ? col_kid : NULL,
            LV_E_LICENSE_CORRUPT);
    return;
  }
  lv__b64_encode(kid, l.kid, LV_KID_LEN);
  if (strcmp(col_kid, kid))
    problem(c, "KID column disagrees with the license", kid, LV_E_STORE_CORRUPT);
  if (sqlite3_column_bytes(st, 0) != LV_LID_LEN ||
      memcmp(sqlite3_column_blob(st, 0), l.lid, LV_LID_LEN))
    problem(c, "LID column disagrees with the license", kid, LV_E_STORE_CORRUPT);
  if (!sqlite3_column_int(st, 6) && memcmp(l.machine_id, c->s->machine_id, LV__MACHINE_ID))
    problem(c, "license is for another computer", kid, LV_E_WRONG_MACHINE);
  lv_status rc = lv__store_issuer_pk(c->s, l.issuer_id, pk);
  if (rc < 0) problem(c, "issuer is not trusted", kid, rc);
  else if ((rc = lv__license_verify(body, n, pk)) < 0)
    problem(c, "issuer signature does not verify", kid, rc);
  rc = lv__store_open_ckey(c->s, ckey, sqlite3_column_blob(st, 3),
                           (size_t)sqlite3_column_bytes(st, 3), l.lid);
  lv__memzero(ckey, sizeof ckey);
  if (rc < 0) problem(c, "content key does not open", kid, rc);
  int64_t plays = sqlite3_column_int64(st, 4), first = sqlite3_column_int64(st, 5);
  if (plays < 0 || plays > UINT32_MAX || first < 0 || (plays > 0 && first == 0))
    problem(c, "play state is inconsistent", kid, LV_E_STORE_CORRUPT);
}

lv_status lv_store_check(lv_store *s, lv_report_cb report, void *ctx, uint64_t *problems) {
  chk c = {s, report, ctx, 0};
  sqlite3_stmt *st;
  if (!s) return LV_E_INVALID_ARG;
  lv_status rc = sqlite_check(&c);
  if (rc == LV_OK) rc = index_check(&c);
  if (rc < 0) return rc;
  int src = sqlite3_prepare_v2(s->db,
                               "SELECT lid, body, kid, ckey, plays_used, first_use, restored"
                               " FROM licenses ORDER BY id",
                               -1, &st, NULL);
  if (src != SQLITE_OK) return lv__sqlite_status(src);
  while ((src = sqlite3_step(st)) == SQLITE_ROW) check_row(&c, st);
  sqlite3_finalize(st);
  if (problems) *problems = c.problems;
  return src == SQLITE_DONE ? LV_OK : lv__sqlite_status(src);
}
