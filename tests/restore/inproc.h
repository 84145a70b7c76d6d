/* inproc.h - for the restore tests: licvaultd in this process on a free
 * loopback port, with the keys of the service a fixture computer pinned,
 * and one backup or restore through the restorer object. */
#ifndef LV_TEST_INPROC_H
#define LV_TEST_INPROC_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "testutil.h"

#include "service/svc.h"

typedef struct inproc {
  lv__svc svc;
  lv__http *http;
  char *key_dir, *db;
  char url[64];
} inproc;

/* Starts the service of computer a (its database in a's folder), at most
 * max_computers computers per license. */
static inline void inproc_start(inproc *s, const fx *a, unsigned max_computers) {
  uint16_t port = 0;
  s->key_dir = strdup(a->svc_key);
  s->db = fx_path(a, "service.db");
  assert_non_null(s->key_dir);
  *strrchr(s->key_dir, '/') = '\0';
  lv__svc_opts o = {.db = s->db, .key_dir = s->key_dir, .listen = "127.0.0.1:0",
                    .max_computers = max_computers, .quiet = true};
  assert_int_equal(lv__svc_init(&s->svc, &o), LV_OK);
  assert_int_equal(lv__http_start(&s->http, &s->svc, &port), LV_OK);
  snprintf(s->url, sizeof s->url, "http://127.0.0.1:%u", (unsigned)port);
}

static inline void inproc_stop(inproc *s) {
  lv__http_stop(s->http);
  lv__svc_fini(&s->svc);
  free(s->key_dir);
  free(s->db);
}

/* A backup of store to path (url NULL), or a restore of path onto store
 * through url, individualizing a new computer: the call's own refusal or
 * END's final code. */
static inline lv_status inproc_op(bool restore, const char *path, const char *store,
                                  const char *machine, const char *url) {
  const char *props[] = {restore ? LV_PROP_RESTORE_PATH : LV_PROP_BACKUP_PATH, path,
                         LV_PROP_STORE_PATH, store, LV_PROP_MACHINE_PATH, machine,
                         url ? LV_PROP_SERVICE_URL : NULL, url, NULL};
  return fx_run(restore, restore ? LV_RESTORE_INDIVIDUALIZE : 0, props);
}

#endif
