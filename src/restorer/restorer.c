/* restorer.c - the backup restorer object: properties, accepting one
 * operation at a time, cancel, and a free that never leaves a callback
 * running on freed memory. */
#include "restorer/restorer.h"

#include <stdlib.h>
#include <string.h>

#include "backup/backup.h"
#include "core/alloc.h"
#include "core/encoding.h"
#include "store/store.h"

/* The restorer whose callback this thread is running, if any. */
static _Thread_local lv_restorer *in_callback;

lv_status lv_restorer_create(lv_restorer **out) {
  if (!out) return LV_E_INVALID_ARG;
  lv_restorer *r = lv__calloc(1, sizeof *r);
  if (!r) return LV_E_NOMEM;
  pthread_mutex_init(&r->mu, NULL);
  pthread_cond_init(&r->cv, NULL);
  atomic_init(&r->cancel, 0);
  *out = r;
  return LV_OK;
}

static void destroy(lv_restorer *r) {
  for (size_t i = 0; i < r->nprops; i++) {
    free(r->props[i].name);
    free(r->props[i].value);
  }
  pthread_cond_destroy(&r->cv);
  pthread_mutex_destroy(&r->mu);
  free(r);
}

void lv_restorer_free(lv_restorer *r) {
  if (!r) return;
  pthread_mutex_lock(&r->mu);
  r->closing = true; /* an END callback may not start anything any more */
  if (r->op != LV_OP_NONE) atomic_store(&r->cancel, 1);
  if (in_callback == r) { /* cannot wait for ourselves: the thread frees */
    r->free_pending = true;
    pthread_mutex_unlock(&r->mu);
    return;
  }
  while (r->threads) pthread_cond_wait(&r->cv, &r->mu);
  pthread_mutex_unlock(&r->mu);
  /* Joined, not only done: a thread past END still runs its libraries'
   * thread-exit cleanup (OpenSSL's, through libcurl), which must not race
   * their atexit teardown when the caller exits right after this free. */
  if (r->has_last) pthread_join(r->last, NULL);
  destroy(r);
}

static bool text_ok(const char *s, size_t max) {
  size_t n = s ? strlen(s) : 0;
  return s && n <= max && lv__utf8_valid_text((const uint8_t *)s, n);
}

static lv__prop *find(lv_restorer *r, const char *name) {
  for (size_t i = 0; i < r->nprops; i++)
    if (!strcmp(r->props[i].name, name)) return &r->props[i];
  return NULL;
}

lv_status lv_restorer_set_prop(lv_restorer *r, const char *name, const char *value) {
  if (!r || !text_ok(name, LV__PROP_NAME_MAX) || !*name || !text_ok(value, LV__PROP_VALUE_MAX))
    return LV_E_INVALID_ARG;
  char *v = lv__strdup(value);
  if (!v) return LV_E_NOMEM;
  lv_status rc = LV_OK;
  pthread_mutex_lock(&r->mu);
  lv__prop *p = find(r, name);
  if (p) {
    free(p->value);
    p->value = v;
  } else if (r->nprops == LV__PROP_MAX) {
    rc = LV_E_TOO_LARGE;
  } else if (!(r->props[r->nprops].name = lv__strdup(name))) {
    rc = LV_E_NOMEM;
  } else {
    r->props[r->nprops++].value = v;
  }
  pthread_mutex_unlock(&r->mu);
  if (rc < 0) free(v);
  return rc;
}

static lv_status copy_out(const char *s, char *buf, size_t *len) {
  size_t need = strlen(s) + 1;
  size_t have = *len;
  *len = need;
  if (!buf || have < need) return LV_E_TOO_LARGE;
  memcpy(buf, s, need);
  return LV_OK;
}

lv_status lv_restorer_get_prop(lv_restorer *r, const char *name, char *buf, size_t *len) {
  if (!r || !name || !len) return LV_E_INVALID_ARG;
  pthread_mutex_lock(&r->mu);
  lv__prop *p = find(r, name);
  lv_status rc = p ? copy_out(p->value, buf, len) : LV_E_NOT_FOUND;
  pthread_mutex_unlock(&r->mu);
  return rc;
}

char *lv__prop_dup(lv_restorer *r, const char *name) {
  pthread_mutex_lock(&r->mu);
  lv__prop *p = find(r, name);
  char *v = p ? lv__strdup(p->value) : NULL;
  pthread_mutex_unlock(&r->mu);
  return v;
}

lv_status lv_restorer_prop_name(lv_restorer *r, size_t idx, char *buf, size_t *len) {
  if (!r || !len) return LV_E_INVALID_ARG;
  pthread_mutex_lock(&r->mu);
  lv_status rc = idx < r->nprops ? copy_out(r->props[idx].name, buf, len) : LV_E_NOT_FOUND;
  pthread_mutex_unlock(&r->mu);
  return rc;
}

size_t lv_restorer_prop_count(lv_restorer *r) {
  if (!r) return 0;
  pthread_mutex_lock(&r->mu);
  size_t n = r->nprops;
  pthread_mutex_unlock(&r->mu);
  return n;
}

