/* test_compat_e2e.c - a whole backup on one computer and restore on another through
 * licvault/wmsdk.h, as SDK code in C does it, against a real licvaultd run in-process. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "fixture.h"
#include "com_callback.h"

#include "licvault/wmsdk.h"
#include "service/svc.h"

#define E2E_MAXEV 64 /* events an operation here may send at most */
#define MAXLIC 16    /* licenses kept per listing */

static const char KID_A[] = "AAAAAAAAAAAAAAAAAAAAAA=="; /* no backup right */
static const char KID_B[] = "AQEBAQEBAQEBAQEBAQEBAQ=="; /* no backup right */
static const char KID_C[] = "AgICAgICAgICAgICAgICAg=="; /* counted plays, two used */

/* The rules every operation's events follow (after cb_settle), with no
 * progress events (Progress is never set here) and at most E2E_MAXEV events:
 * an operation here sends a handful. Returns the END event. */
static const cb_event *check_op(cbk *c) {
  assert_true(cb_count(c) <= E2E_MAXEV);
  return cb_check_op(c, false);
}

/* ======================================================================
 * the object, computers, the service
 * ====================================================================== */

typedef struct objs {
  cbk *creation;
  IWMLicenseBackup *b;
  IWMLicenseRestore *r;
  IWMBackupRestoreProps *p;
} objs;

/* Creates the object and QIs the other two, on the computer store/machine. */
static void obj_new(objs *o, const char *store, const char *machine) {
  memset(o, 0, sizeof *o);
  o->creation = cb_new();
  assert_int_equal(WMCreateBackupRestorer(cb_unk(o->creation), &o->b), S_OK);
  assert_int_equal(IWMLicenseBackup_QueryInterface(o->b, &IID_IWMLicenseRestore, (void **)&o->r),
                   S_OK);
  assert_int_equal(
      IWMLicenseBackup_QueryInterface(o->b, &IID_IWMBackupRestoreProps, (void **)&o->p), S_OK);
  assert_int_equal(prop_set_a(o->p, u"StorePath", store), S_OK);
  assert_int_equal(prop_set_a(o->p, u"MachinePath", machine), S_OK);
}

static void obj_free(objs *o) {
  IWMBackupRestoreProps_Release(o->p);
  IWMLicenseRestore_Release(o->r);
  IWMLicenseBackup_Release(o->b);
  assert_true(cb_wait(o->creation, 0, 1));
  assert_int_equal(cb_count(o->creation), 0); /* events go to the per-call callback */
  cb_free(o->creation);
}

/* A fresh computer: a store folder and machine file that do not exist yet. */
typedef struct computer {
  char *dir, *store, *machine;
} computer;

static void computer_new(computer *c, const char *tag) {
  c->dir = tu_tmpdir(tag);
  assert_non_null(c->dir);
  c->store = tu_path(c->dir, "store");
  c->machine = tu_path(c->dir, "machine.key");
}

static void computer_free(computer *c) { free(c->dir), free(c->store), free(c->machine); }

/* One license as listed: what a restore must carry over. */
typedef struct lic {
  char kid[LV_KID_STRLEN];
  char title[LV_TITLE_MAX + 1];
  uint32_t plays_used, flags, playcount;
} lic;

typedef struct listing {
  lic l[MAXLIC];
  int n;
  bool backup_only; /* keep only licenses whose rights allow backup */
} listing;

static int list_one(const lv_license_info *info, void *ctx) {
  listing *ls = ctx;
  if (ls->backup_only && !(info->rights.flags & LV_RIGHT_BACKUP_RESTORE)) return 0;
  assert_true(ls->n < MAXLIC);
  lic *l = &ls->l[ls->n++];
  memcpy(l->kid, info->kid, sizeof l->kid);
  memcpy(l->title, info->title, sizeof l->title);
  l->plays_used = info->plays_used;
  l->flags = info->rights.flags;
  l->playcount = info->rights.playcount;
  return 0;
}

static int lic_cmp(const void *a, const void *b) {
  const lic *x = a, *y = b;
  int d = strcmp(x->kid, y->kid);
  return d ? d : (x->plays_used > y->plays_used) - (x->plays_used < y->plays_used);
}

static void list_store(lv_store *s, listing *ls, bool backup_only) {
  memset(ls, 0, sizeof *ls);
  ls->backup_only = backup_only;
  assert_int_equal(lv_store_list(s, NULL, list_one, ls), LV_OK);
  qsort(ls->l, (size_t)ls->n, sizeof ls->l[0], lic_cmp);
}

/* The whole scenario's state: computer A, its backup, the service. */
static struct {
  fx a;
  char *usb, *key_dir, *db;
  lv__svc svc;
  lv__http *http;
  bool up;
  char url[64];
  listing backed_up; /* A's licenses that the backup carries */
} g;

static void service_stop(void) {
  if (g.http) lv__http_stop(g.http);
  g.http = NULL;
  if (g.up) lv__svc_fini(&g.svc);
  g.up = false;
}

