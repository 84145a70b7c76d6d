/* job_restore.c - the restore operation: individualize when asked, ask the
 * License Management Service for the set's stream key, then stream the set
 * in batches: verify each license's issuer signature on every core, ask the
 * service to approve the batch, unlock what it granted. Everything granted
 * goes into the store in one transaction at the end: all or none. */
#include <stdlib.h>
#include <string.h>

#include "backup/backup.h"
#include "client/client.h"
#include "core/alloc.h"
#include "core/encoding.h"
#include "core/parallel.h"
#include "core/timeutil.h"
#include "restorer/restorer.h"
#include "store/store.h"

#define BATCH LV__ITEMS_MAX

typedef struct slot {
  uint8_t rec[LV__LIC_MAX];
  size_t len;
  lv__license lic;
  uint32_t plays;
  int64_t first_use;
  uint8_t locked[32];
  const uint8_t *issuer_pk;
  lv_status rc;
  bool present; /* already in the store: not asked for */
} slot;

typedef struct rjob {
  lv__job *j;
  lv__manifest *m;
  lv_store *st;
  lv__client *cl;
  uint8_t akey[LV__KEY]; /* protects what the service hands us */
  slot *s;     /* two halves of 2 x BATCH: one asked, one read ahead */
  lv__item *items;
  sqlite3_stmt *ins;
  uint64_t seen, granted, refused, present;
  char limit_url[1024];
} rjob;

static void emit(rjob *r, lv_event ev) { lv__job_emit(r->j, &ev); }

static void verify_one(void *ctx, size_t i) {
  slot *sl = &((slot *)ctx)[i];
  sl->rc = sl->issuer_pk ? lv__license_verify(sl->rec, sl->len, sl->issuer_pk) : LV_E_UNTRUSTED_ISSUER;
}

static const uint8_t *issuer_pk(const lv__manifest *m, const uint8_t id[LV__KEYID]) {
  for (unsigned i = 0; i < m->nissuers; i++)
    if (!memcmp(m->issuers[i].id, id, LV__KEYID)) return m->issuers[i].pk;
  return NULL;
}

static void head(rjob *r, lv__req_head *h) {
  lv__random(h->rid, LV__RID);
  h->time = lv__time_now();
  memcpy(h->who.machine_id, r->st->machine_id, LV__MACHINE_ID);
  memcpy(h->who.sign_pk, r->st->sign_pk, LV__SIGN_PK);
  memcpy(h->who.box_pk, r->st->box_pk, LV__BOX_PK);
}

/* The set's stream key, from the service. */
static lv_status open_set(rjob *r, uint8_t key[LV__KEY]) {
  lv__open_req q;
  lv__open_resp a;
  lv__buf body, ans;
  uint8_t hash[LV__HASH];
  memset(&q, 0, sizeof q);
  head(r, &q.h);
  memcpy(q.sealed_secret, r->m->sealed_secret, LV__SEALED_SECRET);
  memcpy(q.source_machine, r->m->machine_id, LV__MACHINE_ID);
  q.generation = r->m->generation;
  q.licenses = r->m->licenses;
  memcpy(q.service_id, r->m->service_id, LV__KEYID);
  lv__buf_init(&body, LV__BODY_MAX);
  lv__buf_init(&ans, LV__BODY_MAX);
  lv_status rc = lv__open_req_format(&body, &q);
  if (rc == LV_OK) rc = lv__client_post(r->cl, LV__PATH_OPEN, &body, &ans, NULL);
  if (rc == LV_OK && lv__open_resp_parse(&a, ans.data, ans.len) < 0) rc = LV_E_BAD_NET_RESP;
  if (rc == LV_OK) {
    lv__proto_hash(hash, body.data, body.len);
    if (memcmp(hash, a.req_hash, LV__HASH) ||
        lv__aead_open(key, a.stream_key, LV__SEALED_KEY, hash, LV__HASH, r->akey) < 0)
      rc = LV_E_BAD_NET_RESP;
  }
  lv__buf_free(&body);
  lv__buf_free(&ans);
  return rc;
}

