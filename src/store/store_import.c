/* store_import.c - importing a license file: all or nothing, in one
 * transaction. Verification is the floor (one Ed25519 verify per license),
 * so it runs behind this thread on every core (license/verifier.h) while
 * this thread decodes, re-encrypts and inserts the same licenses and, into
 * an empty store, builds the indexes: the commit waits for the last
 * signature, nothing else does. Memory is the verifier's ring and one
 * license, whatever the count. */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/encoding.h"
#include "core/parallel.h"
#include "core/timeutil.h"
#include "license/license.h"
#include "license/verifier.h"
#include "store/store.h"

#define PROGRESS_EVERY 2048
#define MAX_ISSUERS 8
#ifndef IMPORT_CACHE_KIB
#define IMPORT_CACHE_KIB 65536
#endif /* cache of trusted issuers seen in this file */

typedef struct slot {
  lv__license lic;
  uint8_t pk[LV__SIGN_PK];
  uint8_t sealed[LV__CKEY + LV__AEAD_OVERHEAD];
} slot;

typedef struct imp {
  lv_store *st;
  lv__licfile_reader *rd;
  lv__verifier *ver;
  sqlite3_stmt *ins;
  uint8_t eph_pk[LV__BOX_PK];
  uint8_t file_key[LV__KEY];
  bool have_key;
  struct {
    uint8_t id[LV__KEYID];
    uint8_t pk[LV__SIGN_PK];
  } iss[MAX_ISSUERS];
  unsigned niss;
  lv_import_result *res;
  int64_t now;
  uint64_t at; /* 1-based index of the license this thread stopped at */
} imp;

static lv_status issuer_pk(imp *m, const uint8_t id[LV__KEYID], uint8_t pk[LV__SIGN_PK]) {
  for (unsigned i = 0; i < m->niss; i++)
    if (!memcmp(m->iss[i].id, id, LV__KEYID)) {
      memcpy(pk, m->iss[i].pk, LV__SIGN_PK);
      return LV_OK;
    }
  lv_status rc = lv__store_issuer_pk(m->st, id, pk);
  if (rc == LV_OK && m->niss < MAX_ISSUERS) {
    memcpy(m->iss[m->niss].id, id, LV__KEYID);
    memcpy(m->iss[m->niss++].pk, pk, LV__SIGN_PK);
  }
  return rc;
}

/* Cheap checks in file order, so the first bad license is the one named. */
static lv_status admit(imp *m, slot *sl, const uint8_t *rec, size_t len) {
  lv_status rc = lv__license_decode(&sl->lic, rec, len);
  if (rc < 0) return rc;
  if (memcmp(sl->lic.machine_id, m->st->machine_id, LV__MACHINE_ID)) return LV_E_WRONG_MACHINE;
  if ((rc = issuer_pk(m, sl->lic.issuer_id, sl->pk)) < 0) return rc;
  if (!m->have_key || memcmp(m->eph_pk, sl->lic.eph_pk, LV__BOX_PK)) {
    /* one key agreement per issuing session, not per license */
    rc = lv__license_file_key(m->file_key, m->st->sec->box_sk, sl->lic.eph_pk,
                              sl->lic.eph_pk, m->st->box_pk);
    if (rc < 0) return rc;
    memcpy(m->eph_pk, sl->lic.eph_pk, LV__BOX_PK);
    m->have_key = true;
  }
  return LV_OK;
}

static void fail_at(imp *m, uint64_t idx, const lv__license *l) {
  if (!m->res) return;
  m->res->failed_at = idx;
  if (l) lv__b64_encode(m->res->failed_kid, l->kid, LV_KID_LEN);
  else m->res->failed_kid[0] = '\0';
}

/* The content key out of the file key, into the store key. */
static lv_status reseal(imp *m, slot *sl) {
  uint8_t ckey[LV__CKEY];
  lv_status rc = lv__license_unwrap(ckey, &sl->lic, m->file_key);
  if (rc == LV_OK) rc = lv__store_seal_ckey(m->st, sl->sealed, ckey, sl->lic.lid);
  lv__memzero(ckey, sizeof ckey);
  return rc;
}

static lv_status insert(imp *m, const slot *sl, const uint8_t *rec, size_t len) {
  sqlite3_stmt *st = m->ins;
  sqlite3_bind_blob(st, 1, sl->lic.lid, LV_LID_LEN, SQLITE_STATIC);
  sqlite3_bind_blob(st, 2, sl->lic.kid, LV_KID_LEN, SQLITE_STATIC);
  sqlite3_bind_blob(st, 3, rec, (int)len, SQLITE_STATIC);
  sqlite3_bind_blob(st, 4, sl->sealed, sizeof sl->sealed, SQLITE_STATIC);
  sqlite3_bind_int64(st, 5, m->now);
  int src = sqlite3_step(st);
  sqlite3_reset(st);
  if (src != SQLITE_DONE) return lv__sqlite_status(src);
  if (m->res) {
    if (sqlite3_changes(m->st->db)) m->res->imported++;
    else m->res->present++;
  }
  return LV_OK;
}