/* Computer A, pinned to a licvaultd in-process on loopback, with licenses:
 * three Album (backup allowed), two without the backup right, one with
 * counted plays of which two are used. */
static int e2e_setup(void **state) {
  (void)state;
  memset(&g, 0, sizeof g);
  fx_init(&g.a, "cpe-A", true);
  /* the service's keys are the fixture's svc folder */
  g.key_dir = strdup(g.a.svc_key);
  assert_non_null(g.key_dir);
  char *slash = strrchr(g.key_dir, '/');
  assert_non_null(slash);
  *slash = '\0';
  g.db = fx_path(&g.a, "service.db");
  g.usb = fx_path(&g.a, "usb");
  lv__svc_opts o = {.db = g.db, .key_dir = g.key_dir, .listen = "127.0.0.1:0", .quiet = true};
  assert_int_equal(lv__svc_init(&g.svc, &o), LV_OK);
  g.up = true;
  uint16_t port = 0;
  assert_int_equal(lv__http_start(&g.http, &g.svc, &port), LV_OK);
  assert_true(port != 0);
  snprintf(g.url, sizeof g.url, "http://127.0.0.1:%u", (unsigned)port);
  assert_int_equal(lv_store_service_set(g.a.s, g.url, g.a.svc_pub), LV_OK);

  lv_rights r;
  fx_issue(&g.a, "album.lic", 3, NULL, "Album", NULL);
  lv_rights_init(&r); /* play only: no backup right */
  fx_issue(&g.a, "rental-a.lic", 1, KID_A, "Rental A", &r);
  fx_issue(&g.a, "rental-b.lic", 1, KID_B, "Rental B", &r);
  lv_rights_init(&r);
  r.flags |= LV_RIGHT_BACKUP_RESTORE;
  r.playcount = 5;
  fx_issue(&g.a, "counted.lic", 1, KID_C, "Counted", &r);
  lv_use_result u;
  assert_int_equal(lv_store_use(g.a.s, KID_C, &u), LV_OK);
  assert_int_equal(lv_store_use(g.a.s, KID_C, &u), LV_OK);
  assert_int_equal(u.plays_used, 2);
  assert_int_equal(u.plays_left, 3);
  list_store(g.a.s, &g.backed_up, true);
  assert_int_equal(g.backed_up.n, 4);
  return 0;
}

static int e2e_teardown(void **state) {
  (void)state;
  service_stop();
  fx_free(&g.a);
  free(g.usb), free(g.key_dir), free(g.db);
  return 0;
}

/* ======================================================================
 * the tests (in order: each builds on the one before)
 * ====================================================================== */

static void backup_on_computer_a_names_the_restricted_kids(void **state) {
  (void)state;
  objs o;
  obj_new(&o, g.a.store, g.a.machine);
  cbk *c = cb_new();
  assert_int_equal(prop_set_a(o.p, u"BackupPath", g.usb), S_OK);
  assert_int_equal(IWMLicenseBackup_BackupLicenses(o.b, 0, &c->iface), S_OK);
  cb_settle(c, 1);
  const cb_event *end = check_op(c);
  assert_int_equal(end->hr, S_OK);
  assert_int_equal(end->dw, 4); /* licenses written */
  int restricted = 0;
  bool seen_a = false, seen_b = false;
  for (int i = 0; i < c->n; i++) {
    const cb_event *e = &c->ev[i];
    assert_true(e->st != WMT_BACKUPRESTORE_CONNECTING && e->st != WMT_ERROR_WITHURL);
    if (e->st != WMT_RESTRICTED_LICENSE) continue;
    restricted++;
    assert_int_equal(e->hr, S_OK);
    if (w16_eq(e->text, u"AAAAAAAAAAAAAAAAAAAAAA==")) seen_a = true;
    else if (w16_eq(e->text, u"AQEBAQEBAQEBAQEBAQEBAQ==")) seen_b = true;
    else fail_msg("RESTRICTED_LICENSE event %d: a KID that was not restricted", i);
  }
  assert_int_equal(restricted, 2);
  assert_true(seen_a && seen_b);
  assert_int_equal(lv_backup_verify(g.usb, NULL, NULL, NULL), LV_OK);
  cb_free(c);
  obj_free(&o);
}

