/* test_torture.c - every mutating operation of a computer, run once per
 * possible failure point (tests/support/torture.h): import, delete, use,
 * backup (new and overwrite) and restore through an in-process licvaultd.
 * After each run the invariants hold (tests/support/invariants.h): the
 * store opens and checks clean, it is as before or as after a clean run,
 * plays never go down or jump, the backup folder holds the old set, the new
 * one or none, the service never exceeds its limit; and a clean retry
 * succeeds (nothing is wedged). The service's own grant path is tortured in
 * tests/service/test_service_faults.c. make test runs a spread of failure
 * points; make check-faults (LV_TORTURE=full) runs every one. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "invariants.h"
#include "testutil.h"
#include "torture.h"

#include "core/timeutil.h"
#include "crypto/crypto.h"
#include "service/svc.h"

static const char KID_SHARED[] = "AwMDAwMDAwMDAwMDAwMDAw=="; /* two licenses */
static const char KID_COUNTED[] = "BAQEBAQEBAQEBAQEBAQEBA=="; /* 5 plays, 2 used */
/* enough licenses for a set of several 64 KiB parts */
#define PLAIN 180
#define BACKED_UP (PLAIN + 3)

/* ---------------------------------------------------------------------
 * a computer with licenses, a pristine copy of its store, and snapshots
 * --------------------------------------------------------------------- */

typedef struct world {
  fx f;
  char *pristine, *newlic, *usb, *oldset;
  inv_snap before, want;
  inv_set old_set, new_set;
  bool overwrite;     /* backup: over an old set */
  int64_t when;       /* backup: the fixed clock */
  uint8_t seed[32];   /* backup: the fixed randomness */
  lv_status (*mutate)(struct world *w, lv_store *s);
  uint32_t max_step;
} world;

static void issue_file(fx *f, const char *name, unsigned n) {
  lv_issuer *iss;
  lv_licfile_writer *w;
  lv_rights r;
  lv_rights_init(&r);
  r.flags |= LV_RIGHT_BACKUP_RESTORE;
  char *path = fx_path(f, name);
  assert_int_equal(lv_issuer_open(&iss, f->iss_key), LV_OK);
  assert_int_equal(lv_licfile_create(&w, iss, f->id, path), LV_OK);
  for (unsigned i = 0; i < n; i++) assert_int_equal(lv_licfile_add(w, NULL, "New", &r, NULL), LV_OK);
  assert_int_equal(lv_licfile_commit(w), LV_OK);
  lv_issuer_free(iss);
  free(path);
}

/* Licenses: PLAIN plain, 2 sharing a KID, 1 counted with 2 plays used, 2
 * without the backup right; new.lic holds 30 more, not imported. */
static void world_init(world *w, const char *tag) {
  memset(w, 0, sizeof *w);
  fx_init(&w->f, tag, true);
  lv_rights r;
  fx_issue(&w->f, "plain.lic", PLAIN, NULL, "Plain", NULL);
  fx_issue(&w->f, "shared.lic", 2, KID_SHARED, "Shared", NULL);
  lv_rights_init(&r);
  r.flags |= LV_RIGHT_BACKUP_RESTORE;
  r.playcount = 5;
  fx_issue(&w->f, "counted.lic", 1, KID_COUNTED, "Counted", &r);
  lv_use_result u;
  assert_int_equal(lv_store_use(w->f.s, KID_COUNTED, &u), LV_OK);
  assert_int_equal(lv_store_use(w->f.s, KID_COUNTED, &u), LV_OK);
  lv_rights_init(&r);
  fx_issue(&w->f, "nobackup.lic", 2, NULL, "Rental", &r);
  issue_file(&w->f, "new.lic", 30);
  w->newlic = fx_path(&w->f, "new.lic");
  w->usb = fx_path(&w->f, "usb");
  w->oldset = fx_path(&w->f, "oldset");
  /* closing checkpoints the WAL into store.db: the copy is the whole store */
  lv_store_free(w->f.s);
  w->f.s = NULL;
  w->pristine = fx_path(&w->f, "pristine");
  assert_int_equal(tu_copy_dir(w->f.store, w->pristine), 0);
  char why[INV_WHY];
  if (!inv_store_snap(&w->before, w->f.store, w->f.machine, why)) fail_msg("%s", why);
}

static void world_free(world *w) {
  inv_snap_free(&w->before);
  inv_snap_free(&w->want);
  free(w->pristine), free(w->newlic), free(w->usb), free(w->oldset);
  fx_free(&w->f);
}

