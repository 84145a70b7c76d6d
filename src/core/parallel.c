/* parallel.c - background data-parallel loops (see parallel.h). lv__par
 * starts its threads per call: a batch of verifications is milliseconds of
 * work, a thread start microseconds. lv__pool keeps them for a caller whose
 * batches are shorter, and lives only as long as that caller's call. */
#include "core/parallel.h"

#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/alloc.h"

/* Items per grab: small enough to balance, large enough that the shared
 * counter is not contended (an item here is ~50 us of verification). */
#define CHUNK 8

unsigned lv__par_threads(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  if (n < 1) n = 1;
  if (n > LV__PAR_MAX) n = LV__PAR_MAX;
  return (unsigned)n;
}

static void work(lv__par *p) {
  for (;;) {
    size_t i = atomic_fetch_add(&p->next, CHUNK);
    if (i >= p->n) return;
    size_t end = i + CHUNK < p->n ? i + CHUNK : p->n;
    for (; i < end; i++) p->fn(p->ctx, i);
  }
}

static void *run(void *arg) {
  work(arg);
  return NULL;
}

void lv__par_start(lv__par *p, unsigned nthreads, size_t n, lv__par_fn fn, void *ctx) {
  if (nthreads > LV__PAR_MAX) nthreads = LV__PAR_MAX;
  p->nth = 0;
  p->fn = fn;
  p->ctx = ctx;
  p->n = n;
  atomic_init(&p->next, 0);
  size_t useful = (n + CHUNK - 1) / CHUNK;
  for (unsigned t = 0; t < nthreads && t < useful; t++)
    if (pthread_create(&p->th[p->nth], NULL, run, p) == 0) p->nth++;
}

void lv__par_join(lv__par *p) {
  work(p);
  for (unsigned t = 0; t < p->nth; t++) pthread_join(p->th[t], NULL);
  p->nth = 0;
}

/* ---- the pool ---- */

struct lv__pool {
  lv__par job; /* the current run: fn, ctx, n and the shared counter */
  pthread_mutex_t mu;
  pthread_cond_t cv;
  unsigned long run; /* runs started: a worker waits for the next one */
  unsigned busy;     /* workers still inside the current run */
  bool stop;
  unsigned nth;
  pthread_t th[LV__PAR_MAX];
};

static void *pool_worker(void *arg) {
  lv__pool *p = arg;
  unsigned long seen = 0;
  pthread_mutex_lock(&p->mu);
  for (;;) {
    while (p->run == seen && !p->stop) pthread_cond_wait(&p->cv, &p->mu);
    if (p->stop) break;
    seen = p->run;
    pthread_mutex_unlock(&p->mu);
    work(&p->job);
    pthread_mutex_lock(&p->mu);
    if (--p->busy == 0) pthread_cond_broadcast(&p->cv);
  }
  pthread_mutex_unlock(&p->mu);
  return NULL;
}

lv_status lv__pool_start(lv__pool **out, unsigned nthreads) {
  lv__pool *p = lv__calloc(1, sizeof *p);
  *out = NULL;
  if (!p) return LV_E_NOMEM;
  if (nthreads > LV__PAR_MAX) nthreads = LV__PAR_MAX;
  pthread_mutex_init(&p->mu, NULL);
  pthread_cond_init(&p->cv, NULL);
  atomic_init(&p->job.next, 0);
  for (unsigned t = 0; t < nthreads; t++)
    if (pthread_create(&p->th[p->nth], NULL, pool_worker, p) == 0) p->nth++;
  *out = p;
  return LV_OK;
}

void lv__pool_run(lv__pool *p, size_t n, lv__par_fn fn, void *ctx) {
  pthread_mutex_lock(&p->mu);
  p->job.fn = fn;
  p->job.ctx = ctx;
  p->job.n = n;
  atomic_store(&p->job.next, 0);
  p->busy = p->nth; /* every worker takes part, if only to find nothing left */
  p->run++;
  pthread_cond_broadcast(&p->cv);
  pthread_mutex_unlock(&p->mu);
}

void lv__pool_join(lv__pool *p) {
  work(&p->job);
  pthread_mutex_lock(&p->mu);
  while (p->busy) pthread_cond_wait(&p->cv, &p->mu);
  pthread_mutex_unlock(&p->mu);
}

void lv__pool_stop(lv__pool *p) {
  if (!p) return;
  pthread_mutex_lock(&p->mu);
  p->stop = true;
  pthread_cond_broadcast(&p->cv);
  pthread_mutex_unlock(&p->mu);
  for (unsigned t = 0; t < p->nth; t++) pthread_join(p->th[t], NULL);
  pthread_cond_destroy(&p->cv);
  pthread_mutex_destroy(&p->mu);
  free(p);
}
