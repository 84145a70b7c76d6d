/* store_query.c - reading and changing stored licenses: list (streamed,
 * flat memory), delete, and use (rights enforced, state recorded in the
 * same transaction that checked it). */
#include <stdlib.h>
#include <string.h>

#include "core/encoding.h"
#include "core/timeutil.h"
#include "license/license.h"
#include "store/store.h"

static lv_status row_info(sqlite3_stmt *st, int col, lv_license_info *info) {
  lv__license l;
  const void *body = sqlite3_column_blob(st, col);
  lv_status rc = lv__license_decode(&l, body, (size_t)sqlite3_column_bytes(st, col));
  if (rc < 0) return LV_E_STORE_CORRUPT;
  lv__license_info(info, &l);
  info->plays_used = (uint32_t)sqlite3_column_int64(st, col + 1);
  info->first_use = sqlite3_column_int64(st, col + 2);
  return LV_OK;
}

lv_status lv_store_list(lv_store *s, const char *kid, lv_license_cb cb, void *ctx) {
  sqlite3_stmt *st;
  lv_license_info info;
  if (!s || !cb || (kid && lv_kid_check(kid) < 0)) return LV_E_INVALID_ARG;
  int src = sqlite3_prepare_v2(
      s->db,
      kid ? "SELECT body, plays_used, first_use FROM licenses WHERE kid=? ORDER BY id"
          : "SELECT body, plays_used, first_use FROM licenses ORDER BY id",
      -1, &st, NULL);
  if (src != SQLITE_OK) return lv__sqlite_status(src);
  if (kid) lv__bind_kid(st, 1, kid);
  lv_status rc = LV_OK;
  uint64_t n = 0;
  while (rc == LV_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
    n++;
    if ((rc = row_info(st, 0, &info)) == LV_OK && cb(&info, ctx)) break;
  }
  if (rc == LV_OK && src != SQLITE_ROW && src != SQLITE_DONE) rc = lv__sqlite_status(src);
  sqlite3_finalize(st);
  if (rc == LV_OK && kid && n == 0) rc = LV_E_NOT_FOUND;
  return rc;
}

lv_status lv_store_delete(lv_store *s, const char *kid, unsigned *deleted) {
  sqlite3_stmt *st;
  if (!s || !kid || lv_kid_check(kid) < 0) return LV_E_INVALID_ARG;
  int src = sqlite3_prepare_v2(s->db, "DELETE FROM licenses WHERE kid=?", -1, &st, NULL);
  if (src != SQLITE_OK) return lv__sqlite_status(src);
  lv__bind_kid(st, 1, kid);
  src = sqlite3_step(st);
  sqlite3_finalize(st);
  if (src != SQLITE_DONE) return lv__sqlite_status(src);
  unsigned n = (unsigned)sqlite3_changes(s->db);
  if (deleted) *deleted = n;
  return n ? LV_OK : LV_E_NOT_FOUND;
}

typedef struct use_ctx {
  lv_store *s;
  int64_t now, clock_high;
  lv_use_result *res;
  bool deleted_any;
} use_ctx;

/* Runs sql with ?1 = id and, when the statement has them, ?2 = a, ?3 = b. */
static lv_status exec_id(sqlite3 *db, const char *sql, int64_t id, int64_t a, int64_t b) {
  sqlite3_stmt *st;
  int src = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
  if (src != SQLITE_OK) return lv__sqlite_status(src);
  sqlite3_bind_int64(st, 1, id);
  if (sqlite3_bind_parameter_count(st) >= 3) {
    sqlite3_bind_int64(st, 2, a);
    sqlite3_bind_int64(st, 3, b);
  }
  src = sqlite3_step(st);
  sqlite3_finalize(st);
  return src == SQLITE_DONE ? LV_OK : lv__sqlite_status(src);
}

