/* store_import.c - importing a license file: all or nothing, in one
 * transaction, with the per-license signature checks spread over the cores
 * while the previous batch is inserted (verification is the floor: one
 * Ed25519 verify per license). Memory is three batches, whatever the count. */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/encoding.h"
#include "core/parallel.h"
#include "core/timeutil.h"
#include "license/license.h"
#include "store/store.h"

#define BATCH 2048
#define MAX_ISSUERS 8
#ifndef IMPORT_CACHE_KIB
#define IMPORT_CACHE_KIB 65536
#endif /* cache of trusted issuers seen in this file */

typedef struct slot {
  lv__license lic;
  size_t len;
  lv_status rc;
  uint8_t pk[LV__SIGN_PK];
  uint8_t file_key[LV__KEY]; /* copied per slot: sessions may change mid-batch */
  uint8_t sealed[LV__CKEY + LV__AEAD_OVERHEAD];
  uint8_t rec[LV__LIC_MAX];
} slot;

typedef struct batch {
  slot *s;
  size_t n;
  uint64_t first; /* 1-based index of s[0] in the file */
} batch;

typedef struct imp {
  lv_store *st;
  lv__licfile_reader *rd;
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
} imp;

/* Worker: signature, content key unwrap, reseal under the store key. */
static void verify_one(void *ctx, size_t i) {
  imp *m = ((void **)ctx)[0];
  batch *b = ((void **)ctx)[1];
  slot *sl = &b->s[i];
  /* m is shared: only its immutable fields (the store) are read here */
  uint8_t ckey[LV__CKEY];
  sl->rc = lv__license_verify(sl->rec, sl->len, sl->pk);
  if (sl->rc == LV_OK) sl->rc = lv__license_unwrap(ckey, &sl->lic, sl->file_key);
  if (sl->rc == LV_OK) sl->rc = lv__store_seal_ckey(m->st, sl->sealed, ckey, sl->lic.lid);
  lv__memzero(ckey, sizeof ckey);
}

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
static lv_status admit(imp *m, slot *sl) {
  lv_status rc = lv__license_decode(&sl->lic, sl->rec, sl->len);
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
  memcpy(sl->file_key, m->file_key, LV__KEY);
  return LV_OK;
}

static void fail_at(imp *m, uint64_t idx, const slot *sl) {
  if (!m->res) return;
  m->res->failed_at = idx;
  if (sl) lv__b64_encode(m->res->failed_kid, sl->lic.kid, LV_KID_LEN);
}

/* Reads and admits up to BATCH records. */
static lv_status fill_batch(imp *m, batch *b, uint64_t *next, bool *eof) {
  b->n = 0;
  b->first = *next;
  while (b->n < BATCH) {
    const uint8_t *rec;
    size_t len;
    lv_status rc = lv__licfile_next(m->rd, &rec, &len);
    if (rc < 0) {
      fail_at(m, lv__licfile_in_trailer(m->rd) ? 0 : *next, NULL);
      return rc;
    }
    if (!rec) {
      *eof = true;
      return LV_OK;
    }
    slot *sl = &b->s[b->n];
    memcpy(sl->rec, rec, len);
    sl->len = len;
    if ((rc = admit(m, sl)) < 0) {
      fail_at(m, *next, rc == LV_E_LICENSE_CORRUPT || rc == LV_E_LICENSE_VERSION ? NULL : sl);
      return rc;
    }
    b->n++;
    (*next)++;
  }
  return LV_OK;
}

static lv_status insert_batch(imp *m, batch *b) {
  for (size_t i = 0; i < b->n; i++) {
    slot *sl = &b->s[i];
    if (sl->rc < 0) {
      fail_at(m, b->first + i, sl);
      return sl->rc;
    }
    sqlite3_stmt *st = m->ins;
    sqlite3_bind_blob(st, 1, sl->lic.lid, LV_LID_LEN, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, sl->lic.kid, LV_KID_LEN, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, sl->rec, (int)sl->len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 4, sl->sealed, sizeof sl->sealed, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, m->now);
    int src = sqlite3_step(st);
    sqlite3_reset(st);
    if (src != SQLITE_DONE) return lv__sqlite_status(src);
    if (m->res) {
      if (sqlite3_changes(m->st->db)) m->res->imported++;
      else m->res->present++;
    }
  }
  return LV_OK;
}

