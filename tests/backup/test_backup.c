/* test_backup.c - the backup set: what goes in (only licenses that allow
 * backup, with their state, content keys only the service can unlock), the
 * removable-media layout, that verify catches every change, and that a
 * failed, cancelled or refused backup leaves the old set as it was. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "fixture.h"

#include "backup/backup.h"
#include "core/encoding.h"
#include "core/fault.h"
#include "store/store.h"

typedef struct seen {
  char kids[16][LV_KID_STRLEN];
  char titles[16][64];
  int n;
  uint64_t progress_calls, last_done, last_total;
  atomic_int *cancel_at_progress;
} seen;

static void on_restricted(void *ctx, const char *kid, const char *title) {
  seen *s = ctx;
  if (s->n < 16) {
    snprintf(s->kids[s->n], sizeof s->kids[0], "%s", kid);
    snprintf(s->titles[s->n], sizeof s->titles[0], "%s", title ? title : "");
  }
  s->n++;
}

static void on_progress(void *ctx, uint64_t done, uint64_t total) {
  seen *s = ctx;
  s->progress_calls++;
  assert_true(done >= s->last_done && done <= total);
  s->last_done = done;
  s->last_total = total;
  if (s->cancel_at_progress) atomic_store(s->cancel_at_progress, 1);
}

static lv_status backup(fx *f, const char *dir, bool overwrite, uint64_t part, seen *s,
                        atomic_int *cancel, uint64_t *written) {
  lv__backup_hooks h = {on_restricted, on_progress, s, cancel};
  uint64_t r;
  return lv__backup_run(f->s, dir, overwrite, part, &h, written, &r);
}

static uint8_t *slurp(const char *dir, const char *name, size_t *n) {
  char *p = tu_path(dir, name);
  uint8_t *d = tu_read(p, n);
  free(p);
  return d;
}

/* The service's side, by hand: open S with its secret key. */
static void stream_key(fx *f, const lv__manifest *m, uint8_t key[32], uint8_t secret[32]) {
  lv__keyfile k;
  assert_int_equal(lv__keyfile_load(&k, f->svc_key), LV_OK);
  assert_int_equal(lv__seal_open(secret, m->sealed_secret, LV__SEALED_SECRET, k.box_pk, k.box_sk),
                   LV_OK);
  lv__set_stream_key(key, secret);
  lv__keyfile_wipe(&k);
}

static bool mem_has(const uint8_t *h, size_t hn, const uint8_t *n, size_t nn) {
  for (size_t i = 0; i + nn <= hn; i++)
    if (!memcmp(h + i, n, nn)) return true;
  return false;
}

