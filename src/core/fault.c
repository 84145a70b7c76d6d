/* fault.c - counters behind the injectable failure points (test builds).
 * Kept tiny on purpose: one counter and one target per point. */
#include "core/fault.h"

#ifdef LV_FAULTS
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>

static atomic_ulong calls[LV_FAULT__COUNT];
static unsigned long target[LV_FAULT__COUNT];
static int err_of[LV_FAULT__COUNT];
static bool sticky[LV_FAULT__COUNT];

int lv__fault_hit(lv__fault_point p) {
  unsigned long n = atomic_fetch_add(&calls[p], 1) + 1;
  if (!target[p]) return 0;
  return (n == target[p] || (sticky[p] && n > target[p])) ? err_of[p] : 0;
}

void lv__fault_arm_sticky(lv__fault_point p, unsigned long k, int err) {
  lv__fault_arm(p, k, err);
  sticky[p] = true;
}

void lv__fault_arm(lv__fault_point p, unsigned long k, int err) {
  atomic_store(&calls[p], 0);
  sticky[p] = false;
  target[p] = k;
  /* an errno of 0 would arm a fault that never fires */
  err_of[p] = err ? err : (p == LV_FAULT_ALLOC ? ENOMEM : EIO);
}

unsigned long lv__fault_calls(lv__fault_point p) { return atomic_load(&calls[p]); }
#else
typedef int lv__fault_unused; /* ISO C forbids an empty translation unit */
#endif
