/* store_restore.c - what a restore needs from the store: an identity made
 * from a backup set alone (its service, its issuers), and putting restored
 * licenses in with their state, inside the caller's transaction. */
#include <stdlib.h>
#include <string.h>

#include "core/encoding.h"
#include "core/timeutil.h"
#include "store/store.h"

lv_status lv__store_trust_raw(lv_store *s, const uint8_t id[LV__KEYID], const uint8_t pk[LV__SIGN_PK]) {
  char hid[LV_KEYID_STRLEN];
  sqlite3_stmt *st;
  lv__hex_encode(hid, id, LV__KEYID);
  int src = sqlite3_prepare_v2(s->db, "INSERT OR IGNORE INTO issuers(id, sign_pk, added_at) VALUES(?,?,?)",
                               -1, &st, NULL);
  if (src != SQLITE_OK) return lv__sqlite_status(src);
  sqlite3_bind_text(st, 1, hid, -1, SQLITE_STATIC);
  sqlite3_bind_blob(st, 2, pk, LV__SIGN_PK, SQLITE_STATIC);
  sqlite3_bind_int64(st, 3, lv__time_now());
  src = sqlite3_step(st);
  sqlite3_finalize(st);
  return lv__sqlite_status(src);
}

lv_status lv__store_service_raw(lv_store *s, const char *url, const uint8_t id[LV__KEYID],
                                const uint8_t sign_pk[LV__SIGN_PK], const uint8_t box_pk[LV__BOX_PK]) {
  lv_status rc = lv__meta_put(s->db, "service_url", url, strlen(url));
  if (rc == LV_OK) rc = lv__meta_put(s->db, "service_id", id, LV__KEYID);
  if (rc == LV_OK) rc = lv__meta_put(s->db, "service_sign_pk", sign_pk, LV__SIGN_PK);
  if (rc == LV_OK) rc = lv__meta_put(s->db, "service_box_pk", box_pk, LV__BOX_PK);
  return rc;
}

bool lv__store_has_lid(lv_store *s, const uint8_t lid[LV_LID_LEN]) {
  if (!s->has_lid &&
      sqlite3_prepare_v3(s->db, "SELECT 1 FROM licenses WHERE lid = ?", -1,
                         SQLITE_PREPARE_PERSISTENT, &s->has_lid, NULL) != SQLITE_OK)
    return false;
  sqlite3_stmt *st = s->has_lid;
  sqlite3_bind_blob(st, 1, lid, LV_LID_LEN, SQLITE_STATIC);
  bool has = sqlite3_step(st) == SQLITE_ROW;
  sqlite3_reset(st);
  return has;
}

lv_status lv__store_put_restored(lv_store *s, sqlite3_stmt **ins, const uint8_t *rec, size_t len,
                                 const uint8_t lid[LV_LID_LEN], const uint8_t kid[LV_KID_LEN],
                                 const uint8_t ckey[32], uint32_t plays, int64_t first_use,
                                 bool *added) {
  uint8_t sealed[32 + LV__AEAD_OVERHEAD];
  lv_status rc = lv__store_seal_ckey(s, sealed, ckey, lid);
  if (rc < 0) return rc;
  if (!*ins) {
    int src = sqlite3_prepare_v2(s->db,
                                 "INSERT OR IGNORE INTO licenses(lid, kid, body, ckey, imported_at,"
                                 " plays_used, first_use, restored) VALUES(?,?,?,?,?,?,?,1)",
                                 -1, ins, NULL);
    if (src != SQLITE_OK) return lv__sqlite_status(src);
  }
  sqlite3_stmt *st = *ins;
  sqlite3_bind_blob(st, 1, lid, LV_LID_LEN, SQLITE_STATIC);
  sqlite3_bind_blob(st, 2, kid, LV_KID_LEN, SQLITE_STATIC);
  sqlite3_bind_blob(st, 3, rec, (int)len, SQLITE_STATIC);
  sqlite3_bind_blob(st, 4, sealed, sizeof sealed, SQLITE_STATIC);
  sqlite3_bind_int64(st, 5, lv__time_now());
  sqlite3_bind_int64(st, 6, plays);
  sqlite3_bind_int64(st, 7, first_use);
  int src = sqlite3_step(st);
  sqlite3_reset(st);
  lv__memzero(sealed, sizeof sealed);
  if (src != SQLITE_DONE) return lv__sqlite_status(src);
  if (added) *added = sqlite3_changes(s->db) > 0;
  return LV_OK;
}