lv_status lv_restorer_remove_prop(lv_restorer *r, const char *name) {
  if (!r || !name) return LV_E_INVALID_ARG;
  pthread_mutex_lock(&r->mu);
  lv__prop *p = find(r, name);
  if (p) {
    free(p->name);
    free(p->value);
    size_t i = (size_t)(p - r->props);
    memmove(p, p + 1, (r->nprops - i - 1) * sizeof *p); /* keep the order */
    r->nprops--;
  }
  pthread_mutex_unlock(&r->mu);
  return p ? LV_OK : LV_E_NOT_FOUND;
}

lv_status lv_restorer_remove_all_props(lv_restorer *r) {
  if (!r) return LV_E_INVALID_ARG;
  pthread_mutex_lock(&r->mu);
  for (size_t i = 0; i < r->nprops; i++) {
    free(r->props[i].name);
    free(r->props[i].value);
  }
  r->nprops = 0;
  pthread_mutex_unlock(&r->mu);
  return LV_OK;
}

lv_status lv_restorer_cancel(lv_restorer *r) {
  if (!r) return LV_E_INVALID_ARG;
  pthread_mutex_lock(&r->mu);
  if (r->op != LV_OP_NONE) atomic_store(&r->cancel, 1);
  pthread_mutex_unlock(&r->mu);
  return LV_OK;
}

lv_status lv_restorer_cancel_op(lv_restorer *r, lv_op op) {
  if (!r) return LV_E_INVALID_ARG;
  pthread_mutex_lock(&r->mu);
  if (r->op == op && op != LV_OP_NONE) atomic_store(&r->cancel, 1);
  pthread_mutex_unlock(&r->mu);
  return LV_OK;
}

lv_op lv_restorer_running(lv_restorer *r) {
  if (!r) return LV_OP_NONE;
  pthread_mutex_lock(&r->mu);
  lv_op op = r->op;
  pthread_mutex_unlock(&r->mu);
  return op;
}

/* ---- operations ---- */

static lv_status reserve(lv_restorer *r, lv_op op) {
  pthread_mutex_lock(&r->mu);
  lv_status rc = LV_OK;
  if (r->op != LV_OP_NONE || r->free_pending || r->closing) rc = LV_E_OP_BUSY;
  else {
    r->op = op;
    atomic_store(&r->cancel, 0);
  }
  pthread_mutex_unlock(&r->mu);
  return rc;
}

static void unreserve(lv_restorer *r) {
  pthread_mutex_lock(&r->mu);
  r->op = LV_OP_NONE;
  pthread_mutex_unlock(&r->mu);
}

static lv_status part_size(lv_restorer *r, uint64_t *out) {
  char *v = lv__prop_dup(r, LV_PROP_PART_SIZE), *end;
  *out = LV__PART_MAX_DEFAULT;
  if (!v) return LV_OK;
  unsigned long long x = strtoull(v, &end, 10);
  bool ok = end != v && !*end && v[0] >= '0' && v[0] <= '9' && x >= LV__PART_MIN &&
            x <= LV__PART_MAX_DEFAULT;
  free(v);
  if (!ok) return LV_E_INVALID_PROPERTY;
  *out = x;
  return LV_OK;
}

/* Everything a backup call checks before it is accepted. */
static lv_status prepare_backup(lv__job *j) {
  char *store_dir = lv__prop_dup(j->r, LV_PROP_STORE_PATH);
  char *machine = lv__prop_dup(j->r, LV_PROP_MACHINE_PATH);
  uint8_t box[LV__BOX_PK];
  j->path = lv__prop_dup(j->r, LV_PROP_BACKUP_PATH);
  lv_status rc = j->path && *j->path ? part_size(j->r, &j->part_max) : LV_E_INVALID_PROPERTY;
  if (rc == LV_OK) rc = lv_store_open(&j->store, store_dir, machine);
  if (rc == LV_OK) {
    rc = lv__meta_get(j->store->db, "service_box_pk", box, sizeof box);
    if (rc == LV_E_NOT_FOUND) rc = LV_E_NO_SERVICE;
  }
  if (rc == LV_OK && !(j->flags & LV_BACKUP_OVERWRITE) && lv__backup_present(j->path) == LV_OK)
    rc = LV_E_BACKUP_EXISTS;
  free(store_dir);
  free(machine);
  return rc;
}

lv_status lv_restorer_backup(lv_restorer *r, uint32_t flags, lv_event_cb cb, void *ctx) {
  if (!r || !cb || (flags & ~LV_BACKUP_OVERWRITE)) return LV_E_INVALID_ARG;
  lv_status rc = lv__crypto_init();
  if (rc < 0) return rc;
  if ((rc = reserve(r, LV_OP_BACKUP)) < 0) return rc;
  lv__job *j = lv__calloc(1, sizeof *j);
  if (!j) {
    unreserve(r);
    return LV_E_NOMEM;
  }
  *j = (lv__job){.r = r, .op = LV_OP_BACKUP, .flags = flags, .cb = cb, .ctx = ctx,
                 .run = lv__job_backup};
  if ((rc = prepare_backup(j)) == LV_OK) return lv__job_start(j);
  lv__job_free(j);
  unreserve(r);
  return rc;
}