/* Reads up to BATCH entries into sl (signatures are checked apart). */
static lv_status read_batch(rjob *r, lv__set_reader *rd, slot *slots, size_t *n, bool *end) {
  lv__entry e;
  *n = 0;
  while (*n < BATCH && !*end) {
    if (lv__set_reader_next(rd, &e) < 0) return LV_E_BACKUP_CORRUPT;
    if (!e.rec) {
      *end = true;
      break;
    }
    slot *sl = &slots[(*n)++];
    memcpy(sl->rec, e.rec, e.len);
    sl->len = e.len;
    sl->plays = e.plays_used;
    sl->first_use = e.first_use;
    memcpy(sl->locked, e.locked, 32);
    if (lv__license_decode(&sl->lic, sl->rec, sl->len) < 0) return LV_E_BACKUP_CORRUPT;
    sl->issuer_pk = issuer_pk(r->m, sl->lic.issuer_id);
    sl->present = !(r->j->flags & LV_RESTORE_DRY_RUN) && lv__store_has_lid(r->st, sl->lic.lid);
  }
  return LV_OK;
}

static lv_status verified(const slot *slots, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (slots[i].rc < 0) return LV_E_BACKUP_CORRUPT; /* a license its issuer did not sign */
  return LV_OK;
}

static void license_event(rjob *r, const slot *sl, int outcome, uint32_t left) {
  char kid[LV_KID_STRLEN];
  lv__b64_encode(kid, sl->lic.kid, LV_KID_LEN);
  emit(r, (lv_event){.type = LV_EV_LICENSE, .kid = kid,
                     .title = sl->lic.title_len ? sl->lic.title : NULL, .outcome = outcome,
                     .left = left});
  if (outcome == LV_OUTCOME_LIMIT || outcome == LV_OUTCOME_REVOKED)
    emit(r, (lv_event){.type = LV_EV_RESTRICTED, .kid = kid,
                       .title = sl->lic.title_len ? sl->lic.title : NULL,
                       .status = LV_E_RESTORE_FRAUD});
}

/* What the service granted: content key = locked XOR pad, into the store. */
static lv_status take(rjob *r, slot **asked, const lv__restore_resp *a, const uint8_t *pads) {
  size_t g = 0;
  for (size_t i = 0; i < a->n; i++) {
    slot *sl = asked[i];
    lv__outcome o = a->items[i].outcome;
    license_event(r, sl, (int)o, a->items[i].left);
    if (o == LV__OUT_LIMIT || o == LV__OUT_REVOKED) {
      r->refused++;
      continue;
    }
    r->granted++;
    if (r->j->flags & LV_RESTORE_DRY_RUN) continue;
    uint8_t ckey[32];
    for (int k = 0; k < 32; k++) ckey[k] = sl->locked[k] ^ pads[32 * g + (size_t)k];
    g++;
    lv_status rc = lv__store_put_restored(r->st, &r->ins, sl->rec, sl->len, sl->lic.lid,
                                          sl->lic.kid, ckey, sl->plays, sl->first_use, NULL);
    lv__memzero(ckey, sizeof ckey);
    if (rc < 0) return rc;
  }
  return LV_OK;
}

/* Asks the service about the licenses in slots; *a gets its answer and
 * asked[] the slots asked about, in order (those already here are not). */