/* Tries one license row; LV_OK means it was used and its state updated. */
static lv_status try_row(use_ctx *u, sqlite3_stmt *st) {
  lv__license l;
  uint8_t ckey[LV__CKEY];
  bool del;
  int64_t id = sqlite3_column_int64(st, 0);
  uint32_t plays = (uint32_t)sqlite3_column_int64(st, 3);
  int64_t first = sqlite3_column_int64(st, 4);
  if (lv__license_decode(&l, sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1)) < 0)
    return LV_E_STORE_CORRUPT;
  lv_status rc = lv__rights_use(&l.rights, &plays, &first, u->now, u->clock_high, &del);
  if (del) {
    u->deleted_any = true;
    lv_status d = exec_id(u->s->db, "DELETE FROM licenses WHERE id=?1", id, 0, 0);
    return d < 0 ? d : rc;
  }
  if (rc < 0) return rc;
  /* the content key must open: a play with an unusable key is no play */
  rc = lv__store_open_ckey(u->s, ckey, sqlite3_column_blob(st, 2),
                           (size_t)sqlite3_column_bytes(st, 2), l.lid);
  lv__memzero(ckey, sizeof ckey);
  if (rc < 0) return LV_E_STORE_CORRUPT;
  rc = exec_id(u->s->db, "UPDATE licenses SET plays_used=?2, first_use=?3 WHERE id=?1",
               id, plays, first);
  if (rc == LV_OK && u->res) {
    lv__hex_encode(u->res->lid, l.lid, LV_LID_LEN);
    u->res->plays_used = plays;
    u->res->plays_left = l.rights.playcount ? l.rights.playcount - plays : UINT32_MAX;
  }
  return rc;
}

static lv_status use_in_tx(use_ctx *u, const char *kid) {
  sqlite3_stmt *st;
  lv_status rc = lv__meta_get_int(u->s->db, "clock_high", &u->clock_high);
  if (rc == LV_E_NOT_FOUND) u->clock_high = 0, rc = LV_OK;
  if (rc < 0) return rc;
  int src = sqlite3_prepare_v2(u->s->db,
                               "SELECT id, body, ckey, plays_used, first_use FROM licenses"
                               " WHERE kid=? ORDER BY id",
                               -1, &st, NULL);
  if (src != SQLITE_OK) return lv__sqlite_status(src);
  lv__bind_kid(st, 1, kid);
  lv_status first_err = LV_E_NOT_FOUND;
  rc = LV_E_NOT_FOUND;
  while ((src = sqlite3_step(st)) == SQLITE_ROW) {
    rc = try_row(u, st);
    if (rc == LV_OK) break;
    if (rc == LV_E_STORE_CORRUPT || rc == LV_E_IO || rc == LV_E_NOSPACE) break;
    if (first_err == LV_E_NOT_FOUND) first_err = rc;
  }
  sqlite3_finalize(st);
  if (src != SQLITE_ROW && src != SQLITE_DONE) return lv__sqlite_status(src);
  if (rc != LV_OK && rc != LV_E_STORE_CORRUPT && rc != LV_E_IO && rc != LV_E_NOSPACE)
    rc = first_err;
  /* the clock only moves forward in the store's memory */
  if (u->now > u->clock_high) {
    lv_status c = lv__meta_put_int(u->s->db, "clock_high", u->now);
    if (c < 0) return c;
  }
  return rc;
}

lv_status lv_store_use(lv_store *s, const char *kid, lv_use_result *res) {
  use_ctx u = {s, lv__time_now(), 0, res, false};
  if (!s || !kid || lv_kid_check(kid) < 0) return LV_E_INVALID_ARG;
  if (res) memset(res, 0, sizeof *res);
  lv_status rc = lv__db_begin(s->db);
  if (rc < 0) return rc;
  rc = use_in_tx(&u, kid);
  /* a refused play still commits: a deletion by the rollback rule and the
   * clock's high-water mark must stick */
  bool keep = rc == LV_OK || rc == LV_E_CLOCK_ROLLBACK || rc == LV_E_EXPIRED ||
              rc == LV_E_NO_RIGHTS || rc == LV_E_NOT_ENABLED || rc == LV_E_APPSEC_LOW ||
              rc == LV_E_NOT_FOUND;
  if (keep) {
    lv_status c = lv__db_commit(s->db);
    if (c < 0) rc = c;
  }
  if (!keep || rc < 0) lv__db_rollback(s->db);
  if (res) res->deleted = u.deleted_any;
  return rc;
}
