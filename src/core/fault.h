/* fault.h - injectable failure points for file I/O and allocation.
 * In builds with LV_FAULTS defined, tests arm a point to fail its k-th call
 * with a given errno; in every other build the checks compile to nothing.
 * The write and fsync points cover licvault's own files and, through a
 * SQLite VFS shim (lv__fault_sqlite_install), the store's and the service's
 * databases; the clock seam is in core/timeutil.h, randomness in
 * crypto/crypto.h (lv__random_set_fake).
 * Thread safety: arming is for single-threaded test set-up; hits are atomic. */
#ifndef LV_CORE_FAULT_H
#define LV_CORE_FAULT_H

typedef enum lv__fault_point {
  LV_FAULT_ALLOC,
  LV_FAULT_WRITE,
  LV_FAULT_FSYNC,
  LV_FAULT_RENAME,
  LV_FAULT_DIRSYNC, /* fsync of a folder, after a rename or create */
  LV_FAULT_FLUSH,   /* a flush-behind's fdatasync (core/flusher.h), on its thread */
  LV_FAULT__COUNT
} lv__fault_point;

#ifdef LV_FAULTS
/* Returns the errno to fail this call with, or 0 to let it run. */
int lv__fault_hit(lv__fault_point p);
/* Fails the k-th (1-based) next call of p with err; k = 0 disarms. */
void lv__fault_arm(lv__fault_point p, unsigned long k, int err);
/* Fails the k-th call and every one after it (a disk that stays full);
 * k = 0 disarms. */
void lv__fault_arm_sticky(lv__fault_point p, unsigned long k, int err);
/* Calls of p since the last arm (to size a torture loop). */
unsigned long lv__fault_calls(lv__fault_point p);
/* Makes every SQLite database opened from now on go through the fault
 * points (write, fsync); idempotent, thread-safe. */
void lv__fault_sqlite_install(void);
#else
static inline void lv__fault_sqlite_install(void) {}
static inline int lv__fault_hit(lv__fault_point p) {
  (void)p;
  return 0;
}
#endif

#endif