static lv_status ask(rjob *r, slot *slots, size_t n, lv__restore_resp *a, slot **asked,
                     uint8_t **pads_out) {
  lv__restore_req q;
  lv__buf body, ans;
  uint8_t hash[LV__HASH];
  memset(&q, 0, sizeof q);
  memset(a, 0, sizeof *a);
  *pads_out = NULL;
  head(r, &q.h);
  q.dry_run = r->j->flags & LV_RESTORE_DRY_RUN;
  memcpy(q.sealed_secret, r->m->sealed_secret, LV__SEALED_SECRET);
  q.items = r->items;
  for (size_t i = 0; i < n; i++) {
    slot *sl = &slots[i];
    if (sl->present) { /* nothing to ask: it is here already, as it is */
      r->present++;
      license_event(r, sl, LV_OUTCOME_PRESENT, 0);
      continue;
    }
    lv__item *it = &q.items[q.n];
    lv__lic_ref_of(&it->ref, &sl->lic);
    memcpy(it->title, sl->lic.title, sl->lic.title_len + 1);
    asked[q.n++] = sl;
  }
  if (!q.n) return LV_OK;
  lv__buf_init(&body, LV__BODY_MAX);
  lv__buf_init(&ans, LV__BODY_MAX);
  uint8_t *pads = NULL;
  lv_status rc = lv__restore_req_format(&body, &q);
  if (rc == LV_OK) rc = lv__client_post(r->cl, LV__PATH_RESTORE, &body, &ans, NULL);
  if (rc == LV_OK && lv__restore_resp_parse(a, ans.data, ans.len) < 0) rc = LV_E_BAD_NET_RESP;
  if (rc == LV_OK) {
    lv__proto_hash(hash, body.data, body.len);
    if (memcmp(hash, a->req_hash, LV__HASH) || a->n != q.n) rc = LV_E_BAD_NET_RESP;
    for (size_t i = 0; rc == LV_OK && i < a->n; i++)
      if (memcmp(a->items[i].lid, q.items[i].ref.lid, LV_LID_LEN)) rc = LV_E_BAD_NET_RESP;
  }
  if (rc == LV_OK && a->pads_len) {
    if (!(pads = lv__malloc(a->pads_len))) rc = LV_E_NOMEM;
    else if (lv__aead_open(pads, a->pads, a->pads_len, hash, LV__HASH, r->akey) < 0)
      rc = LV_E_BAD_NET_RESP;
  } else if (rc == LV_OK && !q.dry_run) {
    for (size_t i = 0; i < a->n; i++)
      if (a->items[i].outcome <= LV__OUT_ALREADY) rc = LV_E_BAD_NET_RESP; /* granted, no pad */
  }
  if (rc == LV_OK && a->limit_url[0] && !r->limit_url[0])
    memcpy(r->limit_url, a->limit_url, sizeof r->limit_url);
  *pads_out = pads;
  lv__buf_free(&body);
  lv__buf_free(&ans);
  return rc;
}

/* A computer without an identity gets one, trusting the set's issuers and
 * pinning the set's service. */
static lv_status individualize(rjob *r) {
  lv_status rc = lv_store_create(&r->j->store, r->j->store_dir, r->j->machine, NULL);
  if (rc < 0) return rc;
  r->st = r->j->store;
  if ((rc = lv__db_begin(r->st->db)) < 0) return rc;
  rc = lv__store_service_raw(r->st, r->m->service_url, r->m->service_id, r->m->service_sign_pk,
                             r->m->service_box_pk);
  for (unsigned i = 0; rc == LV_OK && i < r->m->nissuers; i++)
    rc = lv__store_trust_raw(r->st, r->m->issuers[i].id, r->m->issuers[i].pk);
  if (rc == LV_OK) rc = lv__db_commit(r->st->db);
  if (rc < 0) lv__db_rollback(r->st->db);
  return rc;
}

/* Three things overlap: the service decides on batch k while the cores
 * check its signatures; then batch k+1 is read and its check starts while
 * this thread puts batch k into the store. */
