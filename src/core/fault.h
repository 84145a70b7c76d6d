/* fault.h - injectable failure points for file I/O and allocation.
 * In builds with LV_FAULTS defined, tests arm a point to fail its k-th call
 * with a given errno; in every other build the checks compile to nothing.
 * Thread safety: arming is for single-threaded test set-up; hits are atomic. */
#ifndef LV_CORE_FAULT_H
#define LV_CORE_FAULT_H

typedef enum lv__fault_point {
  LV_FAULT_ALLOC,
  LV_FAULT_WRITE,
  LV_FAULT_FSYNC,
  LV_FAULT_RENAME,
  LV_FAULT__COUNT
} lv__fault_point;

#ifdef LV_FAULTS
/* Returns the errno to fail this call with, or 0 to let it run. */
int lv__fault_hit(lv__fault_point p);
/* Fails the k-th (1-based) next call of p with err; k = 0 disarms. */
void lv__fault_arm(lv__fault_point p, unsigned long k, int err);
/* Calls of p since the last arm (to size a torture loop). */
unsigned long lv__fault_calls(lv__fault_point p);
#else
static inline int lv__fault_hit(lv__fault_point p) {
  (void)p;
  return 0;
}
#endif

#endif
