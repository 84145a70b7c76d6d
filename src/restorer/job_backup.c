/* job_backup.c - the backup operation on its thread: runs the backup job
 * of src/backup and turns its findings into events. */
#include <time.h>

#include "backup/backup.h"
#include "restorer/restorer.h"

static int64_t now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

void lv__job_progress(lv__job *j, uint64_t done, uint64_t total) {
  int64_t t = now_ms();
  if (done != total && t - j->last_progress_ms < 100) return;
  j->last_progress_ms = t;
  lv__job_emit(j, &(lv_event){.type = LV_EV_PROGRESS, .done = done, .total = total});
}

static void on_restricted(void *ctx, const char *kid, const char *title) {
  lv__job_emit(ctx, &(lv_event){.type = LV_EV_RESTRICTED, .kid = kid, .title = title});
}

static void on_progress(void *ctx, uint64_t done, uint64_t total) {
  lv__job_progress(ctx, done, total);
}

lv_status lv__job_backup(lv__job *j, uint64_t *done, uint64_t *restricted) {
  lv__backup_hooks h = {on_restricted, on_progress, j, &j->r->cancel};
  return lv__backup_run(j->store, j->path, j->flags & LV_BACKUP_OVERWRITE, j->part_max, &h,
                        done, restricted);
}
