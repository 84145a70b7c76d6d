/* fixture.c - scratch computers for the tests (see fixture.h). */
#include "fixture.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "crypto/keyfile.h"

char *fx_path(const fx *f, const char *name) { return tu_path(f->dir, name); }

void fx_init(fx *f, const char *tag, bool service) {
  memset(f, 0, sizeof *f);
  f->dir = tu_tmpdir(tag);
  f->store = fx_path(f, "store");
  f->machine = fx_path(f, "machine.key");
  char *iss = fx_path(f, "iss"), *svc = fx_path(f, "svc");
  f->iss_key = tu_path(iss, "issuer.key");
  f->iss_pub = tu_path(iss, "issuer.pub");
  f->svc_key = tu_path(svc, "service.key");
  f->svc_pub = tu_path(svc, "service.pub");
  f->id = fx_path(f, "me.id");
  assert_int_equal(lv_issuer_keygen(iss, NULL), LV_OK);
  lv__keyfile k;
  assert_int_equal(lv__keyfile_generate(&k, LV__KEY_SERVICE), LV_OK);
  assert_int_equal(lv__keyfile_save_pair(&k, svc, "service"), LV_OK);
  lv__keyfile_wipe(&k);
  const char *trust[1] = {f->iss_pub};
  lv_init_opts o = {service ? "http://127.0.0.1:9" : NULL, service ? f->svc_pub : NULL, trust, 1};
  assert_int_equal(lv_store_create(&f->s, f->store, f->machine, &o), LV_OK);
  assert_int_equal(lv_store_export_identity(f->s, f->id), LV_OK);
  free(iss);
  free(svc);
}

void fx_free(fx *f) {
  lv_store_free(f->s);
  free(f->dir), free(f->store), free(f->machine), free(f->iss_key), free(f->iss_pub);
  free(f->svc_key), free(f->svc_pub), free(f->id);
}

void fx_issue(fx *f, const char *name, unsigned n, const char *kid, const char *title,
              const lv_rights *r) {
  lv_issuer *iss;
  lv_licfile_writer *w;
  lv_rights def;
  char *path = fx_path(f, name);
  if (!r) {
    lv_rights_init(&def);
    def.flags |= LV_RIGHT_BACKUP_RESTORE;
    r = &def;
  }
  assert_int_equal(lv_issuer_open(&iss, f->iss_key), LV_OK);
  assert_int_equal(lv_licfile_create(&w, iss, f->id, path), LV_OK);
  for (unsigned i = 0; i < n; i++) assert_int_equal(lv_licfile_add(w, kid, title, r, NULL), LV_OK);
  assert_int_equal(lv_licfile_commit(w), LV_OK);
  lv_issuer_free(iss);
  assert_int_equal(lv_store_import(f->s, path, NULL, NULL, NULL), LV_OK);
  free(path);
}

typedef struct waiter {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  bool done;
  lv_status end;
} waiter;

static void on_end(const lv_event *ev, void *ctx) {
  waiter *w = ctx;
  if (ev->type != LV_EV_END) return;
  pthread_mutex_lock(&w->mu);
  w->done = true;
  w->end = ev->status;
  pthread_cond_signal(&w->cv);
  pthread_mutex_unlock(&w->mu);
}

lv_status fx_run(bool restore, uint32_t flags, const char *const *props) {
  lv_restorer *r;
  lv_status rc = lv_restorer_create(&r);
  if (rc != LV_OK) return rc;
  for (size_t i = 0; props[i]; i += 2)
    if ((rc = lv_restorer_set_prop(r, props[i], props[i + 1])) != LV_OK) {
      lv_restorer_free(r);
      return rc;
    }
  waiter w = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, LV_OK};
  rc = restore ? lv_restorer_restore(r, flags, on_end, &w) : lv_restorer_backup(r, flags, on_end, &w);
  if (rc == LV_OK) {
    pthread_mutex_lock(&w.mu);
    while (!w.done) pthread_cond_wait(&w.cv, &w.mu);
    pthread_mutex_unlock(&w.mu);
    rc = w.end;
  }
  lv_restorer_free(r);
  return rc;
}