/* Everything a restore call checks before it is accepted. */
static lv_status prepare_restore(lv__job *j) {
  j->store_dir = lv__prop_dup(j->r, LV_PROP_STORE_PATH);
  j->machine = lv__prop_dup(j->r, LV_PROP_MACHINE_PATH);
  j->service_url = lv__prop_dup(j->r, LV_PROP_SERVICE_URL);
  j->path = lv__prop_dup(j->r, LV_PROP_RESTORE_PATH);
  if (!j->path || !*j->path) return LV_E_INVALID_PROPERTY;
  if (!(j->man = lv__calloc(1, sizeof *j->man))) return LV_E_NOMEM;
  lv_status rc = lv__manifest_load(j->man, j->path);
  if (rc == LV_E_LICENSE_VERSION) rc = LV_E_BACKUP_CORRUPT;
  if (rc < 0) {
    free(j->man);
    j->man = NULL;
    return rc;
  }
  rc = lv_store_open(&j->store, j->store_dir, j->machine);
  /* without an identity, the job individualizes first (when allowed) */
  if (rc == LV_E_NEEDS_INDIV && (j->flags & LV_RESTORE_INDIVIDUALIZE)) rc = LV_OK;
  return rc;
}

lv_status lv_restorer_restore(lv_restorer *r, uint32_t flags, lv_event_cb cb, void *ctx) {
  if (!r || !cb || (flags & ~(LV_RESTORE_INDIVIDUALIZE | LV_RESTORE_DRY_RUN)))
    return LV_E_INVALID_ARG;
  lv_status rc = lv__crypto_init();
  if (rc < 0) return rc;
  if ((rc = reserve(r, LV_OP_RESTORE)) < 0) return rc;
  lv__job *j = lv__calloc(1, sizeof *j);
  if (!j) {
    unreserve(r);
    return LV_E_NOMEM;
  }
  *j = (lv__job){.r = r, .op = LV_OP_RESTORE, .flags = flags, .cb = cb, .ctx = ctx,
                 .run = lv__job_restore};
  if ((rc = prepare_restore(j)) == LV_OK) return lv__job_start(j);
  lv__job_free(j);
  unreserve(r);
  return rc;
}

/* ---- the operation's thread ---- */

void lv__job_free(lv__job *j) {
  if (!j) return;
  lv_store_free(j->store);
  free(j->path);
  free(j->store_dir);
  free(j->machine);
  free(j->service_url);
  if (j->man) {
    lv__manifest_free(j->man);
    free(j->man);
  }
  free(j);
}

void lv__job_emit(lv__job *j, lv_event *ev) {
  ev->op = j->op;
  j->cb(ev, j->ctx);
}

static void *job_main(void *arg) {
  lv__job *j = arg;
  lv_restorer *r = j->r;
  uint64_t done = 0, restricted = 0;
  in_callback = r;
  lv__job_emit(j, &(lv_event){.type = LV_EV_BEGIN});
  /* the job's own result: LV_E_CANCELED when it saw the cancel before its
   * commit point, else what it did (a cancel that came too late is moot) */
  lv_status rc = j->run(j, &done, &restricted);
  lv_store_free(j->store);
  j->store = NULL;
  pthread_mutex_lock(&r->mu);
  r->op = LV_OP_NONE; /* free for the next operation, also from END */
  pthread_mutex_unlock(&r->mu);
  lv__job_emit(j, &(lv_event){.type = LV_EV_END, .status = rc, .done = done,
                             .restricted = restricted});
  in_callback = NULL;
  /* The thread before this one may have started this one from its END:
   * it is past its callbacks by now (or waiting for this END, delivered). */
  if (j->has_prev) pthread_join(j->prev, NULL);
  lv__job_free(j);
  pthread_mutex_lock(&r->mu);
  r->threads--;
  bool gone = r->free_pending && r->threads == 0;
  pthread_cond_broadcast(&r->cv);
  pthread_mutex_unlock(&r->mu);
  if (gone) { /* freed from a callback: no one is left to join this thread */
    pthread_detach(pthread_self());
    destroy(r);
  }
  return NULL;
}

lv_status lv__job_start(lv__job *j) {
  lv_restorer *r = j->r;
  pthread_t th;
  pthread_mutex_lock(&r->mu);
  r->threads++;
  j->prev = r->last;
  j->has_prev = r->has_last;
  int e = pthread_create(&th, NULL, job_main, j);
  if (e) r->threads--;
  else {
    r->last = th;
    r->has_last = true;
  }
  pthread_mutex_unlock(&r->mu);
  if (e) {
    lv__job_free(j);
    unreserve(r);
    return LV_E_NOMEM;
  }
  return LV_OK;
}
