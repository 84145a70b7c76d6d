/* parallel.h - a data-parallel "for" over n items on a few threads, started
 * in the background so the caller can do other work (such as inserting the
 * previous batch) before joining. Items are split into contiguous chunks;
 * fn must only touch item i's own state. */
#ifndef LV_CORE_PARALLEL_H
#define LV_CORE_PARALLEL_H

#include <pthread.h>
#include <stddef.h>

#include "licvault/status.h"

#define LV__PAR_MAX 16

typedef void (*lv__par_fn)(void *ctx, size_t i);

typedef struct lv__par {
  pthread_t th[LV__PAR_MAX];
  unsigned nth;
  struct lv__par_part {
    lv__par_fn fn;
    void *ctx;
    size_t begin, end;
  } part[LV__PAR_MAX];
} lv__par;

/* Number of threads worth using here (online CPUs, capped). */
unsigned lv__par_threads(void);
/* Runs fn(ctx, i) for i in [0, n) on nthreads threads. When threads cannot
 * be started, runs the rest inline, so it never fails. */
void lv__par_start(lv__par *p, unsigned nthreads, size_t n, lv__par_fn fn, void *ctx);
void lv__par_join(lv__par *p);

#endif