static void restore_on_computer_b_through_the_service(void **state) {
  (void)state;
  computer b;
  objs o;
  computer_new(&b, "cpe-B");
  obj_new(&o, b.store, b.machine);
  cbk *c = cb_new();
  assert_int_equal(prop_set_a(o.p, u"RestorePath", g.usb), S_OK);
  /* no ServiceUrl: the set names A's service */
  assert_int_equal(IWMLicenseRestore_RestoreLicenses(o.r, WM_RESTORE_INDIVIDUALIZE, &c->iface),
                   S_OK);
  cb_settle(c, 1);
  const cb_event *end = check_op(c);
  assert_int_equal(c->n, 4);
  assert_int_equal(c->ev[0].st, WMT_BACKUPRESTORE_BEGIN);
  assert_int_equal(c->ev[1].st, WMT_BACKUPRESTORE_CONNECTING);
  assert_int_equal(c->ev[2].st, WMT_BACKUPRESTORE_DISCONNECTING);
  assert_int_equal(c->ev[3].st, WMT_BACKUPRESTORE_END);
  for (int i = 0; i < c->n; i++) {
    assert_false(c->ev[i].on_caller);
    assert_int_equal(c->ev[i].hr, S_OK);
  }
  assert_int_equal(end->hr, S_OK);
  assert_int_equal(end->dw, 4); /* licenses now on this computer */
  cb_free(c);
  obj_free(&o);

  /* B's own store has exactly the backed-up licenses, plays used kept */
  lv_store *s = NULL;
  listing got;
  assert_int_equal(lv_store_open(&s, b.store, b.machine), LV_OK);
  list_store(s, &got, false);
  assert_int_equal(got.n, g.backed_up.n);
  for (int i = 0; i < got.n; i++) {
    const lic *x = &got.l[i], *y = &g.backed_up.l[i];
    assert_string_equal(x->kid, y->kid);
    assert_string_equal(x->title, y->title);
    assert_int_equal(x->plays_used, y->plays_used);
    assert_int_equal(x->flags, y->flags);
    assert_int_equal(x->playcount, y->playcount);
  }
  listing counted;
  memset(&counted, 0, sizeof counted);
  assert_int_equal(lv_store_list(s, KID_C, list_one, &counted), LV_OK);
  assert_int_equal(counted.n, 1);
  assert_int_equal(counted.l[0].plays_used, 2);
  assert_int_equal(lv_store_list(s, KID_A, list_one, &counted), LV_E_NOT_FOUND);
  assert_int_equal(lv_store_list(s, KID_B, list_one, &counted), LV_E_NOT_FOUND);
  /* and they play there: the third of five */
  lv_use_result u;
  assert_int_equal(lv_store_use(s, KID_C, &u), LV_OK);
  assert_int_equal(u.plays_used, 3);
  lv_store_free(s);
  computer_free(&b);
}

static void restore_without_individualize_on_a_new_computer_is_refused(void **state) {
  (void)state;
  computer c3;
  objs o;
  computer_new(&c3, "cpe-C");
  obj_new(&o, c3.store, c3.machine);
  cbk *c = cb_new();
  assert_int_equal(prop_set_a(o.p, u"RestorePath", g.usb), S_OK);
  assert_int_equal(IWMLicenseRestore_RestoreLicenses(o.r, 0, &c->iface),
                   NS_E_DRM_NEEDS_INDIVIDUALIZATION);
  assert_true(cb_wait(c, 0, 1)); /* no reference kept */
  assert_int_equal(cb_count(c), 0);
  cb_free(c);
  obj_free(&o);
  lv_store *s = NULL;
  assert_int_equal(lv_store_open(&s, c3.store, c3.machine), LV_E_NEEDS_INDIV);
  computer_free(&c3);
}

static void restore_with_the_service_stopped_ends_unavailable(void **state) {
  (void)state;
  computer d;
  objs o;
  service_stop();
  computer_new(&d, "cpe-D");
  obj_new(&o, d.store, d.machine);
  cbk *c = cb_new();
  assert_int_equal(prop_set_a(o.p, u"RestorePath", g.usb), S_OK);
  assert_int_equal(IWMLicenseRestore_RestoreLicenses(o.r, WM_RESTORE_INDIVIDUALIZE, &c->iface),
                   S_OK);
  cb_settle(c, 1);
  const cb_event *end = check_op(c);
  assert_int_equal(end->hr, NS_E_DRM_RESTORE_SERVICE_UNAVAILABLE);
  assert_int_equal(end->dw, 0);
  int conn = -1, disc = -1;
  for (int i = 0; i < c->n; i++) {
    if (c->ev[i].st == WMT_BACKUPRESTORE_CONNECTING) conn = i;
    if (c->ev[i].st == WMT_BACKUPRESTORE_DISCONNECTING) disc = i;
    assert_true(c->ev[i].st != WMT_RESTRICTED_LICENSE && c->ev[i].st != WMT_ERROR_WITHURL);
  }
  assert_true(conn > 0 && disc > conn && disc < c->n - 1);
  cb_free(c);
  obj_free(&o);
  computer_free(&d);
}

int main(void) {
  const struct CMUnitTest e2e[] = {
      cmocka_unit_test(backup_on_computer_a_names_the_restricted_kids),
      cmocka_unit_test(restore_on_computer_b_through_the_service),
      cmocka_unit_test(restore_without_individualize_on_a_new_computer_is_refused),
      cmocka_unit_test(restore_with_the_service_stopped_ends_unavailable),
  };
  return cmocka_run_group_tests_name("compat_e2e", e2e, e2e_setup, e2e_teardown);
}