/* Every license in file order: cheap checks, queued for its signature,
 * re-encrypted and inserted. Stops at the first problem this thread sees
 * (m->at names the license) or once a queued signature has failed. */
static lv_status run(imp *m, slot *sl, lv_progress_cb progress, void *pctx) {
  for (m->at = 1;; m->at++) {
    const uint8_t *rec;
    size_t len;
    lv_status rc = lv__licfile_next(m->rd, &rec, &len);
    if (rc < 0) {
      fail_at(m, lv__licfile_in_trailer(m->rd) ? 0 : m->at, NULL);
      return rc;
    }
    if (!rec) return LV_OK;
    if ((rc = admit(m, sl, rec, len)) < 0) {
      fail_at(m, m->at, rc == LV_E_LICENSE_CORRUPT || rc == LV_E_LICENSE_VERSION ? NULL : &sl->lic);
      return rc;
    }
    if ((rc = lv__verifier_add(m->ver, m->at, rec, len, sl->pk)) < 0) return rc;
    if ((rc = reseal(m, sl)) < 0) {
      fail_at(m, m->at, &sl->lic);
      return rc;
    }
    if ((rc = insert(m, sl, rec, len)) < 0) return rc;
    /* done = verified, the slower half */
    if (progress && m->at % PROGRESS_EVERY == 0 && progress(lv__verifier_done(m->ver), pctx))
      return LV_E_CANCELED;
  }
}

/* The verdict once every queued signature is in: the first bad license in
 * file order, whether this thread or the verifier found it. */
static lv_status settle(imp *m, lv_status rc) {
  uint64_t bad = 0;
  uint8_t rec[LV__LIC_MAX];
  size_t len = 0;
  lv_status vrc = lv__verifier_finish(m->ver, &bad, rec, &len);
  m->ver = NULL;
  /* at the same license, the signature speaks first (it was queued before
   * its key was unwrapped) */
  if (vrc < 0 && (rc == LV_OK || bad <= m->at)) {
    lv__license l;
    bool named = lv__license_decode(&l, rec, len) == LV_OK;
    fail_at(m, bad, named ? &l : NULL);
    rc = vrc;
  }
  return rc;
}

lv_status lv_store_import(lv_store *s, const char *path, lv_import_result *res,
                          lv_progress_cb progress, void *pctx) {
  imp m;
  slot *sl = NULL;
  lv_status rc;
  bool bulk = false;
  uint64_t dups = 0;
  if (!s || !path) return LV_E_INVALID_ARG;
  memset(&m, 0, sizeof m);
  m.st = s;
  m.now = lv__time_now();
  if (res) memset(res, 0, sizeof *res);
  m.res = res;
  sl = lv__calloc(1, sizeof *sl);
  rc = sl ? LV_OK : LV_E_NOMEM;
  if (rc == LV_OK) rc = lv__licfile_open(&m.rd, path);
  if (rc == LV_OK) rc = lv__verifier_start(&m.ver, lv__par_threads(), LV__VERIFIER_RING_LOAD);
  /* a large import touches index pages at random: a bigger page cache for
   * its duration keeps SQLite from spilling and re-reading them (a cap, not
   * a size that grows with the file) */
  if (rc == LV_OK) rc = lv__db_cache_kib(s->db, IMPORT_CACHE_KIB);
  if (rc == LV_OK) rc = lv__db_begin(s->db);
  /* into an empty store: indexes built once at the end */
  if (rc == LV_OK) rc = lv__db_bulk_begin(s->db, &bulk);
  if (rc == LV_OK)
    rc = lv__sqlite_status(sqlite3_prepare_v2(
        s->db,
        "INSERT OR IGNORE INTO licenses(lid,kid,body,ckey,imported_at)"
        " VALUES(?,?,?,?,?)",
        -1, &m.ins, NULL));
  if (rc == LV_OK) rc = run(&m, sl, progress, pctx);
  sqlite3_finalize(m.ins);
  /* while the last signatures are checked on the other cores */
  if (rc == LV_OK && bulk && (rc = lv__db_bulk_end(s->db, &dups)) == LV_OK && res) {
    res->imported -= dups; /* the file named them twice: the second is "present" */
    res->present += dups;
  }
  if (rc == LV_E_CANCELED) lv__verifier_abort(m.ver); /* its verdict no longer matters */
  else if (m.ver) rc = settle(&m, rc);
  if (rc == LV_OK && progress) progress(m.at - 1, pctx);
  if (rc == LV_OK) rc = lv__db_commit(s->db);
  if (rc < 0) {
    lv__db_rollback(s->db);
    if (res) res->imported = res->present = 0;
  }
  lv__db_cache_kib(s->db, LV__DB_CACHE_DEFAULT_KIB);
  lv__licfile_close(m.rd);
  lv__memzero(m.file_key, sizeof m.file_key);
  if (sl) lv__memzero(sl, sizeof *sl);
  free(sl);
  return rc;
}