static void set_holds_allowed_licenses_with_state(void **state) {
  (void)state;
  fx f;
  seen s = {0};
  lv_rights r;
  uint64_t written;
  fx_init(&f, "bk", true);
  fx_issue(&f, "a.lic", 100, NULL, "Album", NULL);
  lv_rights_init(&r); /* play only: AllowBackupRestore defaults to false */
  fx_issue(&f, "b.lic", 1, "AAAAAAAAAAAAAAAAAAAAAA==", "Secret title", &r);
  r.flags |= LV_RIGHT_BACKUP_RESTORE;
  r.playcount = 5;
  fx_issue(&f, "c.lic", 1, "AQEBAQEBAQEBAQEBAQEBAQ==", "Counted", &r);
  assert_int_equal(lv_store_use(f.s, "AQEBAQEBAQEBAQEBAQEBAQ==", NULL), LV_OK);
  assert_int_equal(lv_store_use(f.s, "AQEBAQEBAQEBAQEBAQEBAQ==", NULL), LV_OK);
  char *dir = fx_path(&f, "usb");
  assert_int_equal(backup(&f, dir, false, 0, &s, NULL, &written), LV_OK);
  assert_int_equal(written, 101);
  assert_int_equal(s.n, 1);
  assert_string_equal(s.kids[0], "AAAAAAAAAAAAAAAAAAAAAA==");
  assert_string_equal(s.titles[0], "Secret title");
  assert_true(s.progress_calls >= 1);
  assert_int_equal(s.last_done, 102);
  assert_int_equal(s.last_total, 102);
  assert_int_equal(lv_backup_verify(dir, NULL, NULL, NULL), LV_OK);

  /* read it back as the service would let a restore */
  lv__manifest m;
  uint8_t key[32], secret[32];
  assert_int_equal(lv__manifest_load(&m, dir), LV_OK);
  assert_int_equal(m.licenses, 101);
  assert_int_equal(m.nissuers, 1);
  stream_key(&f, &m, key, secret);
  lv__set_reader *rd;
  lv__entry e;
  int n = 0, counted = 0;
  assert_int_equal(lv__set_reader_open(&rd, dir, &m, key), LV_OK);
  while (lv__set_reader_next(rd, &e) == LV_OK && e.rec) {
    lv__license l;
    uint8_t pk[32], pad[32], ckey[32];
    assert_int_equal(lv__license_decode(&l, e.rec, e.len), LV_OK);
    assert_int_equal(lv__store_issuer_pk(f.s, l.issuer_id, pk), LV_OK);
    assert_int_equal(lv__license_verify(e.rec, e.len, pk), LV_OK);
    assert_true(l.rights.flags & LV_RIGHT_BACKUP_RESTORE);
    /* the locked key opens to the stored content key, with the service's pad */
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(f.s->db, "SELECT ckey FROM licenses WHERE lid=?", -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_blob(st, 1, l.lid, 16, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(lv__store_open_ckey(f.s, ckey, sqlite3_column_blob(st, 0), 72, l.lid), LV_OK);
    sqlite3_finalize(st);
    lv__lic_ref ref;
    lv__lic_ref_of(&ref, &l);
    lv__set_license_pad(pad, secret, &ref);
    for (int k = 0; k < 32; k++) pad[k] ^= e.locked[k];
    assert_memory_equal(pad, ckey, 32);
    if (l.rights.playcount == 5) {
      counted++;
      assert_int_equal(e.plays_used, 2); /* the state travels with it */
      assert_true(e.first_use > 0);
    }
    n++;
  }
  assert_int_equal(n, 101);
  assert_int_equal(counted, 1);
  lv__set_reader_close(rd);

  /* the restricted license is nowhere: not its KID, LID or title, in any file */
  uint8_t kid[16] = {0};
  size_t mn, pn;
  uint8_t *man = slurp(dir, LV__MAN_NAME, &mn), *part = slurp(dir, m.parts[0].name, &pn);
  assert_false(mem_has(man, mn, kid, 16) || mem_has(part, pn, kid, 16));
  assert_false(mem_has(man, mn, (const uint8_t *)"Secret", 6));
  assert_false(mem_has(part, pn, (const uint8_t *)"Album", 5)); /* encrypted */
  /* sizes say only how many: one fixed-size entry per license */
  assert_int_equal(pn, lv__stream_size(101));
  free(man), free(part);
  lv__manifest_free(&m);
  free(dir);
  fx_free(&f);
}

/* Sets of 6 groups exactly (6,144 licenses: the stream ends on a group
 * boundary, with an empty final message) and of 6 groups and 65 licenses
 * (a final message of one entry): more groups than the writer has buffers,
 * so every buffer is reused, and long messages, so libcrypto encrypts
 * them. Each reads back whole, in order, every pad opening its key. */
static void large_sets_cross_every_buffer_and_group_end(void **state) {
  (void)state;
  static const unsigned counts[] = {6 * LV__SET_GROUP_ENTRIES, 6 * LV__SET_GROUP_ENTRIES + 65};
  for (int c = 0; c < 2; c++) {
    fx f;
    seen sn = {0};
    uint64_t written;
    fx_init(&f, "bkbig", true);
    fx_issue(&f, "a.lic", counts[c], NULL, "Many", NULL);
    char *dir = fx_path(&f, "usb");
    unsigned long bulk = lv__sstream_bulk_count();
    assert_int_equal(backup(&f, dir, false, 0, &sn, NULL, &written), LV_OK);
    assert_int_equal(written, counts[c]);
    assert_int_equal(sn.last_done, counts[c]);
    assert_true(lv__sstream_bulk_count() - bulk >= counts[c] / LV__ENTRIES_PER_MSG);
    assert_int_equal(lv_backup_verify(dir, NULL, NULL, NULL), LV_OK);
    lv__manifest m;
    uint8_t key[32], secret[32];
    assert_int_equal(lv__manifest_load(&m, dir), LV_OK);
    assert_int_equal(m.parts[0].size, lv__stream_size(counts[c]));
    stream_key(&f, &m, key, secret);
    lv__set_reader *rd;
    lv__entry e;
    unsigned n = 0;
    int64_t last_id = -1;
    assert_int_equal(lv__set_reader_open(&rd, dir, &m, key), LV_OK);
    while (lv__set_reader_next(rd, &e) == LV_OK && e.rec) {
      lv__license l;
      uint8_t pad[32], ckey[32];
      lv__lic_ref ref;
      assert_int_equal(lv__license_decode(&l, e.rec, e.len), LV_OK);
      sqlite3_stmt *st;
      assert_int_equal(sqlite3_prepare_v2(f.s->db, "SELECT id, ckey FROM licenses WHERE lid=?", -1,
                                          &st, NULL),
                       SQLITE_OK);
      sqlite3_bind_blob(st, 1, l.lid, 16, SQLITE_STATIC);
      assert_int_equal(sqlite3_step(st), SQLITE_ROW);
      assert_true(sqlite3_column_int64(st, 0) > last_id); /* store order */
      last_id = sqlite3_column_int64(st, 0);
      assert_int_equal(lv__store_open_ckey(f.s, ckey, sqlite3_column_blob(st, 1), 72, l.lid), LV_OK);
      sqlite3_finalize(st);
      lv__lic_ref_of(&ref, &l);
      lv__set_license_pad(pad, secret, &ref);
      for (int k = 0; k < 32; k++) pad[k] ^= e.locked[k];
      assert_memory_equal(pad, ckey, 32);
      n++;
    }
    assert_null(e.rec); /* the verified end, not an error */
    assert_int_equal(n, counts[c]);
    lv__set_reader_close(rd);
    lv__manifest_free(&m);
    free(dir);
    fx_free(&f);
  }
}

static void parts_are_short_upper_case_and_bounded(void **state) {
  (void)state;
  fx f;
  seen s = {0};
  uint64_t written;
  fx_init(&f, "parts", true);
  fx_issue(&f, "a.lic", 300, NULL, NULL, NULL);
  char *dir = fx_path(&f, "usb");
  assert_int_equal(backup(&f, dir, false, 65536, &s, NULL, &written), LV_OK);
  DIR *d = opendir(dir);
  struct dirent *e;
  int files = 0;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    files++;
    const char *n = e->d_name;
    assert_int_equal(strlen(n), 12); /* 8.3 */
    for (const char *p = n; *p; p++)
      assert_true((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.');
    struct stat st;
    char *p = tu_path(dir, n);
    assert_int_equal(stat(p, &st), 0);
    assert_true(st.st_size <= 65536 || !strcmp(n, LV__MAN_NAME));
    free(p);
  }
  closedir(d);
  assert_true(files >= 5); /* 300 * 840 bytes over 64 KiB parts, and the manifest */
  lv_backup_info bi;
  assert_int_equal(lv_backup_verify(dir, &bi, NULL, NULL), LV_OK);
  assert_int_equal(bi.parts, files - 1);
  assert_int_equal(bi.licenses, 300);
  free(dir);
  fx_free(&f);
}

/* lv_backup_info_read: what verify says of the set, from the manifest
 * alone: a damaged part goes unseen (that is verify's job), a damaged
 * manifest does not. */
static void info_reads_the_manifest_alone(void **state) {
  (void)state;
  fx f;
  seen s = {0};
  uint64_t written;
  fx_init(&f, "info", true);
  fx_issue(&f, "a.lic", 200, NULL, NULL, NULL);
  char *dir = fx_path(&f, "usb");
  lv_backup_info a, b;
  assert_int_equal(lv_backup_info_read(dir, &a), LV_E_NO_FILE); /* no folder yet */
  assert_int_equal(backup(&f, dir, false, 65536, &s, NULL, &written), LV_OK);
  assert_int_equal(lv_backup_verify(dir, &a, NULL, NULL), LV_OK);
  assert_int_equal(lv_backup_info_read(dir, &b), LV_OK);
  assert_memory_equal(&a, &b, sizeof a);
  assert_int_equal(b.licenses, 200);
  assert_true(b.parts >= 3);
  assert_int_equal(lv_backup_info_read(NULL, &b), LV_E_INVALID_ARG);
  assert_int_equal(lv_backup_info_read(dir, NULL), LV_E_INVALID_ARG);
  /* a byte of a part changed: the manifest still reads, verify objects */
  char name[13];
  lv__part_name(name, b.generation, 1);
  size_t n;
  uint8_t *part = slurp(dir, name, &n);
  part[n / 2] ^= 1;
  char *pp = tu_path(dir, name);
  assert_int_equal(tu_write(pp, part, n), 0);
  assert_int_equal(lv_backup_info_read(dir, &b), LV_OK);
  assert_int_equal(lv_backup_verify(dir, NULL, NULL, NULL), LV_E_BACKUP_CORRUPT);
  /* a byte of the manifest changed: its signature fails */
  uint8_t *man = slurp(dir, LV__MAN_NAME, &n);
  man[n / 3] ^= 1;
  char *mp = tu_path(dir, LV__MAN_NAME);
  assert_int_equal(tu_write(mp, man, n), 0);
  assert_int_equal(lv_backup_info_read(dir, &b), LV_E_BACKUP_CORRUPT);
  free(part), free(man), free(pp), free(mp), free(dir);
  fx_free(&f);
}

static int problems;
static void count_problem(const char *file, const char *what, lv_status why, void *ctx) {
  (void)file, (void)what, (void)why, (void)ctx;
  problems++;
}

static void copy_dir(const char *from, const char *to) {
  char cmd[8192];
  snprintf(cmd, sizeof cmd, "rm -rf '%s' && cp -a '%s' '%s'", to, from, to);
  assert_int_equal(system(cmd), 0);
}

/* Every single-byte change, truncation, deletion and duplication of a file
 * in the set is caught by verify (and every change to a part by the reader). */
static void verify_catches_every_change(void **state) {
  (void)state;
  fx f;
  seen s = {0};
  uint64_t written;
  fx_init(&f, "tamper", true);
  fx_issue(&f, "a.lic", 90, NULL, "T", NULL);
  char *dir = fx_path(&f, "usb"), *work = fx_path(&f, "work");
  assert_int_equal(backup(&f, dir, false, 65536, &s, NULL, &written), LV_OK);
  lv__manifest m;
  assert_int_equal(lv__manifest_load(&m, dir), LV_OK);
  uint8_t key[32], secret[32];
  stream_key(&f, &m, key, secret);
  const char *files[8];
  int nf = 0;
  files[nf++] = LV__MAN_NAME;
  for (uint32_t i = 0; i < m.nparts && nf < 8; i++) files[nf++] = m.parts[i].name;
  assert_true(nf >= 3);
  for (int fi = 0; fi < nf; fi++) {
    size_t n;
    uint8_t *orig = slurp(dir, files[fi], &n);
    char *p = tu_path(work, files[fi]);
    copy_dir(dir, work);
    /* every byte, flipped (the manifest fully; parts at a stride that still
     * touches every 64-byte block, headers and tags) */
    size_t stride = fi == 0 ? 1 : 61;
    for (size_t off = 0; off < n; off += stride) {
      orig[off] ^= 0x20;
      assert_int_equal(tu_write(p, orig, n), 0);
      problems = 0;
      assert_int_not_equal(lv_backup_verify(work, NULL, count_problem, NULL), LV_OK);
      assert_true(problems >= 1 || fi == 0);
      if (fi > 0) { /* the stream itself refuses it too, without the hashes */
        lv__set_reader *rd;
        lv__entry e;
        lv_status rc;
        assert_int_equal(lv__set_reader_open(&rd, work, &m, key), LV_OK);
        do rc = lv__set_reader_next(rd, &e);
        while (rc == LV_OK && e.rec);
        lv__set_reader_close(rd);
        assert_int_not_equal(rc, LV_OK);
      }
      orig[off] ^= 0x20;
    }
    /* truncations */
    for (size_t len = 0; len < n; len += (n / 23) + 1) {
      assert_int_equal(tu_write(p, orig, len), 0);
      assert_int_not_equal(lv_backup_verify(work, NULL, NULL, NULL), LV_OK);
    }
    /* deletion */
    assert_int_equal(unlink(p), 0);
    assert_int_not_equal(lv_backup_verify(work, NULL, NULL, NULL), LV_OK);
    /* duplication: the file twice in a row, and a copy under a set name */
    uint8_t *two = malloc(2 * n);
    memcpy(two, orig, n), memcpy(two + n, orig, n);
    assert_int_equal(tu_write(p, two, 2 * n), 0);
    assert_int_not_equal(lv_backup_verify(work, NULL, NULL, NULL), LV_OK);
    assert_int_equal(tu_write(p, orig, n), 0);
    assert_int_equal(lv_backup_verify(work, NULL, NULL, NULL), LV_OK); /* restored */
    if (fi > 0) {
      char extra[13];
      lv__part_name(extra, m.generation, m.nparts + (uint32_t)fi);
      char *xp = tu_path(work, extra);
      assert_int_equal(tu_write(xp, orig, n), 0);
      problems = 0;
      assert_int_equal(lv_backup_verify(work, NULL, count_problem, NULL), LV_E_BACKUP_CORRUPT);
      assert_int_equal(problems, 1);
      unlink(xp);
      free(xp);
    }
    free(two), free(orig), free(p);
  }
  /* two parts swapped: sizes may agree, hashes do not, nor does the stream */
  copy_dir(dir, work);
  char *a = tu_path(work, m.parts[0].name), *b = tu_path(work, m.parts[1].name);
  char *t = tu_path(work, "swap");
  assert_int_equal(rename(a, t) | rename(b, a) | rename(t, b), 0);
  assert_int_equal(lv_backup_verify(work, NULL, NULL, NULL), LV_E_BACKUP_CORRUPT);
  free(a), free(b), free(t);
  lv__manifest_free(&m);
  free(dir), free(work);
  fx_free(&f);
}

static void existing_backup_is_kept_without_overwrite(void **state) {
  (void)state;
  fx f;
  seen s = {0};
  uint64_t w;
  fx_init(&f, "exists", true);
  fx_issue(&f, "a.lic", 10, NULL, NULL, NULL);
  char *dir = fx_path(&f, "usb");
  assert_int_equal(backup(&f, dir, false, 0, &s, NULL, &w), LV_OK);
  size_t n1, n2;
  uint8_t *before = slurp(dir, LV__MAN_NAME, &n1);
  fx_issue(&f, "b.lic", 5, NULL, NULL, NULL);
  assert_int_equal(backup(&f, dir, false, 0, &s, NULL, &w), LV_E_BACKUP_EXISTS);
  uint8_t *after = slurp(dir, LV__MAN_NAME, &n2);
  assert_int_equal(n1, n2);
  assert_memory_equal(before, after, n1);
  free(after);
  assert_int_equal(backup(&f, dir, true, 0, &s, NULL, &w), LV_OK);
  assert_int_equal(w, 15);
  lv_backup_info bi;
  assert_int_equal(lv_backup_verify(dir, &bi, NULL, NULL), LV_OK);
  assert_int_equal(bi.generation, 2);
  assert_int_equal(bi.parts, 1); /* the old generation's files are gone */
  free(before), free(dir);
  fx_free(&f);
}

static void no_pinned_service_is_refused(void **state) {
  (void)state;
  fx f;
  seen s = {0};
  uint64_t w;
  fx_init(&f, "nosvc", false);
  fx_issue(&f, "a.lic", 3, NULL, NULL, NULL);
  char *dir = fx_path(&f, "usb");
  assert_int_equal(backup(&f, dir, false, 0, &s, NULL, &w), LV_E_NO_SERVICE);
  assert_int_equal(lv__backup_present(dir), LV_E_NO_FILE);
  free(dir);
  fx_free(&f);
}

/* Cancel at the first progress: the old set stays, nothing new is left. */
static void cancel_keeps_the_old_set(void **state) {
  (void)state;
  fx f;
  seen s = {0};
  atomic_int cancel = 0;
  uint64_t w;
  fx_init(&f, "cancel", true);
  fx_issue(&f, "a.lic", 5000, NULL, NULL, NULL);
  char *dir = fx_path(&f, "usb");
  assert_int_equal(backup(&f, dir, false, 65536, &s, NULL, &w), LV_OK);
  size_t n1, n2;
  uint8_t *before = slurp(dir, LV__MAN_NAME, &n1);
  memset(&s, 0, sizeof s);
  s.cancel_at_progress = &cancel;
  assert_int_equal(backup(&f, dir, true, 65536, &s, &cancel, &w), LV_E_CANCELED);
  uint8_t *after = slurp(dir, LV__MAN_NAME, &n2);
  assert_int_equal(n1, n2);
  assert_memory_equal(before, after, n1);
  assert_int_equal(lv_backup_verify(dir, NULL, NULL, NULL), LV_OK);
  /* no file of another generation and no temp file was left */
  DIR *d = opendir(dir);
  struct dirent *e;
  while ((e = readdir(d)))
    assert_true(e->d_name[0] == '.' || !strncmp(e->d_name, "LV01", 4) ||
                !strcmp(e->d_name, LV__MAN_NAME));
  closedir(d);
  free(before), free(after), free(dir);
  fx_free(&f);
}

/* Torture: fail the k-th write / fsync / rename of an overwrite, for every
 * k: each run fails cleanly with the old set intact, or succeeds. */
/* The writer's buffer contract (backup.h): a put out of order, too large
 * or after the last group fails, and from then on the writer gives no
 * buffer and only aborts, leaving no part behind. */
static void writer_refuses_a_broken_order_then_only_aborts(void **state) {
  (void)state;
  char *dir = tu_tmpdir("bkorder");
  uint8_t key[32] = {1}, header[LV__SSTREAM_HEADER];
  for (int bad = 0; bad < 3; bad++) {
    lv__set_writer *w;
    assert_int_equal(lv__set_writer_open(&w, dir, 1, LV__PART_MIN, key, header), LV_OK);
    uint8_t *a = lv__set_writer_take(w), *b = lv__set_writer_take(w);
    assert_non_null(a);
    assert_non_null(b);
    assert_true(a != b);
    memset(a, 0x5A, LV__ENTRY);
    lv_status rc;
    if (bad == 0) rc = lv__set_writer_put(w, b, 1); /* b before a */
    else if (bad == 1) rc = lv__set_writer_put(w, a, LV__SET_GROUP_ENTRIES + 1);
    else {
      assert_int_equal(lv__set_writer_put(w, a, 1), LV_OK); /* short: the last */
      rc = lv__set_writer_put(w, b, 1);
    }
    assert_int_equal(rc, LV_E_INTERNAL);
    for (size_t i = 0; bad < 2 && i < LV__ENTRY; i++) assert_int_equal(a[i], 0); /* wiped */
    assert_null(lv__set_writer_take(w));
    lv__part *parts = NULL;
    uint32_t nparts = 0;
    assert_int_equal(lv__set_writer_finish(w, &parts, &nparts), LV_E_INTERNAL);
    assert_null(parts);
  }
  /* nothing that looks like a part is left */
  DIR *d = opendir(dir);
  struct dirent *e;
  int files = 0;
  while (d && (e = readdir(d)))
    if (e->d_name[0] != '.') files++;
  if (d) closedir(d);
  assert_int_equal(files, 0);
  tu_rm_dir(dir);
  free(dir);
}

static void every_io_failure_leaves_old_or_new(void **state) {
  (void)state;
  static const struct {
    lv__fault_point p;
    int err;
    lv_status want;
  } pts[] = {{LV_FAULT_WRITE, ENOSPC, LV_E_NOSPACE},
             {LV_FAULT_FSYNC, EIO, LV_E_IO},
             {LV_FAULT_DIRSYNC, EIO, LV_E_IO},
             {LV_FAULT_RENAME, EACCES, LV_E_ACCESS},
             {LV_FAULT_ALLOC, ENOMEM, LV_E_NOMEM}};
  fx f;
  seen s = {0};
  uint64_t w;
  fx_init(&f, "faults", true);
  fx_issue(&f, "a.lic", 400, NULL, NULL, NULL);
  char *dir = fx_path(&f, "usb");
  assert_int_equal(backup(&f, dir, false, 65536, &s, NULL, &w), LV_OK);
  for (size_t pi = 0; pi < sizeof pts / sizeof pts[0]; pi++) {
    /* a clean run counts this point's calls: each is then failed in turn */
    lv__fault_arm(pts[pi].p, 0, 0);
    assert_int_equal(backup(&f, dir, true, 65536, &s, NULL, &w), LV_OK);
    unsigned long calls = lv__fault_calls(pts[pi].p), failed = 0;
    assert_true(calls > 0);
    for (unsigned long k = 1; k <= calls; k++) {
      size_t n1, n2;
      uint8_t *before = slurp(dir, LV__MAN_NAME, &n1);
      lv__fault_arm(pts[pi].p, k, pts[pi].err);
      memset(&s, 0, sizeof s);
      lv_status rc = backup(&f, dir, true, 65536, &s, NULL, &w);
      lv__fault_arm(pts[pi].p, 0, 0);
      /* whatever failed, the folder holds a whole set: the old or the new */
      assert_int_equal(lv_backup_verify(dir, NULL, NULL, NULL), LV_OK);
      uint8_t *after = slurp(dir, LV__MAN_NAME, &n2);
      if (rc != LV_OK) {
        failed++;
        assert_int_equal(rc, pts[pi].want);
        bool old = n1 == n2 && !memcmp(before, after, n1);
        /* the one exception: the folder's fsync after the manifest's rename
         * failed, so the complete new set is in place, not known durable */
        if (!old) {
          lv_backup_info bi;
          assert_int_equal(pts[pi].p, LV_FAULT_DIRSYNC);
          assert_int_equal(lv_backup_verify(dir, &bi, NULL, NULL), LV_OK);
          assert_int_equal(bi.licenses, 400);
        }
      }
      free(before), free(after);
    }
    assert_true(failed > 0);
  }
  free(dir);
  fx_free(&f);
}

static void unwritable_path_says_so(void **state) {
  (void)state;
  fx f;
  seen s = {0};
  uint64_t w;
  fx_init(&f, "unwritable", true);
  fx_issue(&f, "a.lic", 3, NULL, NULL, NULL);
  assert_int_equal(backup(&f, "/proc/version/usb", false, 0, &s, NULL, &w), LV_E_NO_FILE);
  char *file = fx_path(&f, "a.lic"); /* a file, not a folder */
  assert_int_equal(backup(&f, file, false, 0, &s, NULL, &w), LV_E_EXISTS);
  free(file);
  fx_free(&f);
}

int main(void) {
  lv__crypto_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(set_holds_allowed_licenses_with_state),
      cmocka_unit_test(parts_are_short_upper_case_and_bounded),
      cmocka_unit_test(large_sets_cross_every_buffer_and_group_end),
      cmocka_unit_test(writer_refuses_a_broken_order_then_only_aborts),
      cmocka_unit_test(info_reads_the_manifest_alone),
      cmocka_unit_test(verify_catches_every_change),
      cmocka_unit_test(existing_backup_is_kept_without_overwrite),
      cmocka_unit_test(no_pinned_service_is_refused),
      cmocka_unit_test(cancel_keeps_the_old_set),
      cmocka_unit_test(every_io_failure_leaves_old_or_new),
      cmocka_unit_test(unwritable_path_says_so),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
