/* torture.h - runs an operation once per possible failure point (issue #7):
 * a clean run counts the calls of each fault point (core/fault.h), then the
 * operation runs again with the k-th call failed, for every k, from the same
 * starting state, and the caller's check asserts the invariants.
 *
 * LV_TORTURE=full (make check-faults) fails every k; otherwise (make test)
 * a spread of at most LV_TORTURE_FAST points per fault kind, always
 * including the first and the last call. */
#ifndef LV_TORTURE_H
#define LV_TORTURE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/fault.h"
#include "licvault/status.h"

#define LV_TORTURE_FAST 24

typedef struct tt_point {
  lv__fault_point p;
  int err;     /* errno the failed call returns */
  bool sticky; /* every call from the k-th on fails (a disk that stays full) */
} tt_point;

typedef struct tt_op {
  const char *name;
  /* Puts everything back to the starting state. */
  void (*reset)(void *ctx);
  /* The operation, once; its status. */
  lv_status (*run)(void *ctx);
  /* Asserts the invariants after a run that returned rc with the k-th call
   * of point p failed (k = 0: the clean run). */
  void (*check)(void *ctx, lv_status rc, lv__fault_point p, unsigned long k);
  void *ctx;
} tt_op;

/* The usual points: write ENOSPC (once, and from then on), write EIO,
 * fsync EIO, rename EIO, folder fsync EIO, allocation ENOMEM. */
#define TT_ALL 7
extern const tt_point tt_all_points[TT_ALL];

typedef struct tt_stats {
  unsigned long runs, failed, calls[LV_FAULT__COUNT];
} tt_stats;

/* Tortures op at each of pts; returns what ran and prints one line per
 * point. Asserts (cmocka) that the clean runs succeed, that a failed run
 * never returns LV_E_INTERNAL (an unclear error) and that some run failed.
 * A point whose failures never fail the operation is legitimate (a SQLite
 * checkpoint after the commit, say): the caller's check still ran. */
tt_stats tt_torture(const tt_op *op, const tt_point *pts, size_t npts);

/* True in full mode (LV_TORTURE=full). */
bool tt_full(void);
/* A point's name for messages. */
const char *tt_point_name(lv__fault_point p);

#endif
