/* restorer.h (internal) - the backup restorer object shared by the files of
 * src/restorer: properties, the operation state, and the event helpers the
 * jobs use. The thread contract is in include/licvault/restorer.h. */
#ifndef LV_RESTORER_RESTORER_H
#define LV_RESTORER_RESTORER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "licvault/restorer.h"
#include "licvault/store.h"

#define LV__PROP_MAX 64
#define LV__PROP_NAME_MAX 256
#define LV__PROP_VALUE_MAX 4096

typedef struct lv__prop {
  char *name;
  char *value;
} lv__prop;

struct lv_restorer {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  lv__prop props[LV__PROP_MAX];
  size_t nprops;
  lv_op op;           /* the accepted operation, until just before its END */
  unsigned threads;   /* operation threads still running (END not returned) */
  pthread_t last;     /* the newest operation thread, joined by whoever comes */
  bool has_last;      /* after it: the next operation's thread, or the free */
  bool free_pending;  /* lv_restorer_free called from a callback */
  bool closing;       /* lv_restorer_free was called: accept nothing more */
  atomic_int cancel;
};

/* What an operation's thread needs; owned by that thread. */
typedef struct lv__job {
  lv_restorer *r;
  lv_op op;
  uint32_t flags;
  lv_event_cb cb;
  void *ctx;
  lv_store *store;
  char *path;       /* BackupPath or RestorePath */
  char *store_dir, *machine, *service_url; /* restore: individualize, override */
  struct lv__manifest *man; /* restore: the set's manifest */
  uint64_t part_max;
  int64_t last_progress_ms;
  pthread_t prev;   /* the operation thread before this one, to join */
  bool has_prev;
  lv_status (*run)(struct lv__job *j, uint64_t *done, uint64_t *restricted);
} lv__job;

/* Sends one event of the running operation. */
void lv__job_emit(lv__job *j, lv_event *ev);
/* Progress, at most every 100 ms, and always the last one. */
void lv__job_progress(lv__job *j, uint64_t done, uint64_t total);
/* Starts j on its own thread (takes it over, also on failure). */
lv_status lv__job_start(lv__job *j);
void lv__job_free(lv__job *j);

/* A copy of a property's value (free()), or NULL when unset. */
char *lv__prop_dup(lv_restorer *r, const char *name);

/* The backup job (job_backup.c) and the restore job (job_restore.c). */
lv_status lv__job_backup(lv__job *j, uint64_t *done, uint64_t *restricted);
lv_status lv__job_restore(lv__job *j, uint64_t *done, uint64_t *restricted);

#endif
