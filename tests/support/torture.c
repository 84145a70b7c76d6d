/* torture.c - see torture.h. */
#include "torture.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

const tt_point tt_all_points[TT_ALL] = {
    {LV_FAULT_WRITE, ENOSPC, false}, {LV_FAULT_WRITE, ENOSPC, true}, {LV_FAULT_WRITE, EIO, false},
    {LV_FAULT_FSYNC, EIO, false},    {LV_FAULT_RENAME, EIO, false},  {LV_FAULT_DIRSYNC, EIO, false},
    {LV_FAULT_ALLOC, ENOMEM, false}};

bool tt_full(void) {
  const char *e = getenv("LV_TORTURE");
  return e && !strcmp(e, "full");
}

const char *tt_point_name(lv__fault_point p) {
  switch (p) {
  case LV_FAULT_ALLOC: return "alloc";
  case LV_FAULT_WRITE: return "write";
  case LV_FAULT_FSYNC: return "fsync";
  case LV_FAULT_RENAME: return "rename";
  case LV_FAULT_DIRSYNC: return "dirsync";
  case LV_FAULT_FLUSH: return "flush";
  default: return "?";
  }
}

static const char *errno_name(int e) {
  return e == ENOSPC ? "ENOSPC" : e == ENOMEM ? "ENOMEM" : e == EIO ? "EIO" : "errno";
}

static void disarm_all(void) {
  for (int p = 0; p < LV_FAULT__COUNT; p++) lv__fault_arm((lv__fault_point)p, 0, 0);
}

/* The k to try: all of 1..calls, or an even spread with both ends. */
static unsigned long next_k(unsigned long k, unsigned long calls) {
  if (tt_full() || calls <= LV_TORTURE_FAST) return k + 1;
  unsigned long step = (calls + LV_TORTURE_FAST - 2) / (LV_TORTURE_FAST - 1);
  unsigned long n = k + step;
  return (n > calls && k < calls) ? calls : n;
}

tt_stats tt_torture(const tt_op *op, const tt_point *pts, size_t npts) {
  tt_stats st;
  memset(&st, 0, sizeof st);
  for (size_t i = 0; i < npts; i++) {
    lv__fault_point p = pts[i].p;
    disarm_all();
    op->reset(op->ctx);
    lv__fault_arm(p, 0, 0); /* zero the counter */
    lv_status rc = op->run(op->ctx);
    unsigned long calls = lv__fault_calls(p);
    if (rc != LV_OK) fail_msg("%s: the clean run failed: %s", op->name, lv_status_str(rc));
    op->check(op->ctx, rc, p, 0);
    st.calls[p] += calls;
    unsigned long failed = 0, runs = 0;
    for (unsigned long k = 1; k <= calls; k = next_k(k, calls)) {
      op->reset(op->ctx);
      if (pts[i].sticky) lv__fault_arm_sticky(p, k, pts[i].err);
      else lv__fault_arm(p, k, pts[i].err);
      rc = op->run(op->ctx);
      disarm_all();
      runs++;
      if (rc != LV_OK) {
        failed++;
        if (rc == LV_E_INTERNAL)
          fail_msg("%s: %s #%lu failed (errno %d): unclear error %s", op->name, tt_point_name(p),
                   k, pts[i].err, lv_status_name(rc));
      }
      op->check(op->ctx, rc, p, k);
    }
    print_message("torture %-20s %-7s %-6s %-6s %5lu calls %5lu runs %5lu failed\n", op->name,
                  tt_point_name(p), errno_name(pts[i].err),
                  pts[i].sticky ? "sticky" : "once", calls, runs, failed);
    st.runs += runs;
    st.failed += failed;
  }
  disarm_all();
  /* no failure at all would mean the seams are not where the calls are */
  if (!st.failed) fail_msg("%s: no injected fault ever failed the operation", op->name);
  return st;
}