static void store_reset(void *ctx) {
  world *w = ctx;
  assert_int_equal(tu_copy_dir(w->pristine, w->f.store), 0);
}

/* open + the mutation + close: the whole command, as `licvault` runs it */
static lv_status store_run(void *ctx) {
  world *w = ctx;
  lv_store *s;
  lv_status rc = lv_store_open(&s, w->f.store, w->f.machine);
  if (rc != LV_OK) return rc;
  rc = w->mutate(w, s);
  lv_store_free(s);
  return rc;
}

static void store_check(void *ctx, lv_status rc, lv__fault_point p, unsigned long k) {
  world *w = ctx;
  char why[INV_WHY];
  inv_snap after;
  int which = -1;
  if (!inv_store_snap(&after, w->f.store, w->f.machine, why))
    fail_msg("%s #%lu: %s", tt_point_name(p), k, why);
  if (!inv_store_one_of(&after, &w->before, &w->want, w->max_step, &which, why))
    fail_msg("%s #%lu: %s", tt_point_name(p), k, why);
  /* success means the change is there; a failure may only have left the
   * store as it was, except when the commit itself reached the disk and a
   * later step (closing) failed: then it is the new state, wholly */
  if (rc == LV_OK && which != 1) fail_msg("%s #%lu: succeeded, store unchanged", tt_point_name(p), k);
  inv_snap_free(&after);
  if (rc != LV_OK) {
    /* nothing is wedged: the same command, again, works and gives the
     * state of a clean run */
    lv_status again = store_run(ctx);
    if (which == 0 && again != LV_OK)
      fail_msg("%s #%lu: the retry failed: %s", tt_point_name(p), k, lv_status_str(again));
    if (!inv_store_snap(&after, w->f.store, w->f.machine, why) ||
        !inv_store_one_of(&after, &w->before, &w->want, w->max_step, &which, why) || which != 1)
      fail_msg("%s #%lu: after the retry: %s", tt_point_name(p), k, which == 0 ? "unchanged" : why);
    inv_snap_free(&after);
  }
}

/* The clean outcome, from one run. */
static void learn_want(world *w) {
  char why[INV_WHY];
  store_reset(w);
  assert_int_equal(store_run(w), LV_OK);
  if (!inv_store_snap(&w->want, w->f.store, w->f.machine, why)) fail_msg("%s", why);
  assert_false(inv_snap_equal(&w->want, &w->before));
}

static void torture_store_op(const char *name, lv_status (*mutate)(world *, lv_store *),
                             uint32_t max_step) {
  world w;
  world_init(&w, name);
  w.mutate = mutate;
  w.max_step = max_step;
  learn_want(&w);
  tt_op op = {name, store_reset, store_run, store_check, &w};
  tt_stats st = tt_torture(&op, tt_all_points, TT_ALL);
  assert_true(st.runs > 0);
  world_free(&w);
}

static lv_status do_import(world *w, lv_store *s) {
  lv_import_result res;
  lv_status rc = lv_store_import(s, w->newlic, &res, NULL, NULL);
  if (rc == LV_OK) assert_int_equal(res.imported, 30);
  return rc;
}

static lv_status do_delete(world *w, lv_store *s) {
  (void)w;
  unsigned n = 0;
  lv_status rc = lv_store_delete(s, KID_SHARED, &n);
  if (rc == LV_OK) assert_int_equal(n, 2);
  return rc;
}

static lv_status do_use(world *w, lv_store *s) {
  (void)w;
  lv_use_result u;
  lv_status rc = lv_store_use(s, KID_COUNTED, &u);
  if (rc == LV_OK) assert_int_equal(u.plays_used, 3);
  return rc;
}

static void import_under_every_failure(void **state) {
  (void)state;
  torture_store_op("import", do_import, 0);
}

static void delete_under_every_failure(void **state) {
  (void)state;
  torture_store_op("delete", do_delete, 0);
}

static void use_under_every_failure(void **state) {
  (void)state;
  torture_store_op("use", do_use, 1);
}

/* ---------------------------------------------------------------------
 * backup: fixed clock and randomness make a set byte-identical run to run,
 * so "the new set" is one exact manifest
 * --------------------------------------------------------------------- */

static void backup_release_inputs(void) {
  lv__time_set_fake(0);
  lv__random_set_fake(NULL);
}

static lv_status backup_run(void *ctx) {
  world *w = ctx;
  const char *props[] = {LV_PROP_BACKUP_PATH, w->usb, LV_PROP_STORE_PATH, w->f.store,
                         LV_PROP_MACHINE_PATH, w->f.machine, LV_PROP_PART_SIZE, "65536", NULL};
  lv__time_set_fake(w->when);
  lv__random_set_fake(w->seed);
  return fx_run(false, w->overwrite ? LV_BACKUP_OVERWRITE : 0, props);
}

