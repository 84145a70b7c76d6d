/* job_restore.c - the restore operation: individualize when asked, ask the
 * License Management Service for the set's stream key, then stream the set
 * in batches: queue each license's issuer signature for the verifier's
 * threads, ask the service to approve the batch, unlock what it granted.
 * Everything granted goes into the store in one transaction, committed
 * only once every signature has verified: all or none. */
#include <stdlib.h>
#include <string.h>

#include "backup/backup.h"
#include "client/client.h"
#include "core/alloc.h"
#include "core/encoding.h"
#include "core/parallel.h"
#include "core/stage.h"
#include "core/timeutil.h"
#include "license/verifier.h"
#include "restorer/restorer.h"
#include "store/store.h"

#define BATCH LV__ITEMS_MAX
#define RESTORE_CACHE_KIB 32768
#define RING_LIVE ((size_t)2 << 20) /* onto a store with licenses */

typedef struct slot {
  uint8_t rec[LV__LIC_MAX];
  size_t len;
  lv__license lic;
  uint32_t plays;
  int64_t first_use;
  uint8_t locked[32];
  bool present; /* already in the store: not asked for */
} slot;

/* One batch on its way: its licenses, the request made of those not in the
 * store yet, and the service's answer (filled by an asker thread). */
typedef struct batch {
  slot *s;         /* BATCH slots */
  size_t n;        /* read */
  lv__item *items; /* the request's items (BATCH) */
  slot **asked;    /* items[i] is asked[i]'s license */
  size_t nasked;
  lv__restore_resp a;
  uint8_t *pads;   /* opened: 32 per granted license */
  lv_status rc;    /* of the ask */
  unsigned lane;   /* the asker (and HTTP connection) it went to */
} batch;

#define NBATCH 3 /* one read ahead, two asked at once */
#define NLANE 2

typedef struct rjob {
  lv__job *j;
  lv__manifest *m;
  lv_store *st;
  lv__client *cl;          /* open_set's, and lane 0's */
  lv__client *lane_cl[NLANE];
  lv__stage *lane[NLANE];  /* asker threads: two requests in flight */
  uint8_t akey[LV__KEY];   /* protects what the service hands us */
  batch b[NBATCH];
  sqlite3_stmt *ins;
  lv__verifier *ver; /* the issuers' signatures, checked behind this thread */
  uint64_t nread;    /* licenses read from the set (the verifier's index) */
  bool bulk; /* the store was empty: no lookups by lid, indexes built at the end */
  uint64_t seen, granted, refused, present;
  char limit_url[1024];
} rjob;

static void emit(rjob *r, lv_event ev) { lv__job_emit(r->j, &ev); }

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

/* Reads up to BATCH entries into sl and queues their signatures; a license
 * of an issuer the set does not list, or a signature already known bad, is
 * a corrupt set. */
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
    const uint8_t *pk = issuer_pk(r->m, sl->lic.issuer_id);
    if (!pk || lv__verifier_add(r->ver, ++r->nread, sl->rec, sl->len, pk) < 0)
      return LV_E_BACKUP_CORRUPT;
    sl->present = !(r->j->flags & LV_RESTORE_DRY_RUN) && !r->bulk && lv__store_has_lid(r->st, sl->lic.lid);
  }
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

/* On the operation's thread, in order: the licenses already here, then
 * what the service decided; what it granted (content key = locked XOR pad)
 * goes into the store. */
static lv_status take(rjob *r, batch *b) {
  for (size_t i = 0; i < b->n; i++)
    if (b->s[i].present) { /* not asked: it is here already, as it is */
      r->present++;
      license_event(r, &b->s[i], LV_OUTCOME_PRESENT, 0);
    }
  if (b->a.limit_url[0] && !r->limit_url[0])
    memcpy(r->limit_url, b->a.limit_url, sizeof r->limit_url);
  size_t g = 0;
  for (size_t i = 0; i < b->a.n; i++) {
    slot *sl = b->asked[i];
    lv__outcome o = b->a.items[i].outcome;
    license_event(r, sl, (int)o, b->a.items[i].left);
    if (o == LV__OUT_LIMIT || o == LV__OUT_REVOKED) {
      r->refused++;
      continue;
    }
    r->granted++;
    if (r->j->flags & LV_RESTORE_DRY_RUN) continue;
    uint8_t ckey[32];
    for (int k = 0; k < 32; k++) ckey[k] = sl->locked[k] ^ b->pads[32 * g + (size_t)k];
    g++;
    lv_status rc = lv__store_put_restored(r->st, &r->ins, sl->rec, sl->len, sl->lic.lid,
                                          sl->lic.kid, ckey, sl->plays, sl->first_use, NULL);
    lv__memzero(ckey, sizeof ckey);
    if (rc < 0) return rc;
  }
  return LV_OK;
}

