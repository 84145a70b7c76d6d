/* test_store.c - the license store: individualization and binding, import
 * all-or-nothing (also across batches and under allocation faults), use and
 * rollback, concurrency between processes, and no secret on disk. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#include "core/encoding.h"
#include "core/fault.h"
#include "core/file.h"
#include "core/timeutil.h"
#include "license/license.h"
#include "store/store.h"

typedef struct fx {
  char *dir, *store, *machine, *iss_dir, *iss_key, *iss_pub, *id;
  lv_store *s;
} fx;

static void mkfx(fx *f, const char *tag) {
  memset(f, 0, sizeof *f);
  f->dir = tu_tmpdir(tag);
  f->store = tu_path(f->dir, "store");
  f->machine = tu_path(f->dir, "machine.key");
  f->iss_dir = tu_path(f->dir, "iss");
  f->iss_key = tu_path(f->iss_dir, "issuer.key");
  f->iss_pub = tu_path(f->iss_dir, "issuer.pub");
  f->id = tu_path(f->dir, "me.id");
  assert_int_equal(lv_issuer_keygen(f->iss_dir, NULL), LV_OK);
  const char *trust[1] = {f->iss_pub};
  lv_init_opts o = {NULL, NULL, trust, 1};
  assert_int_equal(lv_store_create(&f->s, f->store, f->machine, &o), LV_OK);
  assert_int_equal(lv_store_export_identity(f->s, f->id), LV_OK);
}

static void rmfx(fx *f) {
  lv_store_free(f->s);
  free(f->dir), free(f->store), free(f->machine), free(f->iss_dir);
  free(f->iss_key), free(f->iss_pub), free(f->id);
}

/* Issues n licenses (KIDs random unless kid) with rights r into name. */
static char *issue(fx *f, const char *name, unsigned n, const char *kid, const lv_rights *r) {
  lv_issuer *iss;
  lv_licfile_writer *w;
  lv_rights def;
  char *path = tu_path(f->dir, name);
  if (!r) lv_rights_init(&def), r = &def;
  assert_int_equal(lv_issuer_open(&iss, f->iss_key), LV_OK);
  assert_int_equal(lv_licfile_create(&w, iss, f->id, path), LV_OK);
  for (unsigned i = 0; i < n; i++) assert_int_equal(lv_licfile_add(w, kid, "t", r, NULL), LV_OK);
  assert_int_equal(lv_licfile_commit(w), LV_OK);
  lv_issuer_free(iss);
  return path;
}

static uint64_t count(lv_store *s) {
  lv_store_info info;
  assert_int_equal(lv_store_get_info(s, &info), LV_OK);
  return info.licenses;
}