static void backup_new_reset(void *ctx) {
  world *w = ctx;
  assert_int_equal(tu_rm_dir(w->usb), 0);
}

static void backup_over_reset(void *ctx) {
  world *w = ctx;
  assert_int_equal(tu_copy_dir(w->oldset, w->usb), 0);
}

static void backup_check(void *ctx, lv_status rc, lv__fault_point p, unsigned long k) {
  world *w = ctx;
  char why[INV_WHY];
  bool over = w->overwrite;
  inv_set got;
  if (!inv_backup_one_of(w->usb, over ? &w->old_set : NULL, &w->new_set, !over, why))
    fail_msg("%s #%lu: %s", tt_point_name(p), k, why);
  bool is_new = inv_set_of(w->usb, &got) && got.created == w->new_set.created;
  if (rc == LV_OK && !is_new) fail_msg("%s #%lu: succeeded without the new set", tt_point_name(p), k);
  /* a failure leaves the old set (or none), except when only the folder's
   * fsync after the manifest's rename failed: the new set, not yet known
   * durable (docs/format.md) */
  if (rc != LV_OK && is_new && p != LV_FAULT_DIRSYNC)
    fail_msg("%s #%lu: failed (%s) but the new set is in place", tt_point_name(p), k,
             lv_status_name(rc));
  /* the store is read, never written, by a backup */
  inv_snap now;
  if (!inv_store_snap(&now, w->f.store, w->f.machine, why)) fail_msg("%s", why);
  assert_true(inv_snap_equal(&now, &w->before));
  inv_snap_free(&now);
}

static void torture_backup(bool overwrite) {
  world w;
  world_init(&w, overwrite ? "backup-over" : "backup-new");
  /* the old set: written at another moment, with other randomness */
  w.when = 1800000000;
  w.seed[0] = 7;
  if (overwrite) {
    assert_int_equal(backup_run(&w), LV_OK);
    assert_true(inv_set_of(w.usb, &w.old_set));
    assert_int_equal(tu_copy_dir(w.usb, w.oldset), 0);
  }
  w.overwrite = overwrite;
  w.when += 600;
  w.seed[0] = 8;
  /* the new set; with the clock and randomness fixed, the same bytes each
   * time (an injected failure that the backup survives may shift the
   * random stream, so the invariant compares what the manifests say) */
  overwrite ? backup_over_reset(&w) : backup_new_reset(&w);
  assert_int_equal(backup_run(&w), LV_OK);
  assert_true(inv_set_of(w.usb, &w.new_set));
  assert_int_equal(w.new_set.licenses, BACKED_UP);
  size_t n1, n2;
  char *man = tu_path(w.usb, "LVBACKUP.MAN");
  uint8_t *first = tu_read(man, &n1);
  overwrite ? backup_over_reset(&w) : backup_new_reset(&w);
  assert_int_equal(backup_run(&w), LV_OK);
  uint8_t *second = tu_read(man, &n2);
  assert_non_null(first), assert_non_null(second);
  assert_int_equal(n1, n2);
  assert_memory_equal(first, second, n1);
  free(first), free(second), free(man);
  if (overwrite) assert_true(w.old_set.created != w.new_set.created);
  tt_op op = {overwrite ? "backup --overwrite" : "backup", overwrite ? backup_over_reset : backup_new_reset,
              backup_run, backup_check, &w};
  tt_torture(&op, tt_all_points, TT_ALL);
  backup_release_inputs();
  world_free(&w);
}

static void backup_under_every_failure(void **state) {
  (void)state;
  torture_backup(false);
}

static void backup_overwrite_under_every_failure(void **state) {
  (void)state;
  torture_backup(true);
}

/* ---------------------------------------------------------------------
 * restore onto computer B through an in-process licvaultd
 * --------------------------------------------------------------------- */

typedef struct rworld {
  world a;
  char *b_store, *b_machine, *b_pristine, *key_dir, *db, url[64];
  lv__svc svc;
  lv__http *http;
  inv_snap b_before, b_want;
} rworld;

static lv_status restore_run(void *ctx) {
  rworld *r = ctx;
  const char *props[] = {LV_PROP_RESTORE_PATH, r->a.usb,        LV_PROP_STORE_PATH, r->b_store,
                         LV_PROP_MACHINE_PATH, r->b_machine,    LV_PROP_SERVICE_URL, r->url,
                         NULL};
  return fx_run(true, 0, props);
}