/* Forgets a batch's answer (its slots are read again for the next one). */
static void batch_clear(batch *b) {
  if (b->pads) lv__memzero(b->pads, b->a.pads_len);
  free(b->pads);
  b->pads = NULL;
  lv__restore_resp_free(&b->a);
  memset(&b->a, 0, sizeof b->a);
  b->nasked = 0;
  b->rc = LV_OK;
}

/* On an asker thread: asks the service about the batch's licenses that are
 * not in the store; b->a gets its answer, checked against the request, and
 * b->pads the opened pads. Touches only b and what is read-only in r. */
static void ask(void *ctx, void *item) {
  rjob *r = ctx;
  batch *b = item;
  lv__restore_req q;
  lv__buf body, ans;
  uint8_t hash[LV__HASH];
  memset(&q, 0, sizeof q);
  memset(&b->a, 0, sizeof b->a);
  b->pads = NULL;
  head(r, &q.h);
  q.dry_run = r->j->flags & LV_RESTORE_DRY_RUN;
  memcpy(q.sealed_secret, r->m->sealed_secret, LV__SEALED_SECRET);
  q.items = b->items;
  for (size_t i = 0; i < b->n; i++) {
    slot *sl = &b->s[i];
    if (sl->present) continue;
    lv__item *it = &q.items[q.n];
    lv__lic_ref_of(&it->ref, &sl->lic);
    memcpy(it->title, sl->lic.title, sl->lic.title_len + 1);
    b->asked[q.n++] = sl;
  }
  b->nasked = q.n;
  b->rc = LV_OK;
  if (!q.n) return;
  lv__buf_init(&body, LV__BODY_MAX);
  lv__buf_init(&ans, LV__BODY_MAX);
  lv__restore_resp *a = &b->a;
  lv_status rc = lv__restore_req_format(&body, &q);
  if (rc == LV_OK) rc = lv__client_post(r->lane_cl[b->lane], LV__PATH_RESTORE, &body, &ans, NULL);
  if (rc == LV_OK && lv__restore_resp_parse(a, ans.data, ans.len) < 0) rc = LV_E_BAD_NET_RESP;
  if (rc == LV_OK) {
    lv__proto_hash(hash, body.data, body.len);
    if (memcmp(hash, a->req_hash, LV__HASH) || a->n != q.n) rc = LV_E_BAD_NET_RESP;
    for (size_t i = 0; rc == LV_OK && i < a->n; i++)
      if (memcmp(a->items[i].lid, q.items[i].ref.lid, LV_LID_LEN)) rc = LV_E_BAD_NET_RESP;
  }
  if (rc == LV_OK && a->pads_len) {
    if (!(b->pads = lv__malloc(a->pads_len))) rc = LV_E_NOMEM;
    else if (lv__aead_open(b->pads, a->pads, a->pads_len, hash, LV__HASH, r->akey) < 0)
      rc = LV_E_BAD_NET_RESP;
  } else if (rc == LV_OK && !q.dry_run) {
    for (size_t i = 0; i < a->n; i++)
      if (a->items[i].outcome <= LV__OUT_ALREADY) rc = LV_E_BAD_NET_RESP; /* granted, no pad */
  }
  b->rc = rc;
  lv__buf_free(&body);
  lv__buf_free(&ans);
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

/* The pipeline, a batch of up to BATCH licenses at a time: while the
 * service decides on batches k and k+1 (two asker threads, two HTTP
 * connections: its writer can commit both in one group), this thread reads
 * batch k+2, then puts what was granted of batch k into the store; the
 * verifier's threads check the signatures behind it all. Neither the
 * service nor the cores wait for this thread's reading and storing. */
static lv_status stream(rjob *r, const uint8_t key[LV__KEY]) {
  lv__set_reader *rd;
  bool end = false;
  size_t k = 0, asked = 0; /* batches taken; batches handed to an asker */
  lv_status rc = lv__set_reader_open(&rd, r->j->path, r->m, key);
  if (rc < 0) return LV_E_BACKUP_CORRUPT;
  /* batch k lives in b[k % NBATCH] and goes to lane k % NLANE */
  rc = read_batch(r, rd, r->b[0].s, &r->b[0].n, &end);
  if (rc == LV_OK && r->b[0].n) {
    r->b[0].lane = 0;
    lv__stage_push(r->lane[0], &r->b[0]);
    asked = 1;
  }
  while (rc == LV_OK && k < asked) {
    batch *cur = &r->b[k % NBATCH], *nx = &r->b[(k + 1) % NBATCH];
    nx->n = 0;
    if (!end) rc = read_batch(r, rd, nx->s, &nx->n, &end);
    if (rc == LV_OK && nx->n) { /* batch k+1: ask about it */
      nx->lane = (unsigned)((k + 1) % NLANE);
      lv__stage_push(r->lane[nx->lane], nx);
      asked++;
    }
    lv__stage_drain(r->lane[cur->lane]); /* batch k's answer */
    if (rc == LV_OK) rc = cur->rc;
    if (rc == LV_OK) rc = take(r, cur);
    if (rc < 0) break;
    r->seen += cur->n;
    lv__job_progress(r->j, r->seen, r->m->licenses);
    batch_clear(cur);
    if (atomic_load(&r->j->r->cancel)) rc = LV_E_CANCELED;
    k++;
  }
  /* whatever happened, nothing may still use a batch when it goes */
  for (unsigned l = 0; l < NLANE; l++) lv__stage_drain(r->lane[l]);
  for (size_t i = 0; i < NBATCH; i++) batch_clear(&r->b[i]);
  lv__set_reader_close(rd);
  return rc;
}

/* The verdict on the signatures, once the last is in: a license its issuer
 * did not sign makes the whole set corrupt, whatever else went wrong after
 * it was read. A canceled restore does not wait for it. */
static lv_status settle(rjob *r, lv_status rc) {
  lv__verifier *v = r->ver;
  r->ver = NULL;
  if (rc == LV_E_CANCELED) {
    lv__verifier_abort(v);
    return rc;
  }
  return lv__verifier_finish(v, NULL, NULL, NULL) < 0 ? LV_E_BACKUP_CORRUPT : rc;
}

static lv_status run(rjob *r) {
  uint8_t key[LV__KEY];
  lv_status rc = LV_OK;
  bool dry = r->j->flags & LV_RESTORE_DRY_RUN;
  if (!r->st && (rc = individualize(r)) < 0) return rc;
  const char *url = r->j->service_url ? r->j->service_url : r->m->service_url;
  rc = lv__client_new(&r->cl, url, r->m->service_sign_pk, r->st->sec->sign_sk, &r->j->r->cancel);
  r->lane_cl[0] = r->cl;
  for (unsigned l = 1; rc == LV_OK && l < NLANE; l++)
    rc = lv__client_new(&r->lane_cl[l], url, r->m->service_sign_pk, r->st->sec->sign_sk,
                        &r->j->r->cancel);
  for (unsigned l = 0; rc == LV_OK && l < NLANE; l++) rc = lv__stage_start(&r->lane[l], ask, r, 1);
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
  /* onto a new computer (an empty store): indexes built once at the end */
  if (rc == LV_OK && !dry) rc = lv__db_bulk_begin(r->st->db, &r->bulk);
  /* onto a store with licenses: every license is looked up and inserted in
   * two indexes at random places; with SQLite's default 2 MiB of cache
   * nearly every one misses and a page is spilled for it. A cap, within
   * the restore's memory budget (docs/performance.md) */
  if (rc == LV_OK && !dry && !r->bulk) rc = lv__db_cache_kib(r->st->db, RESTORE_CACHE_KIB);
  /* the ring covers the index build of a bulk load (as an import's);
   * onto a store with licenses there is none, and the 32 MiB cache
   * already takes much of the memory budget */
  if (rc == LV_OK)
    rc = lv__verifier_start(&r->ver, lv__par_threads(), r->bulk ? LV__VERIFIER_RING_LOAD : RING_LIVE);
  if (rc == LV_OK) rc = stream(r, key);
  lv__memzero(key, sizeof key);
  emit(r, (lv_event){.type = LV_EV_DISCONNECTING});
  sqlite3_finalize(r->ins);
  r->ins = NULL;
  uint64_t dups = 0;
  /* while the verifier finishes the last signatures */
  if (rc == LV_OK && r->bulk && (rc = lv__db_bulk_end(r->st->db, &dups)) == LV_OK) {
    r->granted -= dups; /* a set that lists a license twice brings it once */
    r->present += dups;
  }
  rc = settle(r, rc);
  if (rc == LV_OK && !dry) rc = lv__db_commit(r->st->db);
  if (rc < 0 && !dry) lv__db_rollback(r->st->db); /* the store is as before */
  if (!dry && !r->bulk) lv__db_cache_kib(r->st->db, LV__DB_CACHE_DEFAULT_KIB);
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
  bool mem = true;
  for (size_t i = 0; i < NBATCH; i++) {
    r.b[i].s = lv__calloc(BATCH, sizeof *r.b[i].s);
    r.b[i].items = lv__calloc(BATCH, sizeof *r.b[i].items);
    r.b[i].asked = lv__calloc(BATCH, sizeof *r.b[i].asked);
    mem &= r.b[i].s && r.b[i].items && r.b[i].asked;
  }
  lv_status rc = mem ? run(&r) : LV_E_NOMEM;
  for (unsigned l = 0; l < NLANE; l++) lv__stage_stop(r.lane[l]);
  for (unsigned l = 1; l < NLANE; l++) lv__client_free(r.lane_cl[l]);
  lv__client_free(r.cl); /* lane 0's */
  lv__memzero(r.akey, sizeof r.akey);
  for (size_t i = 0; i < NBATCH; i++) {
    if (r.b[i].s) lv__memzero(r.b[i].s, BATCH * sizeof *r.b[i].s);
    free(r.b[i].s);
    free(r.b[i].items);
    free(r.b[i].asked);
  }
  *done = rc >= 0 ? r.granted + r.present : 0;
  *restricted = r.refused;
  return rc;
}
