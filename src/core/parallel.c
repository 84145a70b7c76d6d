/* parallel.c - background data-parallel loops (see parallel.h). Threads are
 * started per call: a batch is milliseconds of work, a thread start is
 * microseconds, and no pool outlives the call to leak or race. */
#include "core/parallel.h"

#include <unistd.h>

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
