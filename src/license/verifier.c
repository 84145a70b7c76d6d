/* verifier.c - license signatures verified behind the caller (see
 * verifier.h). The caller fills one chunk of packed records at a time and
 * hands it over; threads take chunks in order, verify them and give them
 * back. A failure is kept as the lowest index seen; a chunk that starts
 * after it is not worth verifying. */
#include "license/verifier.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/parallel.h"

#define HDR LV__VERIFIER_REC_HDR

typedef struct chunk {
  uint8_t *data;
  size_t used, count;
  uint64_t first; /* idx of its first record */
} chunk;

typedef struct fail {
  bool any;
  uint64_t idx;
  lv_status rc;
  size_t len;
  uint8_t rec[LV__LIC_MAX];
} fail;

struct lv__verifier {
  pthread_mutex_t mu;
  pthread_cond_t work_cv; /* a chunk is ready, or stop */
  pthread_cond_t free_cv; /* a chunk is free again */
  uint8_t *mem;
  unsigned nch; /* chunks in the ring */
  chunk ch[LV__VERIFIER_CHUNKS];
  unsigned ready[LV__VERIFIER_CHUNKS]; /* FIFO: verified in input order */
  unsigned head, nready;
  unsigned freel[LV__VERIFIER_CHUNKS];
  unsigned nfree;
  chunk *cur; /* the caller's, being filled */
  bool stop;
  bool drop; /* aborted: what is queued is given back unverified */
  fail bad;                /* under mu */
  atomic_int bad_rc;       /* LV_OK until a failure: read by add unlocked */
  atomic_uint_fast64_t done;
  unsigned nth;
  pthread_t th[LV__PAR_MAX];
};

/* Verifies c's records up to its first failure (the later ones come after
 * it in input order, so they do not matter); returns how many it checked. */
static size_t verify_chunk(const chunk *c, fail *f) {
  const uint8_t *p = c->data;
  for (size_t i = 0; i < c->count; i++) {
    uint64_t idx;
    uint32_t len;
    memcpy(&idx, p, 8);
    memcpy(&len, p + 8, 4);
    const uint8_t *pk = p + 12, *rec = p + HDR;
    lv_status rc = lv__license_verify(rec, len, pk);
    if (rc < 0) {
      f->any = true;
      f->idx = idx;
      f->rc = rc;
      f->len = len;
      memcpy(f->rec, rec, len);
      return i + 1;
    }
    p += HDR + len;
  }
  return c->count;
}

/* Keeps f if it is the first failure in input order. Under mu. */
static void note_fail(lv__verifier *v, const fail *f) {
  if (!f->any || (v->bad.any && v->bad.idx < f->idx)) return;
  v->bad = *f;
  atomic_store(&v->bad_rc, f->rc);
}

static void give_back(lv__verifier *v, chunk *c) {
  c->used = c->count = 0;
  v->freel[v->nfree++] = (unsigned)(c - v->ch);
  pthread_cond_signal(&v->free_cv);
}

/* Verifies c (unless skip: not worth it, or aborted), keeps its failure
 * if it is the first, and gives c back. Called without mu. */
static void check(lv__verifier *v, chunk *c, bool skip) {
  fail f;
  f.any = false;
  if (!skip) atomic_fetch_add(&v->done, verify_chunk(c, &f));
  pthread_mutex_lock(&v->mu);
  note_fail(v, &f);
  give_back(v, c);
  pthread_mutex_unlock(&v->mu);
}

static void *worker(void *arg) {
  lv__verifier *v = arg;
  pthread_mutex_lock(&v->mu);
  for (;;) {
    while (!v->nready && !v->stop) pthread_cond_wait(&v->work_cv, &v->mu);
    if (!v->nready) break; /* stopped, and nothing left */
    chunk *c = &v->ch[v->ready[v->head]];
    v->head = (v->head + 1) % v->nch;
    v->nready--;
    bool skip = v->drop || (v->bad.any && c->first > v->bad.idx);
    pthread_mutex_unlock(&v->mu);
    check(v, c, skip);
    pthread_mutex_lock(&v->mu);
  }
  pthread_mutex_unlock(&v->mu);
  return NULL;
}

