/* parallel.h - a data-parallel "for" over n items, started in the
 * background so the caller can do other work (such as inserting the
 * previous batch) and then help finish it in lv__par_join. Items are handed
 * out in small chunks from a shared counter, so a thread that was slowed
 * down (the machine has fewer cores than threads) never leaves the others
 * waiting. fn must only touch item i's own state. */
#ifndef LV_CORE_PARALLEL_H
#define LV_CORE_PARALLEL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "licvault/status.h"

#define LV__PAR_MAX 16

typedef void (*lv__par_fn)(void *ctx, size_t i);

typedef struct lv__par {
  pthread_t th[LV__PAR_MAX];
  unsigned nth;
  lv__par_fn fn;
  void *ctx;
  size_t n;
  atomic_size_t next;
} lv__par;

/* Number of threads worth using here (online CPUs, capped). */
unsigned lv__par_threads(void);
/* Starts fn(ctx, i) for i in [0, n) on nthreads background threads. When a
 * thread cannot be started, the work is simply left for the others and for
 * lv__par_join, so this never fails. p must stay put until joined. */
void lv__par_start(lv__par *p, unsigned nthreads, size_t n, lv__par_fn fn, void *ctx);
/* The caller takes items too until none are left, then waits for the
 * threads. Every item has run when it returns. */
void lv__par_join(lv__par *p);

/* The same loop on threads that outlive one batch: for callers whose
 * batches are short (a backup re-locks 1,024 licenses in about a
 * millisecond), where starting two threads per batch cost 7% of the time.
 * One caller thread drives a pool: run, then join, then the next run.
 * Start never fails but for memory (*out is then NULL; with no thread,
 * join does all the work); stop joins the threads and frees; it accepts
 * NULL. Join every run before stop: a run not joined may be left undone. */
typedef struct lv__pool lv__pool;
lv_status lv__pool_start(lv__pool **out, unsigned nthreads);
void lv__pool_run(lv__pool *pool, size_t n, lv__par_fn fn, void *ctx);
void lv__pool_join(lv__pool *pool);
void lv__pool_stop(lv__pool *pool);

#endif
