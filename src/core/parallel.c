/* parallel.c - background data-parallel loops (see parallel.h). Threads are
 * started per call: a batch is milliseconds of work, a thread start is
 * microseconds, and no pool outlives the call to leak or race. */
#include "core/parallel.h"

#include <unistd.h>

unsigned lv__par_threads(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  if (n < 1) n = 1;
  if (n > LV__PAR_MAX) n = LV__PAR_MAX;
  return (unsigned)n;
}

static void *run(void *arg) {
  struct lv__par_part *pt = arg;
  for (size_t i = pt->begin; i < pt->end; i++) pt->fn(pt->ctx, i);
  return NULL;
}

void lv__par_start(lv__par *p, unsigned nthreads, size_t n, lv__par_fn fn, void *ctx) {
  if (nthreads < 1) nthreads = 1;
  if (nthreads > LV__PAR_MAX) nthreads = LV__PAR_MAX;
  p->nth = 0;
  size_t chunk = (n + nthreads - 1) / nthreads;
  for (unsigned t = 0; t < nthreads; t++) {
    struct lv__par_part *pt = &p->part[t];
    pt->fn = fn;
    pt->ctx = ctx;
    pt->begin = t * chunk < n ? t * chunk : n;
    pt->end = pt->begin + chunk < n ? pt->begin + chunk : n;
    if (pt->begin == pt->end) continue;
    if (pthread_create(&p->th[p->nth], NULL, run, pt) == 0) {
      p->nth++;
      continue;
    }
    run(pt); /* could not start a thread: do this chunk here */
  }
}

void lv__par_join(lv__par *p) {
  for (unsigned t = 0; t < p->nth; t++) pthread_join(p->th[t], NULL);
  p->nth = 0;
}