lv_status lv__verifier_start(lv__verifier **out, unsigned nthreads, size_t bytes) {
  *out = NULL;
  lv__verifier *v = lv__calloc(1, sizeof *v);
  if (!v) return LV_E_NOMEM;
  size_t n = bytes / LV__VERIFIER_CHUNK;
  v->nch = (unsigned)(n < 2 ? 2 : n > LV__VERIFIER_CHUNKS ? LV__VERIFIER_CHUNKS : n);
  v->mem = lv__malloc((size_t)v->nch * LV__VERIFIER_CHUNK);
  if (!v->mem) {
    free(v);
    return LV_E_NOMEM;
  }
  pthread_mutex_init(&v->mu, NULL);
  pthread_cond_init(&v->work_cv, NULL);
  pthread_cond_init(&v->free_cv, NULL);
  atomic_init(&v->bad_rc, LV_OK);
  atomic_init(&v->done, 0);
  for (unsigned i = 0; i < v->nch; i++) {
    v->ch[i].data = v->mem + (size_t)i * LV__VERIFIER_CHUNK;
    v->freel[v->nfree++] = v->nch - 1 - i;
  }
  if (nthreads > LV__PAR_MAX) nthreads = LV__PAR_MAX;
  for (unsigned t = 0; t < nthreads; t++)
    if (pthread_create(&v->th[v->nth], NULL, worker, v) == 0) v->nth++;
  *out = v;
  return LV_OK;
}

/* Hands the caller's chunk over; with no thread, verifies it here. */
static void submit(lv__verifier *v) {
  chunk *c = v->cur;
  v->cur = NULL;
  if (!c) return;
  if (!c->count || !v->nth) { /* nothing in it; or no thread: here */
    check(v, c, !c->count);
    return;
  }
  pthread_mutex_lock(&v->mu);
  v->ready[(v->head + v->nready) % v->nch] = (unsigned)(c - v->ch);
  v->nready++;
  pthread_cond_signal(&v->work_cv);
  pthread_mutex_unlock(&v->mu);
}

lv_status lv__verifier_add(lv__verifier *v, uint64_t idx, const uint8_t *rec, size_t n,
                           const uint8_t pk[LV__SIGN_PK]) {
  lv_status rc = atomic_load(&v->bad_rc);
  if (rc < 0) return rc;
  if (n > LV__LIC_MAX) return LV_E_INVALID_ARG;
  if (v->cur && v->cur->used + HDR + n > LV__VERIFIER_CHUNK) submit(v);
  if (!v->cur) {
    pthread_mutex_lock(&v->mu);
    while (!v->nfree) pthread_cond_wait(&v->free_cv, &v->mu);
    v->cur = &v->ch[v->freel[--v->nfree]];
    pthread_mutex_unlock(&v->mu);
  }
  chunk *c = v->cur;
  uint8_t *p = c->data + c->used;
  uint32_t len = (uint32_t)n;
  if (!c->count) c->first = idx;
  memcpy(p, &idx, 8);
  memcpy(p + 8, &len, 4);
  memcpy(p + 12, pk, LV__SIGN_PK);
  memcpy(p + HDR, rec, n);
  c->used += HDR + n;
  c->count++;
  return LV_OK;
}

void lv__verifier_abort(lv__verifier *v) {
  if (!v) return;
  pthread_mutex_lock(&v->mu);
  v->drop = true;
  pthread_mutex_unlock(&v->mu);
  if (v->cur) v->cur->count = 0; /* the caller's chunk: not even handed over */
  lv__verifier_finish(v, NULL, NULL, NULL);
}

uint64_t lv__verifier_done(const lv__verifier *v) {
  return atomic_load(&v->done);
}

lv_status lv__verifier_finish(lv__verifier *v, uint64_t *bad_idx, uint8_t *bad_rec,
                              size_t *bad_len) {
  if (!v) return LV_OK;
  submit(v);
  pthread_mutex_lock(&v->mu);
  v->stop = true;
  pthread_cond_broadcast(&v->work_cv);
  pthread_mutex_unlock(&v->mu);
  for (unsigned t = 0; t < v->nth; t++) pthread_join(v->th[t], NULL);
  lv_status rc = v->bad.any ? v->bad.rc : LV_OK;
  if (v->bad.any) {
    if (bad_idx) *bad_idx = v->bad.idx;
    if (bad_rec) memcpy(bad_rec, v->bad.rec, v->bad.len);
    if (bad_len) *bad_len = v->bad.len;
  }
  pthread_cond_destroy(&v->free_cv);
  pthread_cond_destroy(&v->work_cv);
  pthread_mutex_destroy(&v->mu);
  free(v->mem);
  free(v);
  return rc;
}