/* The file went bad while reading rd: report the first bad license in file
 * order (ver's, then rd's admitted ones) before the file-level error. */
static lv_status first_error(imp *m, batch *ver, batch *rd, lv_status read_rc) {
  lv__par par;
  void *ctx[2] = {m, rd};
  lv_import_result keep = m->res ? *m->res : (lv_import_result){0};
  lv__par_start(&par, lv__par_threads(), rd->n, verify_one, ctx);
  lv__par_join(&par);
  lv_status rc = insert_batch(m, ver);
  if (rc == LV_OK) rc = insert_batch(m, rd);
  if (rc < 0) return rc;
  if (m->res) *m->res = keep;
  return read_rc;
}

/* Three batches rotate: while the cores verify one, this thread inserts the
 * one verified before it and reads the next, so no core waits on the file
 * or on SQLite. */
static lv_status run(imp *m, batch bufs[3], lv_progress_cb progress, void *pctx) {
  lv__par par;
  unsigned nth = lv__par_threads();
  uint64_t next = 1, done = 0;
  bool eof = false;
  batch *ver = &bufs[0], *ins = &bufs[1], *rd = &bufs[2];
  void *ctx[2] = {m, NULL};
  ins->n = rd->n = 0;
  lv_status rc = fill_batch(m, ver, &next, &eof);
  if (rc < 0) return first_error(m, ins, ver, rc);
  while (ver->n) {
    ctx[1] = ver;
    lv__par_start(&par, nth, ver->n, verify_one, ctx);
    lv_status ins_rc = insert_batch(m, ins);
    lv_status rd_rc = LV_OK;
    rd->n = 0;
    if (ins_rc == LV_OK && !eof) rd_rc = fill_batch(m, rd, &next, &eof);
    lv__par_join(&par);
    if (ins_rc < 0) return ins_rc;
    if (rd_rc < 0) return first_error(m, ver, rd, rd_rc);
    done += ins->n;
    if (progress && done && progress(done, pctx)) return LV_E_CANCELED;
    batch *t = ins;
    ins = ver;
    ver = rd;
    rd = t;
  }
  if ((rc = insert_batch(m, ins)) == LV_OK && progress) progress(done + ins->n, pctx);
  return rc;
}

lv_status lv_store_import(lv_store *s, const char *path, lv_import_result *res,
                          lv_progress_cb progress, void *pctx) {
  imp m;
  batch bufs[3] = {{0}, {0}, {0}};
  lv_status rc;
  bool bulk = false;
  uint64_t dups = 0;
  if (!s || !path) return LV_E_INVALID_ARG;
  memset(&m, 0, sizeof m);
  m.st = s;
  m.now = lv__time_now();
  if (res) memset(res, 0, sizeof *res);
  m.res = res;
  for (int i = 0; i < 3; i++) bufs[i].s = lv__calloc(BATCH, sizeof(slot));
  rc = bufs[0].s && bufs[1].s && bufs[2].s ? LV_OK : LV_E_NOMEM;
  if (rc == LV_OK) rc = lv__licfile_open(&m.rd, path);
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
  if (rc == LV_OK) rc = run(&m, bufs, progress, pctx);
  sqlite3_finalize(m.ins);
  if (rc == LV_OK && bulk && (rc = lv__db_bulk_end(s->db, &dups)) == LV_OK && res) {
    res->imported -= dups; /* the file named them twice: the second is "present" */
    res->present += dups;
  }
  if (rc == LV_OK) rc = lv__db_commit(s->db);
  if (rc < 0) {
    lv__db_rollback(s->db);
    if (res) res->imported = res->present = 0;
  }
  lv__db_cache_kib(s->db, LV__DB_CACHE_DEFAULT_KIB);
  lv__licfile_close(m.rd);
  lv__memzero(m.file_key, sizeof m.file_key);
  for (int i = 0; i < 3; i++) {
    if (bufs[i].s) lv__memzero(bufs[i].s, BATCH * sizeof(slot));
    free(bufs[i].s);
  }
  return rc;
}
