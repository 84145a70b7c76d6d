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

#endif