static void restore_reset(void *ctx) {
  rworld *r = ctx;
  assert_int_equal(tu_copy_dir(r->b_pristine, r->b_store), 0);
}

static void restore_check(void *ctx, lv_status rc, lv__fault_point p, unsigned long k) {
  rworld *r = ctx;
  char why[INV_WHY];
  inv_snap after;
  int which = -1;
  if (!inv_store_snap(&after, r->b_store, r->b_machine, why) ||
      !inv_store_one_of(&after, &r->b_before, &r->b_want, 0, &which, why))
    fail_msg("%s #%lu: %s", tt_point_name(p), k, why);
  inv_snap_free(&after);
  if ((rc == LV_OK) != (which == 1))
    fail_msg("%s #%lu: returned %s with the store %s", tt_point_name(p), k, lv_status_name(rc),
             which ? "restored" : "unchanged");
  uint64_t grants = 0;
  if (!inv_service_limits(r->db, 4, &grants, why)) fail_msg("%s", why);
  /* B holds each license at most once, whatever was retried */
  if (grants > BACKED_UP)
    fail_msg("%s #%lu: %llu grants for %d licenses", tt_point_name(p), k,
             (unsigned long long)grants, BACKED_UP);
  /* a failed restore, retried as it is, succeeds */
  if (rc != LV_OK) {
    lv_status again = restore_run(ctx);
    if (again != LV_OK)
      fail_msg("%s #%lu: the retry failed: %s", tt_point_name(p), k, lv_status_str(again));
  }
}

static void restore_under_every_failure(void **state) {
  (void)state;
  rworld r;
  memset(&r, 0, sizeof r);
  world_init(&r.a, "restore-A");
  r.key_dir = strdup(r.a.f.svc_key);
  *strrchr(r.key_dir, '/') = '\0';
  r.db = fx_path(&r.a.f, "service.db");
  lv__svc_opts o = {.db = r.db, .key_dir = r.key_dir, .listen = "127.0.0.1:0", .quiet = true};
  assert_int_equal(lv__svc_init(&r.svc, &o), LV_OK);
  uint16_t port = 0;
  assert_int_equal(lv__http_start(&r.http, &r.svc, &port), LV_OK);
  snprintf(r.url, sizeof r.url, "http://127.0.0.1:%u", (unsigned)port);
  /* A's set: the licenses with the backup right (the counted one with its
   * two plays) */
  const char *props[] = {LV_PROP_BACKUP_PATH, r.a.usb, LV_PROP_STORE_PATH, r.a.f.store,
                         LV_PROP_MACHINE_PATH, r.a.f.machine, NULL};
  assert_int_equal(fx_run(false, 0, props), LV_OK);
  /* computer B: its own binding, A's issuer trusted, the same service */
  r.b_store = fx_path(&r.a.f, "b-store");
  r.b_machine = fx_path(&r.a.f, "b-machine.key");
  r.b_pristine = fx_path(&r.a.f, "b-pristine");
  const char *trust[1] = {r.a.f.iss_pub};
  lv_init_opts io = {r.url, r.a.f.svc_pub, trust, 1};
  lv_store *b;
  assert_int_equal(lv_store_create(&b, r.b_store, r.b_machine, &io), LV_OK);
  lv_store_free(b);
  assert_int_equal(tu_copy_dir(r.b_store, r.b_pristine), 0);
  char why[INV_WHY];
  if (!inv_store_snap(&r.b_before, r.b_store, r.b_machine, why)) fail_msg("%s", why);
  assert_int_equal(restore_run(&r), LV_OK);
  if (!inv_store_snap(&r.b_want, r.b_store, r.b_machine, why)) fail_msg("%s", why);
  assert_int_equal(r.b_want.n, BACKED_UP);
  tt_op op = {"restore", restore_reset, restore_run, restore_check, &r};
  tt_torture(&op, tt_all_points, TT_ALL);
  lv__http_stop(r.http);
  lv__svc_fini(&r.svc);
  inv_snap_free(&r.b_before);
  inv_snap_free(&r.b_want);
  free(r.b_store), free(r.b_machine), free(r.b_pristine), free(r.key_dir), free(r.db);
  world_free(&r.a);
}

int main(void) {
  lv__crypto_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(import_under_every_failure),
      cmocka_unit_test(delete_under_every_failure),
      cmocka_unit_test(use_under_every_failure),
      cmocka_unit_test(backup_under_every_failure),
      cmocka_unit_test(backup_overwrite_under_every_failure),
      cmocka_unit_test(restore_under_every_failure),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