static lv_status stream(rjob *r, const uint8_t key[LV__KEY]) {
  lv__set_reader *rd;
  lv__par par;
  bool end = false;
  slot *cur = r->s, *next = r->s + BATCH;
  size_t n = 0, nn = 0;
  lv_status rc = lv__set_reader_open(&rd, r->j->path, r->m, key);
  if (rc < 0) return LV_E_BACKUP_CORRUPT;
  rc = read_batch(r, rd, cur, &n, &end);
  if (rc == LV_OK) lv__par_start(&par, lv__par_threads(), n, verify_one, cur);
  while (rc == LV_OK && n) {
    lv__restore_resp a;
    slot *asked[BATCH];
    uint8_t *pads = NULL;
    rc = ask(r, cur, n, &a, asked, &pads);
    lv__par_join(&par);
    if (rc == LV_OK) rc = verified(cur, n);
    nn = 0;
    if (rc == LV_OK && !end) rc = read_batch(r, rd, next, &nn, &end);
    if (rc == LV_OK) lv__par_start(&par, lv__par_threads(), nn, verify_one, next);
    if (rc == LV_OK && a.n) rc = take(r, asked, &a, pads);
    if (pads) lv__memzero(pads, a.pads_len);
    free(pads);
    lv__restore_resp_free(&a);
    if (rc < 0) { /* the started check must end before its slots go */
      if (nn) lv__par_join(&par);
      break;
    }
    r->seen += n;
    lv__job_progress(r->j, r->seen, r->m->licenses);
    if (atomic_load(&r->j->r->cancel)) {
      lv__par_join(&par);
      rc = LV_E_CANCELED;
      break;
    }
    slot *t = cur;
    cur = next;
    next = t;
    n = nn;
  }
  if (rc == LV_OK) lv__par_join(&par); /* the empty last start */
  lv__set_reader_close(rd);
  return rc;
}

static lv_status run(rjob *r) {
  uint8_t key[LV__KEY];
  lv_status rc = LV_OK;
  bool dry = r->j->flags & LV_RESTORE_DRY_RUN;
  if (!r->st && (rc = individualize(r)) < 0) return rc;
  const char *url = r->j->service_url ? r->j->service_url : r->m->service_url;
  rc = lv__client_new(&r->cl, url, r->m->service_sign_pk, r->st->sec->sign_sk, &r->j->r->cancel);
  if (rc == LV_OK)
    rc = lv__answer_key(r->akey, r->st->sec->box_sk, r->m->service_box_pk, r->m->service_box_pk,
                        r->st->box_pk);
  if (rc < 0) return rc;
  emit(r, (lv_event){.type = LV_EV_CONNECTING});
  rc = open_set(r, key);
  /* the set's issuers are trusted for what it brings, in the same
   * transaction as the licenses */
  if (rc == LV_OK && !dry && (rc = lv__db_begin(r->st->db)) == LV_OK)
    for (unsigned i = 0; rc == LV_OK && i < r->m->nissuers; i++)
      rc = lv__store_trust_raw(r->st, r->m->issuers[i].id, r->m->issuers[i].pk);
  if (rc == LV_OK) rc = stream(r, key);
  lv__memzero(key, sizeof key);
  emit(r, (lv_event){.type = LV_EV_DISCONNECTING});
  sqlite3_finalize(r->ins);
  r->ins = NULL;
  if (rc == LV_OK && !dry) rc = lv__db_commit(r->st->db);
  if (rc < 0 && !dry) lv__db_rollback(r->st->db); /* the store is as before */
  if (rc == LV_OK && r->limit_url[0])
    emit(r, (lv_event){.type = LV_EV_ERROR_WITHURL, .url = r->limit_url,
                       .status = LV_E_RESTORE_FRAUD});
  if (rc < 0 || dry) return rc;
  if (r->refused && !r->granted && !r->present) return LV_E_RESTORE_FRAUD;
  return r->refused ? LV_S_PARTIAL : LV_OK;
}

lv_status lv__job_restore(lv__job *j, uint64_t *done, uint64_t *restricted) {
  rjob r;
  memset(&r, 0, sizeof r);
  r.j = j;
  r.m = j->man;
  r.st = j->store;
  r.s = lv__calloc(2 * BATCH, sizeof *r.s);
  r.items = lv__calloc(BATCH, sizeof *r.items);
  lv_status rc = r.s && r.items ? run(&r) : LV_E_NOMEM;
  lv__client_free(r.cl);
  lv__memzero(r.akey, sizeof r.akey);
  if (r.s) lv__memzero(r.s, 2 * BATCH * sizeof *r.s);
  free(r.s);
  free(r.items);
  *done = rc >= 0 ? r.granted + r.present : 0;
  *restricted = r.refused;
  return rc;
}