static void create_then_open_same_computer(void **state) {
  (void)state;
  fx f;
  struct stat st;
  mkfx(&f, "open");
  lv_store *s2 = NULL;
  assert_int_equal(lv_store_open(&s2, f.store, f.machine), LV_OK);
  lv_store_free(s2);
  assert_int_equal(stat(f.machine, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600);
  assert_int_equal(stat(f.store, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0700);
  rmfx(&f);
}

static void create_twice_is_already_individualized(void **state) {
  (void)state;
  fx f;
  lv_store *s2 = NULL;
  mkfx(&f, "twice");
  assert_int_equal(lv_store_create(&s2, f.store, f.machine, NULL), LV_E_ALREADY_INDIV);
  assert_null(s2);
  rmfx(&f);
}

static void open_without_store_needs_individualization(void **state) {
  (void)state;
  char *d = tu_tmpdir("none");
  lv_store *s = NULL;
  char *m = tu_path(d, "m.key");
  assert_int_equal(lv_store_open(&s, d, m), LV_E_NEEDS_INDIV);
  assert_null(s);
  assert_int_not_equal(access(m, F_OK), 0); /* opening creates no secret */
  free(d), free(m);
}

static void other_binding_is_invalid_machine(void **state) {
  (void)state;
  fx f;
  lv_store *s2 = NULL;
  mkfx(&f, "bind");
  char *other = tu_path(f.dir, "other.key");
  /* no secret at all: another computer */
  assert_int_equal(lv_store_open(&s2, f.store, other), LV_E_INVALID_MACHINE);
  /* another computer's secret */
  lv_store *s3;
  char *d3 = tu_path(f.dir, "store3");
  assert_int_equal(lv_store_create(&s3, d3, other, NULL), LV_OK);
  lv_store_free(s3);
  assert_int_equal(lv_store_open(&s2, f.store, other), LV_E_INVALID_MACHINE);
  /* a damaged secret file is not a crash either */
  assert_int_equal(tu_write(other, "licvault-machine 1\nzz\n", 22), 0);
  assert_int_equal(lv_store_open(&s2, f.store, other), LV_E_INVALID_MACHINE);
  assert_null(s2);
  free(other), free(d3);
  rmfx(&f);
}

static void import_list_use_roundtrip(void **state) {
  (void)state;
  fx f;
  lv_rights r;
  lv_import_result res;
  lv_use_result u;
  mkfx(&f, "rt");
  lv_rights_init(&r);
  r.playcount = 2;
  char *p = issue(&f, "a.lic", 1, "AAAAAAAAAAAAAAAAAAAAAA==", &r);
  assert_int_equal(lv_store_import(f.s, p, &res, NULL, NULL), LV_OK);
  assert_int_equal(res.imported, 1);
  assert_int_equal(lv_store_import(f.s, p, &res, NULL, NULL), LV_OK);
  assert_int_equal(res.imported, 0);
  assert_int_equal(res.present, 1);
  assert_int_equal(lv_store_use(f.s, "AAAAAAAAAAAAAAAAAAAAAA==", &u), LV_OK);
  assert_int_equal(u.plays_used, 1);
  assert_int_equal(u.plays_left, 1);
  assert_int_equal(lv_store_use(f.s, "AAAAAAAAAAAAAAAAAAAAAA==", &u), LV_OK);
  assert_int_equal(lv_store_use(f.s, "AAAAAAAAAAAAAAAAAAAAAA==", &u), LV_E_NO_RIGHTS);
  /* re-importing the same file does not reset the plays used */
  assert_int_equal(lv_store_import(f.s, p, &res, NULL, NULL), LV_OK);
  assert_int_equal(lv_store_use(f.s, "AAAAAAAAAAAAAAAAAAAAAA==", &u), LV_E_NO_RIGHTS);
  assert_int_equal(lv_store_use(f.s, "not a kid", &u), LV_E_INVALID_ARG);
  free(p);
  rmfx(&f);
}

static bool has_index(lv_store *s, const char *name) {
  sqlite3_stmt *st;
  assert_int_equal(sqlite3_prepare_v2(s->db, "SELECT count(*) FROM sqlite_master WHERE name = ?1",
                                      -1, &st, NULL),
                   SQLITE_OK);
  sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  bool has = sqlite3_column_int(st, 0) == 1;
  sqlite3_finalize(st);
  return has;
}

/* Bumped by every schema change: a bulk load drops and makes indexes. */
static int schema_version(lv_store *s) {
  sqlite3_stmt *st;
  assert_int_equal(sqlite3_prepare_v2(s->db, "PRAGMA schema_version", -1, &st, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  int v = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  return v;
}

static uint64_t check_problems(lv_store *s) {
  uint64_t n = 99;
  assert_int_equal(lv_store_check(s, NULL, NULL, &n), LV_OK);
  return n;
}

/* The license file at path with its first record listed again at the end
 * (docs/license-format.md: a new count and trailer hash), as dup. */
static char *with_first_twice(const fx *f, const char *path) {
  uint8_t *in;
  size_t n;
  assert_int_equal(lv__file_read_all(path, 1 << 26, &in, &n), LV_OK);
  uint8_t *out = malloc(n + 1024);
  assert_non_null(out);
  size_t o = 8, i = 8, first = 8;
  uint64_t cnt = 0;
  memcpy(out, in, 8);
  for (;;) {
    uint32_t len;
    memcpy(&len, in + i, 4);
    if (!len) break;
    memcpy(out + o, in + i, 4 + len);
    o += 4 + len, i += 4 + len, cnt++;
  }
  uint32_t len0;
  memcpy(&len0, in + first, 4);
  memcpy(out + o, in + first, 4 + len0);
  o += 4 + len0, cnt++;
  memset(out + o, 0, 4);
  memcpy(out + o + 4, &cnt, 8);
  o += 12;
  lv__hash(out + o, out, o);
  o += LV__HASH;
  char *dup = tu_path(f->dir, "dup.lic");
  assert_int_equal(tu_write(dup, out, o), 0);
  free(in), free(out);
  return dup;
}

/* Into an empty store the indexes are built after the load: a file that
 * names a license twice still stores it once (the second is "present"),
 * and the indexes are there when it commits, and when it fails. */
static void bulk_import_into_empty_store(void **state) {
  (void)state;
  fx f;
  lv_import_result res;
  mkfx(&f, "bulk");
  char *many = issue(&f, "many.lic", 3000, NULL, NULL);
  char *dup = with_first_twice(&f, many);
  /* a failed bulk load (the trailer altered) leaves the indexes */
  assert_int_equal(tu_flip(many, 8 + 3000L * 285 + 12), 0);
  assert_true(lv_store_import(f.s, many, &res, NULL, NULL) < 0);
  assert_int_equal(count(f.s), 0);
  assert_true(has_index(f.s, "licenses_lid") && has_index(f.s, "licenses_kid"));
  int v0 = schema_version(f.s);
  assert_int_equal(lv_store_import(f.s, dup, &res, NULL, NULL), LV_OK);
  assert_true(schema_version(f.s) > v0); /* the bulk path ran */
  assert_int_equal(res.imported, 3000);
  assert_int_equal(res.present, 1);
  assert_int_equal(count(f.s), 3000);
  assert_true(has_index(f.s, "licenses_lid") && has_index(f.s, "licenses_kid"));
  assert_int_equal(check_problems(f.s), 0);
  /* not empty any more: the ordinary path, the same answer */
  v0 = schema_version(f.s);
  assert_int_equal(lv_store_import(f.s, dup, &res, NULL, NULL), LV_OK);
  assert_int_equal(schema_version(f.s), v0);
  assert_int_equal(res.imported, 0);
  assert_int_equal(res.present, 3001);
  /* check names a missing index */
  assert_int_equal(sqlite3_exec(f.s->db, "DROP INDEX licenses_kid", NULL, NULL, NULL), SQLITE_OK);
  assert_int_equal(check_problems(f.s), 1);
  free(many), free(dup);
  rmfx(&f);
}

static int page_size(lv_store *s) {
  sqlite3_stmt *st;
  assert_int_equal(sqlite3_prepare_v2(s->db, "PRAGMA page_size", -1, &st, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  int v = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  return v;
}

/* A new store gets 64 KiB pages; a store made before (4 KiB pages) keeps
 * its own and loads, lists and checks as before. */
static void page_size_new_large_old_kept(void **state) {
  (void)state;
  fx f;
  lv_import_result res;
  mkfx(&f, "pages");
  assert_int_equal(page_size(f.s), 65536);
  char *lic = issue(&f, "some.lic", 300, NULL, NULL);
  /* the store as an older licvault made it */
  assert_int_equal(sqlite3_exec(f.s->db,
                                "PRAGMA journal_mode=DELETE; PRAGMA page_size=4096; VACUUM;"
                                " PRAGMA journal_mode=WAL;",
                                NULL, NULL, NULL),
                   SQLITE_OK);
  lv_store_free(f.s);
  assert_int_equal(lv_store_open(&f.s, f.store, f.machine), LV_OK);
  assert_int_equal(page_size(f.s), 4096);
  assert_int_equal(lv_store_import(f.s, lic, &res, NULL, NULL), LV_OK);
  assert_int_equal(res.imported, 300);
  lv_store_free(f.s);
  assert_int_equal(lv_store_open(&f.s, f.store, f.machine), LV_OK);
  assert_int_equal(page_size(f.s), 4096);
  assert_int_equal(count(f.s), 300);
  assert_int_equal(check_problems(f.s), 0);
  free(lic);
  rmfx(&f);
}

/* Offsets in a file of issue()'s licenses: header 8, each record 4 + 281. */
static long rec_at(long n) { return 8 + (n - 1) * 285; }         /* license n's length */
static long sig_last(long n) { return rec_at(n) + 4 + 281 - 1; } /* its signature's last byte */

/* License n's KID as the file has it. */
static void kid_of(const char *path, long n, char kid[LV_KID_STRLEN]) {
  size_t len;
  uint8_t *b = tu_read(path, &len);
  lv__license l;
  assert_non_null(b);
  assert_true((size_t)rec_at(n) + 4 + 281 <= len);
  assert_int_equal(lv__license_decode(&l, b + rec_at(n) + 4, 281), LV_OK);
  lv__b64_encode(kid, l.kid, LV_KID_LEN);
  free(b);
}

/* The trailer's hash made right again after a change to the records: the
 * file then reads whole, and only a signature can tell. */
static void reseal_trailer(const char *path) {
  size_t len;
  uint8_t *b = tu_read(path, &len);
  assert_non_null(b);
  assert_true(len > LV__HASH);
  lv__hash(b + len - LV__HASH, b, len - LV__HASH);
  assert_int_equal(tu_write(path, b, len), 0);
  free(b);
}

/* A file that reads whole but holds a license its issuer did not sign: the
 * reader finds nothing wrong and has stored everything when the verdict
 * comes; the commit waits for it, so nothing is kept. */
static void import_commits_only_after_every_signature(void **state) {
  (void)state;
  fx f;
  lv_import_result res;
  char kid[LV_KID_STRLEN];
  mkfx(&f, "verdict");
  char *p = issue(&f, "whole.lic", 5000, NULL, NULL);
  assert_int_equal(tu_flip(p, sig_last(4999)), 0);
  reseal_trailer(p);
  kid_of(p, 4999, kid);
  assert_int_equal(lv_store_import(f.s, p, &res, NULL, NULL), LV_E_BAD_SIGNATURE);
  assert_int_equal(res.failed_at, 4999);
  assert_string_equal(res.failed_kid, kid);
  assert_int_equal(res.imported, 0);
  assert_int_equal(count(f.s), 0);
  assert_int_equal(tu_flip(p, sig_last(4999)), 0); /* the control: whole again */
  reseal_trailer(p);
  assert_int_equal(lv_store_import(f.s, p, &res, NULL, NULL), LV_OK);
  assert_int_equal(count(f.s), 5000);
  free(p);
  rmfx(&f);
}

/* A bad license far past the first batch: everything before it goes too.
 * Signatures are checked behind the reader, so the bad one is still named
 * before a later problem the reader meets first (the file cut short). */
static void import_is_all_or_nothing_across_batches(void **state) {
  (void)state;
  fx f;
  lv_import_result res;
  mkfx(&f, "aon");
  char *p = issue(&f, "big.lic", 5000, NULL, NULL);
  char kid[LV_KID_STRLEN];
  assert_int_equal(tu_flip(p, sig_last(4500)), 0);
  kid_of(p, 4500, kid);
  assert_int_equal(tu_truncate(p, rec_at(4501) + 100), 0);
  assert_int_equal(lv_store_import(f.s, p, &res, NULL, NULL), LV_E_BAD_SIGNATURE);
  assert_int_equal(res.failed_at, 4500);
  assert_string_equal(res.failed_kid, kid);
  assert_int_equal(res.imported, 0);
  assert_int_equal(count(f.s), 0);
  free(p);
  rmfx(&f);
}

/* A record that does not decode comes first: it is named, and a bad
 * signature after it is never looked at. */
static void import_names_the_first_problem_in_file_order(void **state) {
  (void)state;
  fx f;
  lv_import_result res;
  mkfx(&f, "order");
  char *q = issue(&f, "q.lic", 5000, NULL, NULL);
  assert_int_equal(tu_flip(q, rec_at(1001) + 4), 0); /* its magic */
  assert_int_equal(tu_flip(q, sig_last(2000)), 0);
  assert_int_equal(lv_store_import(f.s, q, &res, NULL, NULL), LV_E_LICENSE_CORRUPT);
  assert_int_equal(res.failed_at, 1001);
  assert_int_equal(res.failed_kid[0], '\0');
  assert_int_equal(count(f.s), 0);
  free(q);
  rmfx(&f);
}

static int cancel_at_first(uint64_t done, void *ctx) {
  (void)done;
  (*(int *)ctx)++;
  return 1;
}

static void import_cancel_changes_nothing(void **state) {
  (void)state;
  fx f;
  int calls = 0;
  mkfx(&f, "cancel");
  char *p = issue(&f, "big.lic", 5000, NULL, NULL);
  assert_int_equal(lv_store_import(f.s, p, NULL, cancel_at_first, &calls), LV_E_CANCELED);
  assert_int_equal(calls, 1);
  assert_int_equal(count(f.s), 0);
  free(p);
  rmfx(&f);
}

/* Torture: fail the k-th allocation for every k; the store is unchanged
 * after each failure and the import succeeds once k passes the last one. */
static void import_survives_every_allocation_failure(void **state) {
  (void)state;
  fx f;
  mkfx(&f, "alloc");
  char *p = issue(&f, "a.lic", 3, NULL, NULL);
  lv_status rc = LV_E_NOMEM;
  unsigned long k;
  for (k = 1; k < 200 && rc != LV_OK; k++) {
    lv__fault_arm(LV_FAULT_ALLOC, k, ENOMEM);
    rc = lv_store_import(f.s, p, NULL, NULL, NULL);
    lv__fault_arm(LV_FAULT_ALLOC, 0, 0);
    if (rc != LV_OK) {
      assert_int_equal(rc, LV_E_NOMEM);
      assert_int_equal(count(f.s), 0);
    }
  }
  assert_int_equal(rc, LV_OK);
  assert_true(k > 2); /* at least one failure point was exercised */
  assert_int_equal(count(f.s), 3);
  free(p);
  rmfx(&f);
}

static void rollback_deletes_or_disables(void **state) {
  (void)state;
  fx f;
  lv_rights r;
  lv_use_result u;
  int64_t now = lv__time_now();
  mkfx(&f, "rollback");
  lv_rights_init(&r);
  r.expiration_date = now + 86400 * 30;
  r.flags |= LV_RIGHT_DISABLE_ON_ROLLBACK;
  char *a = issue(&f, "a.lic", 1, "AAAAAAAAAAAAAAAAAAAAAA==", &r);
  r.flags = LV_RIGHT_PLAY | LV_RIGHT_DELETE_ON_ROLLBACK;
  char *b = issue(&f, "b.lic", 1, "AQEBAQEBAQEBAQEBAQEBAQ==", &r);
  assert_int_equal(lv_store_import(f.s, a, NULL, NULL, NULL), LV_OK);
  assert_int_equal(lv_store_import(f.s, b, NULL, NULL, NULL), LV_OK);
  assert_int_equal(lv_store_use(f.s, "AAAAAAAAAAAAAAAAAAAAAA==", &u), LV_OK);
  lv__time_set_fake(now - 3600); /* the clock set back an hour */
  assert_int_equal(lv_store_use(f.s, "AAAAAAAAAAAAAAAAAAAAAA==", &u), LV_E_CLOCK_ROLLBACK);
  assert_int_equal(lv_store_use(f.s, "AQEBAQEBAQEBAQEBAQEBAQ==", &u), LV_E_CLOCK_ROLLBACK);
  assert_true(u.deleted);
  assert_int_equal(count(f.s), 1);
  lv__time_set_fake(now + 60); /* corrected: the disabled one plays again */
  assert_int_equal(lv_store_use(f.s, "AAAAAAAAAAAAAAAAAAAAAA==", &u), LV_OK);
  assert_int_equal(u.plays_used, 2);
  lv__time_set_fake(0);
  free(a), free(b);
  rmfx(&f);
}

static int stop_after_two(const lv_license_info *l, void *ctx) {
  (void)l;
  return ++*(int *)ctx == 2;
}

static void list_stops_when_asked(void **state) {
  (void)state;
  fx f;
  int n = 0;
  mkfx(&f, "list");
  char *p = issue(&f, "a.lic", 5, NULL, NULL);
  assert_int_equal(lv_store_import(f.s, p, NULL, NULL, NULL), LV_OK);
  assert_int_equal(lv_store_list(f.s, NULL, stop_after_two, &n), LV_OK);
  assert_int_equal(n, 2);
  assert_int_equal(lv_store_list(f.s, "AAAAAAAAAAAAAAAAAAAAAA==", stop_after_two, &n),
                   LV_E_NOT_FOUND);
  free(p);
  rmfx(&f);
}

/* Several processes on one store: imports and plays all land, none lost. */
static void processes_share_a_store(void **state) {
  (void)state;
  fx f;
  lv_rights r;
  enum { PROCS = 3, USES = 20 };
  mkfx(&f, "procs");
  lv_rights_init(&r);
  r.playcount = PROCS * USES;
  char *shared = issue(&f, "shared.lic", 1, "AAAAAAAAAAAAAAAAAAAAAA==", &r);
  assert_int_equal(lv_store_import(f.s, shared, NULL, NULL, NULL), LV_OK);
  char *files[PROCS];
  for (int i = 0; i < PROCS; i++) {
    char name[32];
    snprintf(name, sizeof name, "p%d.lic", i);
    files[i] = issue(&f, name, 3000, NULL, NULL);
  }
  pid_t pids[PROCS];
  for (int i = 0; i < PROCS; i++) {
    if ((pids[i] = fork()) == 0) {
      lv_store *s;
      int bad = lv_store_open(&s, f.store, f.machine) != LV_OK;
      bad |= lv_store_import(s, files[i], NULL, NULL, NULL) != LV_OK;
      for (int u = 0; u < USES && !bad; u++)
        bad |= lv_store_use(s, "AAAAAAAAAAAAAAAAAAAAAA==", NULL) != LV_OK;
      lv_store_free(s);
      _exit(bad);
    }
  }
  for (int i = 0; i < PROCS; i++) {
    int st;
    assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    free(files[i]);
  }
  assert_int_equal(count(f.s), 1 + PROCS * 3000);
  assert_int_equal(lv_store_use(f.s, "AAAAAAAAAAAAAAAAAAAAAA==", NULL), LV_E_NO_RIGHTS);
  uint64_t problems = 1;
  assert_int_equal(lv_store_check(f.s, NULL, NULL, &problems), LV_OK);
  assert_int_equal(problems, 0);
  free(shared);
  rmfx(&f);
}

static bool file_contains(const char *path, const uint8_t *needle, size_t n) {
  size_t len;
  uint8_t *d = tu_read(path, &len);
  bool found = false;
  for (size_t i = 0; d && i + n <= len && !found; i++) found = !memcmp(d + i, needle, n);
  free(d);
  return found;
}

static bool dir_contains(const char *dir, const uint8_t *needle, size_t n) {
  DIR *d = opendir(dir);
  struct dirent *e;
  bool found = false;
  while (d && (e = readdir(d)) && !found) {
    if (e->d_name[0] == '.') continue;
    char *p = tu_path(dir, e->d_name);
    found = file_contains(p, needle, n);
    free(p);
  }
  if (d) closedir(d);
  return found;
}

typedef struct keys_ctx {
  lv_store *s;
  const char *dir;
  int checked;
} keys_ctx;

/* No private key, store key or content key is ever on disk in plaintext:
 * the WAL is kept (a second handle holds it open) so it is scanned too. */
static void no_secret_reaches_disk(void **state) {
  (void)state;
  fx f;
  sqlite3_stmt *st;
  mkfx(&f, "secrets");
  char *p = issue(&f, "a.lic", 50, NULL, NULL);
  lv_store *keep;
  assert_int_equal(lv_store_open(&keep, f.store, f.machine), LV_OK);
  assert_int_equal(lv_store_import(f.s, p, NULL, NULL, NULL), LV_OK);
  const lv__store_secrets *sec = f.s->sec;
  assert_false(dir_contains(f.store, sec->sign_sk, 32));
  assert_false(dir_contains(f.store, sec->box_sk, LV__BOX_SK));
  assert_false(dir_contains(f.store, sec->store_key, LV__STORE_KEY));
  assert_false(file_contains(f.machine, sec->store_key, LV__STORE_KEY));
  int checked = 0;
  assert_int_equal(sqlite3_prepare_v2(f.s->db, "SELECT lid, ckey FROM licenses", -1, &st, NULL),
                   SQLITE_OK);
  while (sqlite3_step(st) == SQLITE_ROW) {
    uint8_t ckey[32];
    assert_int_equal(lv__store_open_ckey(f.s, ckey, sqlite3_column_blob(st, 1),
                                         (size_t)sqlite3_column_bytes(st, 1),
                                         sqlite3_column_blob(st, 0)),
                     LV_OK);
    assert_false(dir_contains(f.store, ckey, sizeof ckey));
    assert_false(file_contains(p, ckey, sizeof ckey));
    checked++;
  }
  sqlite3_finalize(st);
  assert_int_equal(checked, 50);
  lv_store_free(keep);
  free(p);
  rmfx(&f);
}

static void trust_and_service_validate_key_kinds(void **state) {
  (void)state;
  fx f;
  char id[LV_KEYID_STRLEN];
  mkfx(&f, "kinds");
  assert_int_equal(lv_store_trust_add(f.s, f.id, id), LV_E_KEY_FILE);
  assert_int_equal(lv_store_trust_add(f.s, f.iss_key, id), LV_E_KEY_FILE);
  assert_int_equal(lv_store_trust_add(f.s, f.iss_pub, id), LV_OK);
  assert_int_equal(lv_store_service_set(f.s, "http://x", f.iss_pub), LV_E_KEY_FILE);
  lv__keyfile svc;
  assert_int_equal(lv__keyfile_generate(&svc, LV__KEY_SERVICE), LV_OK);
  assert_int_equal(lv__keyfile_save_pair(&svc, f.dir, "service"), LV_OK);
  char *pub = tu_path(f.dir, "service.pub");
  assert_int_equal(lv_store_service_set(f.s, "gopher://x", pub), LV_E_INVALID_ARG);
  assert_int_equal(lv_store_service_set(f.s, "https://lms.example/", pub), LV_OK);
  lv_store_info info;
  assert_int_equal(lv_store_get_info(f.s, &info), LV_OK);
  assert_string_equal(info.service_url, "https://lms.example/");
  char hid[LV_KEYID_STRLEN];
  lv__hex_encode(hid, svc.id, LV__KEYID);
  assert_string_equal(info.service_key, hid);
  lv__keyfile_wipe(&svc);
  free(pub);
  rmfx(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(create_then_open_same_computer),
      cmocka_unit_test(create_twice_is_already_individualized),
      cmocka_unit_test(open_without_store_needs_individualization),
      cmocka_unit_test(other_binding_is_invalid_machine),
      cmocka_unit_test(import_list_use_roundtrip),
      cmocka_unit_test(import_is_all_or_nothing_across_batches),
      cmocka_unit_test(import_names_the_first_problem_in_file_order),
      cmocka_unit_test(import_commits_only_after_every_signature),
      cmocka_unit_test(bulk_import_into_empty_store),
      cmocka_unit_test(page_size_new_large_old_kept),
      cmocka_unit_test(import_cancel_changes_nothing),
      cmocka_unit_test(import_survives_every_allocation_failure),
      cmocka_unit_test(rollback_deletes_or_disables),
      cmocka_unit_test(list_stops_when_asked),
      cmocka_unit_test(processes_share_a_store),
      cmocka_unit_test(no_secret_reaches_disk),
      cmocka_unit_test(trust_and_service_validate_key_kinds),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
