/* test_file.c - the atomic writer, bounded reads, folder creation and the
 * fault seam: an injected write, fsync or rename failure loses nothing. */
#define _GNU_SOURCE /* O_TMPFILE */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/fault.h"
#include "core/file.h"
#include "testutil.h"

static mode_t saved_umask;

static int setup_umask(void **state) {
  (void)state;
  saved_umask = umask(0);
  return 0;
}

static int teardown_umask(void **state) {
  (void)state;
  umask(saved_umask);
  return 0;
}

/* Disarms every fault point, so that no case leaks into the next. */
static void disarm_all(void) {
  for (int p = 0; p < LV_FAULT__COUNT; p++) lv__fault_arm((lv__fault_point)p, 0, 0);
}

static int teardown_faults(void **state) {
  (void)state;
  disarm_all();
  return 0;
}

/* Entries of dir whose name contains ".tmp". */
static int count_tmp(const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *e;
  int n = 0;
  assert_non_null(d);
  while ((e = readdir(d)) != NULL)
    if (strstr(e->d_name, ".tmp")) n++;
  closedir(d);
  return n;
}

/* Entries of dir other than "." and "..". */
static int count_entries(const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *e;
  int n = 0;
  assert_non_null(d);
  while ((e = readdir(d)) != NULL)
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
  closedir(d);
  return n;
}

static void assert_file_is(const char *path, const void *want, size_t n) {
  size_t got_n = 0;
  uint8_t *got = tu_read(path, &got_n);
  assert_non_null(got);
  assert_int_equal(got_n, n);
  if (n) assert_memory_equal(got, want, n);
  free(got);
}

static unsigned file_mode(const char *path) {
  struct stat st;
  assert_int_equal(stat(path, &st), 0);
  return (unsigned)(st.st_mode & 07777);
}

static bool exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

/* ---- errno map --------------------------------------------------------- */

static void errno_status_maps_each_class(void **state) {
  (void)state;
  assert_int_equal(lv__errno_status(ENOSPC), LV_E_NOSPACE);
  assert_int_equal(lv__errno_status(EDQUOT), LV_E_NOSPACE);
  assert_int_equal(lv__errno_status(EFBIG), LV_E_NOSPACE);
  assert_int_equal(lv__errno_status(ENOENT), LV_E_NO_FILE);
  assert_int_equal(lv__errno_status(ENOTDIR), LV_E_NO_FILE);
  assert_int_equal(lv__errno_status(EACCES), LV_E_ACCESS);
  assert_int_equal(lv__errno_status(EPERM), LV_E_ACCESS);
  assert_int_equal(lv__errno_status(EROFS), LV_E_ACCESS);
  assert_int_equal(lv__errno_status(EEXIST), LV_E_EXISTS);
  assert_int_equal(lv__errno_status(ENOMEM), LV_E_NOMEM);
  assert_int_equal(lv__errno_status(EIO), LV_E_IO);
  assert_int_equal(lv__errno_status(EINVAL), LV_E_IO);
  assert_int_equal(lv__errno_status(EISDIR), LV_E_IO);
}

/* ---- atomic writes ----------------------------------------------------- */

static void write_atomic_creates_file_with_mode(void **state) {
  (void)state;
  char *dir = tu_tmpdir("file");
  char *p1 = tu_path(dir, "a.bin"), *p2 = tu_path(dir, "b.bin"), *p3 = tu_path(dir, "c");
  assert_int_equal(lv__file_write_atomic(p1, "hello", 5, 0600), LV_OK);
  assert_int_equal(lv__file_write_atomic(p2, "hello", 5, 0644), LV_OK);
  assert_int_equal(lv__file_write_atomic(p3, "", 0, 0640), LV_OK);
  assert_file_is(p1, "hello", 5);
  assert_file_is(p3, "", 0);
  assert_int_equal(file_mode(p1), 0600);
  assert_int_equal(file_mode(p2), 0644);
  assert_int_equal(file_mode(p3), 0640);
  assert_int_equal(count_tmp(dir), 0);
  assert_int_equal(count_entries(dir), 3);
  free(p1), free(p2), free(p3), free(dir);
}

static void write_atomic_mode_ignores_umask(void **state) {
  (void)state;
  char *dir = tu_tmpdir("file");
  char *p = tu_path(dir, "k");
  mode_t old = umask(077);
  assert_int_equal(lv__file_write_atomic(p, "x", 1, 0644), LV_OK);
  umask(old);
  assert_int_equal(file_mode(p), 0644);
  free(p), free(dir);
}

static void write_atomic_replaces_content_and_mode(void **state) {
  (void)state;
  char *dir = tu_tmpdir("file");
  char *p = tu_path(dir, "f");
  assert_int_equal(lv__file_write_atomic(p, "old content, longer", 19, 0644), LV_OK);
  assert_int_equal(lv__file_write_atomic(p, "new", 3, 0600), LV_OK);
  assert_file_is(p, "new", 3);
  assert_int_equal(file_mode(p), 0600);
  assert_int_equal(count_entries(dir), 1);
  free(p), free(dir);
}

static void write_atomic_into_missing_folder_is_no_file(void **state) {
  (void)state;
  char *dir = tu_tmpdir("file");
  char *p = tu_path(dir, "missing/f");
  assert_int_equal(lv__file_write_atomic(p, "x", 1, 0644), LV_E_NO_FILE);
  assert_int_equal(count_entries(dir), 0);
  free(p), free(dir);
}

static void afile_open_rejects_bad_args(void **state) {
  (void)state;
  lv__afile *f = (lv__afile *)&f;
  assert_int_equal(lv__afile_open(&f, NULL, 0644), LV_E_INVALID_ARG);
  assert_int_equal(lv__afile_open(&f, "", 0644), LV_E_INVALID_ARG);
  assert_int_equal(lv__afile_open(NULL, "x", 0644), LV_E_INVALID_ARG);
  assert_ptr_equal(f, (lv__afile *)&f); /* nothing written on failure */
  lv__afile_abort(NULL);                 /* accepted */
}

/* Writes "old" at dir/f, then fails the k-th call of point with err while
 * writing new content, and checks that nothing was lost or left behind. */
static void fault_case(lv__fault_point point, unsigned long k, int err, lv_status want) {
  char *dir = tu_tmpdir("fault");
  char *p = tu_path(dir, "f");
  static const char old[] = "the old content";
  uint8_t neu[3000];
  memset(neu, 'N', sizeof neu);
  assert_int_equal(lv__file_write_atomic(p, old, sizeof old, 0644), LV_OK);
  lv__fault_arm(point, k, err);
  lv_status rc = lv__file_write_atomic(p, neu, sizeof neu, 0600);
  unsigned long calls = lv__fault_calls(point);
  disarm_all();
  assert_int_equal(rc, want);
  assert_true(calls >= k);
  assert_file_is(p, old, sizeof old);
  assert_int_equal(file_mode(p), 0644);
  assert_int_equal(count_tmp(dir), 0);
  assert_int_equal(count_entries(dir), 1);
  free(p), free(dir);
}

static void write_atomic_write_enospc_keeps_old_content(void **state) {
  (void)state;
  fault_case(LV_FAULT_WRITE, 1, ENOSPC, LV_E_NOSPACE);
}

static void write_atomic_write_eio_keeps_old_content(void **state) {
  (void)state;
  fault_case(LV_FAULT_WRITE, 1, EIO, LV_E_IO);
}

static void write_atomic_fsync_eio_keeps_old_content(void **state) {
  (void)state;
  fault_case(LV_FAULT_FSYNC, 1, EIO, LV_E_IO);
}

static void write_atomic_fsync_enospc_keeps_old_content(void **state) {
  (void)state;
  fault_case(LV_FAULT_FSYNC, 1, ENOSPC, LV_E_NOSPACE);
}

static void write_atomic_rename_eio_keeps_old_content(void **state) {
  (void)state;
  fault_case(LV_FAULT_RENAME, 1, EIO, LV_E_IO);
}

static void write_atomic_rename_enospc_keeps_old_content(void **state) {
  (void)state;
  fault_case(LV_FAULT_RENAME, 1, ENOSPC, LV_E_NOSPACE);
}

/* Where temp files are unnamed, replacing a file takes two steps, the link
 * to a temp name (hit 1 tries the path itself) and the rename (hit 2): a
 * failed rename must remove the temp name it had just made. */
static void write_atomic_rename_after_temp_named_leaves_nothing(void **state) {
  (void)state;
  char *dir = tu_tmpdir("fault");
  int fd = -1;
#ifdef O_TMPFILE
  fd = open(dir, O_TMPFILE | O_WRONLY, 0600);
#endif
  free(dir);
  if (fd < 0) skip(); /* named temp files here: one rename, covered above */
  close(fd);
  fault_case(LV_FAULT_RENAME, 2, EIO, LV_E_IO);
  fault_case(LV_FAULT_RENAME, 2, ENOSPC, LV_E_NOSPACE);
}

static void write_atomic_alloc_failure_is_nomem_and_leaves_nothing(void **state) {
  (void)state;
  char *dir = tu_tmpdir("fault");
  char *p = tu_path(dir, "f");
  assert_int_equal(lv__file_write_atomic(p, "old", 3, 0644), LV_OK);
  /* each of the allocations of open, and the one in commit (dir_of) */
  for (unsigned long k = 1; k <= 6; k++) {
    lv__fault_arm(LV_FAULT_ALLOC, k, ENOMEM);
    lv_status rc = lv__file_write_atomic(p, "new", 3, 0644);
    unsigned long calls = lv__fault_calls(LV_FAULT_ALLOC);
    disarm_all();
    if (calls < k) { /* ran out of allocations to fail: it succeeded */
      assert_int_equal(rc, LV_OK);
      break;
    }
    /* the unnamed temp file's folder name is the one allocation a failure
     * of which costs nothing: a named temp file is used instead */
    if (rc != LV_OK) assert_int_equal(rc, LV_E_NOMEM);
    assert_int_equal(count_tmp(dir), 0);
    /* a failure after the rename may have left the new content, but
     * always one whole version */
    size_t n = 0;
    uint8_t *got = tu_read(p, &n);
    assert_non_null(got);
    assert_int_equal(n, 3);
    assert_true(!memcmp(got, "old", 3) || !memcmp(got, "new", 3));
    free(got);
    assert_int_equal(lv__file_write_atomic(p, "old", 3, 0644), LV_OK);
  }
  free(p), free(dir);
}

/* The folder fsync runs after the rename, so its failure cannot restore the
 * old content: the caller gets the error, the path one whole version (the
 * new one) and no temp file, as file.h states for this last step. */
static void afile_commit_dir_fsync_failure_reports_error_whole_file(void **state) {
  (void)state;
  char *dir = tu_tmpdir("fault");
  char *p = tu_path(dir, "f");
  assert_int_equal(lv__file_write_atomic(p, "old", 3, 0644), LV_OK);
  lv__fault_arm(LV_FAULT_DIRSYNC, 1, EIO);
  assert_int_equal(lv__file_write_atomic(p, "new!", 4, 0644), LV_E_IO);
  assert_int_equal(lv__fault_calls(LV_FAULT_DIRSYNC), 1);
  disarm_all();
  assert_file_is(p, "new!", 4);
  assert_int_equal(count_tmp(dir), 0);
  free(p), free(dir);
}

static void fsync_dir_of_missing_folder_is_no_file(void **state) {
  (void)state;
  char *dir = tu_tmpdir("file");
  char *p = tu_path(dir, "nope");
  assert_int_equal(lv__fsync_dir(dir), LV_OK);
  assert_int_equal(lv__fsync_dir(p), LV_E_NO_FILE);
  free(p), free(dir);
}

/* ---- streaming writer -------------------------------------------------- */

#define BIG (200 * 1024 + 123)

static uint8_t *pattern(size_t n) {
  uint8_t *b = malloc(n);
  assert_non_null(b);
  for (size_t i = 0; i < n; i++) b[i] = (uint8_t)(i * 31 + i / 251);
  return b;
}

static void afile_streams_more_than_buffer(void **state) {
  (void)state;
  char *dir = tu_tmpdir("file");
  char *p = tu_path(dir, "big");
  uint8_t *data = pattern(BIG);
  lv__afile *f;
  assert_int_equal(tu_write(p, "old", 3), 0);
  assert_int_equal(lv__afile_open(&f, p, 0640), LV_OK);
  /* unnamed while written (O_TMPFILE): a killed writer leaves nothing */
  assert_int_equal(count_tmp(dir), 0);
  size_t off = 0, step = 1;
  while (off < BIG) { /* odd, growing chunk sizes cross the 64 KiB buffer */
    size_t take = step < BIG - off ? step : BIG - off;
    assert_int_equal(lv__afile_write(f, data + off, take), LV_OK);
    off += take;
    step = step * 3 + 7;
    assert_int_equal(lv__afile_size(f), off);
  }
  assert_file_is(p, "old", 3); /* nothing changes before commit */
  assert_int_equal(lv__afile_commit(f), LV_OK);
  assert_file_is(p, data, BIG);
  assert_int_equal(file_mode(p), 0640);
  assert_int_equal(count_tmp(dir), 0);
  free(data), free(p), free(dir);
}

static void afile_one_write_larger_than_buffer(void **state) {
  (void)state;
  char *dir = tu_tmpdir("file");
  char *p = tu_path(dir, "big");
  uint8_t *data = pattern(BIG);
  lv__afile *f;
  assert_int_equal(lv__afile_open(&f, p, 0600), LV_OK);
  assert_int_equal(lv__afile_write(f, data, BIG), LV_OK);
  assert_int_equal(lv__afile_write(f, data, 0), LV_OK);
  assert_int_equal(lv__afile_commit(f), LV_OK);
  assert_file_is(p, data, BIG);
  free(data), free(p), free(dir);
}

static void afile_write_failure_midstream_keeps_old_content(void **state) {
  (void)state;
  char *dir = tu_tmpdir("fault");
  char *p = tu_path(dir, "big");
  uint8_t *data = pattern(BIG);
  lv__afile *f;
  assert_int_equal(tu_write(p, "old", 3), 0);
  assert_int_equal(lv__afile_open(&f, p, 0600), LV_OK);
  lv__fault_arm(LV_FAULT_WRITE, 2, ENOSPC); /* the second 64 KiB flush */
  assert_int_equal(lv__afile_write(f, data, 64 * 1024), LV_OK);
  assert_int_equal(lv__afile_write(f, data, BIG), LV_E_NOSPACE);
  disarm_all();
  lv__afile_abort(f);
  assert_file_is(p, "old", 3);
  assert_int_equal(count_tmp(dir), 0);
  free(data), free(p), free(dir);
}

/* BUG (src/core/file.c, lv__afile_write / flush): a failed flush drops the
 * buffered 64 KiB (fill = 0) but the error is not sticky, so a caller that
 * goes on and commits gets LV_OK and a file with a hole instead of the old
 * content. This is the root of the lv_licfile_add bug in
 * tests/license/test_licfile.c. Enable after the fix. */
static void afile_commit_after_failed_write_fails(void **state) {
  (void)state;
  char *dir = tu_tmpdir("fault");
  char *p = tu_path(dir, "big");
  uint8_t *data = pattern(BIG);
  lv__afile *f;
  assert_int_equal(tu_write(p, "old", 3), 0);
  assert_int_equal(lv__afile_open(&f, p, 0600), LV_OK);
  lv__fault_arm(LV_FAULT_WRITE, 1, ENOSPC);
  assert_int_equal(lv__afile_write(f, data, BIG), LV_E_NOSPACE);
  disarm_all();
  lv_status rc = lv__afile_commit(f);
  size_t n = 0;
  uint8_t *got = tu_read(p, &n);
  assert_non_null(got);
  bool old = n == 3 && !memcmp(got, "old", 3);
  bool whole = n == BIG && !memcmp(got, data, BIG);
  free(got), free(data), free(p), free(dir);
  (void)whole;
  assert_int_equal(rc, LV_E_NOSPACE); /* poisoned: the commit fails */
  assert_true(old);
}

static void afile_abort_leaves_no_file(void **state) {
  (void)state;
  char *dir = tu_tmpdir("file");
  char *p = tu_path(dir, "never");
  uint8_t *data = pattern(BIG);
  lv__afile *f;
  assert_int_equal(lv__afile_open(&f, p, 0600), LV_OK);
  assert_int_equal(lv__afile_write(f, data, BIG), LV_OK);
  lv__afile_abort(f);
  assert_false(exists(p));
  assert_int_equal(count_entries(dir), 0);
  free(data), free(p), free(dir);
}

static void afile_two_writers_same_path_last_commit_wins(void **state) {
  (void)state;
  char *dir = tu_tmpdir("file");
  char *p = tu_path(dir, "f");
  lv__afile *a, *b;
  assert_int_equal(lv__afile_open(&a, p, 0644), LV_OK);
  assert_int_equal(lv__afile_open(&b, p, 0644), LV_OK); /* distinct temp files */
  assert_int_equal(count_tmp(dir), 0);                    /* both unnamed */
  assert_int_equal(lv__afile_write(a, "aaaa", 4), LV_OK);
  assert_int_equal(lv__afile_write(b, "bb", 2), LV_OK);
  assert_int_equal(lv__afile_commit(a), LV_OK);
  assert_file_is(p, "aaaa", 4);
  assert_int_equal(lv__afile_commit(b), LV_OK);
  assert_file_is(p, "bb", 2);
  assert_int_equal(count_entries(dir), 1);
  free(p), free(dir);
}

/* A pid that belonged to a process which is gone now. */
static pid_t dead_pid(void) {
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) _exit(0);
  int st;
  assert_int_equal(waitpid(pid, &st, 0), pid);
  return pid;
}

static void touch(const char *dir, const char *name) {
  char *p = tu_path(dir, name);
  FILE *f = fopen(p, "w");
  assert_non_null(f);
  fclose(f);
  free(p);
}

static bool has(const char *dir, const char *name) {
  char *p = tu_path(dir, name);
  bool r = exists(p);
  free(p);
  return r;
}

/* kill -9 on a file system without O_TMPFILE leaves "f.tmpPID.N": the next
 * writer of f removes those of dead pids, and nothing else */
static void afile_open_removes_dead_writers_temps_only(void **state) {
  (void)state;
  char *dir = tu_tmpdir("file");
  char *p = tu_path(dir, "f");
  char dead[64], live[64], other[64], odd[64];
  snprintf(dead, sizeof dead, "f.tmp%ld.7", (long)dead_pid());
  pid_t alive = fork(); /* a writer that is still running */
  assert_true(alive >= 0);
  if (alive == 0) {
    pause();
    _exit(0);
  }
  snprintf(live, sizeof live, "f.tmp%ld.1", (long)alive);
  snprintf(other, sizeof other, "g.tmp%ld.1", (long)dead_pid());
  snprintf(odd, sizeof odd, "f.tmp%ld.x", (long)dead_pid());
  touch(dir, dead), touch(dir, live), touch(dir, other), touch(dir, odd);
  assert_int_equal(lv__file_write_atomic(p, "new", 3, 0644), LV_OK);
  assert_file_is(p, "new", 3);
  assert_false(has(dir, dead));
  assert_true(has(dir, live));  /* a writer still running */
  assert_true(has(dir, other)); /* another file's */
  assert_true(has(dir, odd));   /* not a name we make */
  assert_int_equal(count_entries(dir), 4);
  kill(alive, SIGKILL);
  waitpid(alive, NULL, 0);
  free(p), free(dir);
}

/* ---- bounded reads ----------------------------------------------------- */

static void read_all_exact_max_ok_one_more_too_large(void **state) {
  (void)state;
  char *dir = tu_tmpdir("file");
  char *p = tu_path(dir, "r");
  uint8_t *out = (uint8_t *)&out;
  size_t n = 12345;
  assert_int_equal(tu_write(p, "0123456789", 10), 0);
  assert_int_equal(lv__file_read_all(p, 10, &out, &n), LV_OK);
  assert_int_equal(n, 10);
  assert_memory_equal(out, "0123456789", 10);
  free(out);
  assert_int_equal(lv__file_read_all(p, 11, &out, &n), LV_OK);
  assert_int_equal(n, 10);
  free(out);
  out = (uint8_t *)&out;
  n = 12345;
  assert_int_equal(lv__file_read_all(p, 9, &out, &n), LV_E_TOO_LARGE);
  assert_int_equal(lv__file_read_all(p, 0, &out, &n), LV_E_TOO_LARGE);
  assert_ptr_equal(out, (uint8_t *)&out); /* nothing written on failure */
  assert_int_equal(n, 12345);
  free(p), free(dir);
}

static void read_all_large_file_crosses_chunks(void **state) {
  (void)state;
  char *dir = tu_tmpdir("file");
  char *p = tu_path(dir, "r");
  uint8_t *data = pattern(BIG), *out;
  size_t n;
  assert_int_equal(tu_write(p, data, BIG), 0);
  assert_int_equal(lv__file_read_all(p, BIG, &out, &n), LV_OK);
  assert_int_equal(n, BIG);
  assert_memory_equal(out, data, BIG);
  free(out);
  assert_int_equal(lv__file_read_all(p, BIG - 1, &out, &n), LV_E_TOO_LARGE);
  assert_int_equal(lv__file_read_all(p, 65536, &out, &n), LV_E_TOO_LARGE);
  free(data), free(p), free(dir);
}

static void read_all_empty_file_is_empty(void **state) {
  (void)state;
  char *dir = tu_tmpdir("file");
  char *p = tu_path(dir, "e");
  uint8_t *out;
  size_t n = 99;
  assert_int_equal(tu_write(p, "", 0), 0);
  assert_int_equal(lv__file_read_all(p, 0, &out, &n), LV_OK);
  assert_int_equal(n, 0);
  free(out);
  assert_int_equal(lv__file_read_all(p, 100, &out, &n), LV_OK);
  assert_int_equal(n, 0);
  free(out);
  free(p), free(dir);
}

static void read_all_missing_is_no_file(void **state) {
  (void)state;
  char *dir = tu_tmpdir("file");
  char *p = tu_path(dir, "missing"), *q = tu_path(dir, "missing/deeper");
  uint8_t *out;
  size_t n;
  assert_int_equal(lv__file_read_all(p, 100, &out, &n), LV_E_NO_FILE);
  assert_int_equal(lv__file_read_all(q, 100, &out, &n), LV_E_NO_FILE);
  free(p), free(q), free(dir);
}

static void read_all_rejects_size_max_and_folders(void **state) {
  (void)state;
  char *dir = tu_tmpdir("file");
  uint8_t *out;
  size_t n;
  assert_int_equal(lv__file_read_all(dir, SIZE_MAX, &out, &n), LV_E_INVALID_ARG);
  assert_int_equal(lv__file_read_all(dir, 100, &out, &n), LV_E_IO); /* EISDIR */
  free(dir);
}

static void read_all_alloc_failure_is_nomem(void **state) {
  (void)state;
  char *dir = tu_tmpdir("file");
  char *p = tu_path(dir, "r");
  uint8_t *out;
  size_t n;
  assert_int_equal(tu_write(p, "abc", 3), 0);
  lv__fault_arm(LV_FAULT_ALLOC, 1, ENOMEM);
  assert_int_equal(lv__file_read_all(p, 100, &out, &n), LV_E_NOMEM);
  disarm_all();
  free(p), free(dir);
}

/* ---- folders and paths ------------------------------------------------- */

static void mkdir_p_creates_nested_with_mode(void **state) {
  (void)state;
  char *dir = tu_tmpdir("mkdir");
  char *deep = tu_path(dir, "a/b/c/d");
  char *mid = tu_path(dir, "a/b");
  assert_int_equal(lv__mkdir_p(deep, 0750), LV_OK);
  struct stat st;
  assert_int_equal(stat(deep, &st), 0);
  assert_true(S_ISDIR(st.st_mode));
  assert_int_equal(st.st_mode & 0777, 0750);
  assert_int_equal(file_mode(mid), 0750);
  assert_int_equal(lv__mkdir_p(deep, 0700), LV_OK); /* idempotent */
  assert_int_equal(file_mode(deep), 0750);          /* existing ones left */
  free(deep), free(mid), free(dir);
}

static void mkdir_p_accepts_trailing_and_double_slashes(void **state) {
  (void)state;
  char *dir = tu_tmpdir("mkdir");
  char *p = tu_path(dir, "x//y/z/");
  char *q = tu_path(dir, "x/y/z");
  assert_int_equal(lv__mkdir_p(p, 0755), LV_OK);
  struct stat st;
  assert_int_equal(stat(q, &st), 0);
  assert_true(S_ISDIR(st.st_mode));
  assert_int_equal(lv__mkdir_p("/", 0755), LV_OK);
  free(p), free(q), free(dir);
}

static void mkdir_p_through_a_file_fails(void **state) {
  (void)state;
  char *dir = tu_tmpdir("mkdir");
  char *f = tu_path(dir, "file");
  char *p = tu_path(dir, "file/sub");
  assert_int_equal(tu_write(f, "x", 1), 0);
  assert_int_equal(lv__mkdir_p(p, 0755), LV_E_NO_FILE); /* ENOTDIR */
  free(f), free(p), free(dir);
}

/* BUG (src/core/file.c, lv__mkdir_p): mkdir's EEXIST is ignored for the last
 * component too, so a path that is an existing regular file "succeeds"
 * although no folder exists there. Enable after the fix. */
static void mkdir_p_on_existing_file_fails(void **state) {
  (void)state;
  char *dir = tu_tmpdir("mkdir");
  char *f = tu_path(dir, "file");
  assert_int_equal(tu_write(f, "x", 1), 0);
  assert_true(lv__mkdir_p(f, 0755) < 0);
  free(f), free(dir);
}

/* BUG (src/core/file.c, lv__mkdir_p): for "" the loop starts at p + 1, one
 * past the 1-byte copy, so it reads (and briefly writes) out of bounds
 * (ASan: heap-buffer-overflow). It should return LV_E_INVALID_ARG (or
 * LV_E_NO_FILE). Enable after the fix. */
static void mkdir_p_rejects_empty_path(void **state) {
  (void)state;
  assert_true(lv__mkdir_p("", 0755) < 0);
}

static void mkdir_p_alloc_failure_is_nomem(void **state) {
  (void)state;
  char *dir = tu_tmpdir("mkdir");
  char *p = tu_path(dir, "n");
  lv__fault_arm(LV_FAULT_ALLOC, 1, ENOMEM);
  assert_int_equal(lv__mkdir_p(p, 0755), LV_E_NOMEM);
  disarm_all();
  assert_false(exists(p));
  free(p), free(dir);
}

static void path_join_adds_one_slash(void **state) {
  (void)state;
  char *s;
  assert_string_equal(s = lv__path_join("a", "b"), "a/b");
  free(s);
  assert_string_equal(s = lv__path_join("a/", "b"), "a/b");
  free(s);
  assert_string_equal(s = lv__path_join("/x/y", "z.key"), "/x/y/z.key");
  free(s);
  assert_string_equal(s = lv__path_join("", "b"), "b");
  free(s);
  assert_string_equal(s = lv__path_join("a", ""), "a/");
  free(s);
  lv__fault_arm(LV_FAULT_ALLOC, 1, ENOMEM);
  assert_null(lv__path_join("a", "b"));
  disarm_all();
}

/* ---- the allocation seam ----------------------------------------------- */

static void fault_alloc_fails_exactly_the_kth_call(void **state) {
  (void)state;
  lv__fault_arm(LV_FAULT_ALLOC, 3, ENOMEM);
  void *a = lv__malloc(8), *b = lv__calloc(2, 4), *c = lv__malloc(8), *d = lv__malloc(8);
  assert_non_null(a);
  assert_non_null(b);
  assert_null(c);
  assert_non_null(d);
  assert_int_equal(lv__fault_calls(LV_FAULT_ALLOC), 4);
  disarm_all();
  free(a), free(b), free(d);
}

static void fault_alloc_fails_malloc_calloc_strdup(void **state) {
  (void)state;
  lv__fault_arm(LV_FAULT_ALLOC, 1, ENOMEM);
  assert_null(lv__malloc(16));
  lv__fault_arm(LV_FAULT_ALLOC, 1, ENOMEM);
  assert_null(lv__calloc(4, 4));
  lv__fault_arm(LV_FAULT_ALLOC, 1, ENOMEM);
  assert_null(lv__strdup("abc"));
  disarm_all();
  char *s = lv__strdup("abc");
  assert_string_equal(s, "abc");
  free(s);
  assert_null(lv__strdup(NULL));
}

static void fault_disarmed_never_fails(void **state) {
  (void)state;
  disarm_all();
  for (int i = 0; i < 1000; i++) {
    void *p = lv__malloc(0); /* zero size still gives a pointer */
    assert_non_null(p);
    free(p);
  }
  assert_int_equal(lv__fault_calls(LV_FAULT_ALLOC), 1000);
  void *z = lv__calloc(0, 0);
  assert_non_null(z);
  free(z);
}

/* ---- direct mode (LV__AFILE_DIRECT) ----------------------------------- */

/* Whether this process holds path open with O_DIRECT set (its fdinfo). */
static bool open_direct(const char *path) {
  char link[64], target[4096], info[64];
  bool found = false, direct = false;
  for (int fd = 3; fd < 1024 && !found; fd++) {
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n < 0) continue;
    target[n] = 0;
    if (strcmp(target, path)) continue;
    found = true;
    snprintf(info, sizeof info, "/proc/self/fdinfo/%d", fd);
    FILE *f = fopen(info, "r");
    char line[128];
    unsigned long flags = 0;
    while (f && fgets(line, sizeof line, f))
      if (sscanf(line, "flags: %lo", &flags) == 1) break;
    if (f) fclose(f);
    direct = (flags & O_DIRECT) != 0;
  }
  return direct;
}

/* Whether dir's file system takes O_DIRECT at all (tmpfs once did not). */
static bool fs_takes_direct(const char *dir) {
  char *probe = tu_path(dir, "probe");
  int fd = open(probe, O_WRONLY | O_CREAT | O_DIRECT, 0600);
  if (fd >= 0) close(fd);
  unlink(probe);
  free(probe);
  return fd >= 0;
}

/* Long writes really bypass the page cache; the unaligned tail does not
 * need to (and the file is still whole). */
static void afile_direct_is_direct_until_the_tail(void **state) {
  (void)state;
  char *dir = tu_tmpdir("file");
  char *p = tu_path(dir, "PART.DAT"), *t = tu_path(dir, "PART.TMP");
  if (!fs_takes_direct(dir)) {
    free(p), free(t), free(dir);
    skip();
  }
  size_t n = LV__AFILE_DIRECT_CHUNK * 2 + 5;
  uint8_t *data = pattern(n);
  lv__afile *f;
  assert_int_equal(lv__afile_open_tmp_ex(&f, p, t, 0644, LV__AFILE_DIRECT), LV_OK);
  assert_true(open_direct(t));
  assert_int_equal(lv__afile_write(f, data, n), LV_OK);
  assert_true(open_direct(t)); /* two whole chunks went out directly */
  assert_int_equal(lv__afile_commit(f), LV_OK);
  assert_file_is(p, data, n);
  /* without the flag, the page cache as before */
  assert_int_equal(lv__afile_open_tmp(&f, p, t, 0644), LV_OK);
  assert_false(open_direct(t));
  lv__afile_abort(f);
  free(data), free(p), free(t), free(dir);
}

/* Sizes around the direct chunk and the 4 KiB block: whole chunks, a
 * chunk and a partial block, less than a block, nothing at all. */
static void afile_direct_writes_any_size(void **state) {
  (void)state;
  enum { C = LV__AFILE_DIRECT_CHUNK };
  static const size_t sizes[] = {0, 1, 4095, 4096, 4097, C - 1, C, C + 1, C + 4096, 2u * C + 123};
  char *dir = tu_tmpdir("file");
  char *p = tu_path(dir, "PART.DAT"), *t = tu_path(dir, "PART.TMP");
  uint8_t *data = pattern(3u * LV__AFILE_DIRECT_CHUNK);
  for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
    lv__afile *f;
    assert_int_equal(lv__afile_open_tmp_ex(&f, p, t, 0644, LV__AFILE_DIRECT), LV_OK);
    size_t off = 0, step = 777;
    while (off < sizes[k]) { /* odd chunks: the direct buffer fills unevenly */
      size_t take = step < sizes[k] - off ? step : sizes[k] - off;
      assert_int_equal(lv__afile_write(f, data + off, take), LV_OK);
      off += take;
      step = step * 2 + 13;
    }
    assert_int_equal(lv__afile_size(f), sizes[k]);
    assert_int_equal(lv__afile_commit(f), LV_OK);
    assert_file_is(p, data, sizes[k]);
    assert_false(exists(t));
  }
  free(data), free(p), free(t), free(dir);
}

/* A failed write, fsync or rename in direct mode keeps the old file and
 * leaves no temp file; a disk that stays full fails every write after. */
static void afile_direct_failures_keep_old_content(void **state) {
  (void)state;
  static const struct {
    lv__fault_point point;
    unsigned long k;
    int err;
    lv_status want;
  } cases[] = {
      {LV_FAULT_WRITE, 1, ENOSPC, LV_E_NOSPACE}, {LV_FAULT_WRITE, 2, EIO, LV_E_IO},
      {LV_FAULT_WRITE, 3, ENOSPC, LV_E_NOSPACE}, {LV_FAULT_FSYNC, 1, EIO, LV_E_IO},
      {LV_FAULT_RENAME, 1, ENOSPC, LV_E_NOSPACE}, {LV_FAULT_ALLOC, 3, ENOMEM, LV_E_NOMEM},
  };
  char *dir = tu_tmpdir("file");
  char *p = tu_path(dir, "PART.DAT"), *t = tu_path(dir, "PART.TMP");
  size_t n = 2u * LV__AFILE_DIRECT_CHUNK + 99; /* two direct chunks and a tail */
  uint8_t *data = pattern(n);
  for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
    assert_int_equal(tu_write(p, "old", 3), 0);
    disarm_all();
    lv__fault_arm(cases[k].point, cases[k].k, cases[k].err);
    lv__afile *f = NULL;
    lv_status rc = lv__afile_open_tmp_ex(&f, p, t, 0644, LV__AFILE_DIRECT);
    if (rc == LV_OK) {
      rc = lv__afile_write(f, data, n);
      if (rc == LV_OK) rc = lv__afile_commit(f);
      else {
        /* poisoned: commit reports the same error, removes the temp */
        assert_int_equal(lv__afile_write(f, data, 1), rc);
        assert_int_equal(lv__afile_commit(f), rc);
      }
    }
    assert_int_equal(rc, cases[k].want);
    disarm_all();
    assert_file_is(p, "old", 3);
    assert_false(exists(t));
  }
  free(data), free(p), free(t), free(dir);
}

/* A long direct write is flushed behind the writer, and a flush that fails
 * there fails the file (its own fsync would no longer see the error): the
 * commit reports it, the old file stays and no temp file is left. */
static void afile_direct_background_flush_failure_fails_commit(void **state) {
  (void)state;
  static const struct {
    int err;
    lv_status want;
  } cases[] = {{0, LV_OK}, {EIO, LV_E_IO}, {ENOSPC, LV_E_NOSPACE}};
  char *dir = tu_tmpdir("file");
  char *p = tu_path(dir, "PART.DAT"), *t = tu_path(dir, "PART.TMP");
  size_t n = 2u * LV__AFILE_DIRECT_CHUNK + 99;
  uint8_t *data = pattern(n);
  for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
    assert_int_equal(tu_write(p, "old", 3), 0);
    disarm_all();
    if (cases[k].err) lv__fault_arm(LV_FAULT_FLUSH, 1, cases[k].err);
    lv__afile *f = NULL;
    assert_int_equal(lv__afile_open_tmp_ex(&f, p, t, 0644, LV__AFILE_DIRECT), LV_OK);
    /* one whole chunk asks for a flush; wait until it has started, so
     * that the commit cannot drop it as not yet begun */
    assert_int_equal(lv__afile_write(f, data, LV__AFILE_DIRECT_CHUNK), LV_OK);
    for (int i = 0; i < 10000 && lv__fault_calls(LV_FAULT_FLUSH) == 0; i++) usleep(1000);
    assert_true(lv__fault_calls(LV_FAULT_FLUSH) >= 1);
    assert_int_equal(lv__afile_write(f, data + LV__AFILE_DIRECT_CHUNK, n - LV__AFILE_DIRECT_CHUNK),
                     LV_OK);
    assert_int_equal(lv__afile_commit(f), cases[k].want);
    disarm_all();
    if (cases[k].want == LV_OK) assert_file_is(p, data, n);
    else assert_file_is(p, "old", 3);
    assert_false(exists(t));
  }
  free(data), free(p), free(t), free(dir);
}

/* A file system that takes O_DIRECT at open but refuses a direct write
 * (EINVAL: alignment it will not do): the writer goes on through the page
 * cache from where the file is, and the file is whole; a refusal that
 * persists is an error like any other, and the old file stays. */
static void afile_direct_refused_write_falls_back(void **state) {
  (void)state;
  char *dir = tu_tmpdir("file");
  char *p = tu_path(dir, "PART.DAT"), *t = tu_path(dir, "PART.TMP");
  size_t n = LV__AFILE_DIRECT_CHUNK * 3 + 777;
  uint8_t *data = pattern(n);
  for (unsigned long k = 1; k <= 3; k++) { /* the first, second, third chunk */
    lv__afile *f;
    assert_int_equal(tu_write(p, "old", 3), 0);
    assert_int_equal(lv__afile_open_tmp_ex(&f, p, t, 0644, LV__AFILE_DIRECT), LV_OK);
    lv__fault_arm(LV_FAULT_WRITE, k, EINVAL);
    assert_int_equal(lv__afile_write(f, data, n), LV_OK);
    if (fs_takes_direct(dir)) assert_false(open_direct(t)); /* buffered from there on */
    assert_int_equal(lv__afile_commit(f), LV_OK);
    disarm_all();
    assert_file_is(p, data, n);
  }
  /* every write refused: an I/O error, nothing half-written in place */
  assert_int_equal(tu_write(p, "old", 3), 0);
  lv__afile *f;
  assert_int_equal(lv__afile_open_tmp_ex(&f, p, t, 0644, LV__AFILE_DIRECT), LV_OK);
  lv__fault_arm_sticky(LV_FAULT_WRITE, 1, EINVAL);
  assert_int_equal(lv__afile_write(f, data, n), LV_E_IO);
  assert_int_equal(lv__afile_commit(f), LV_E_IO);
  disarm_all();
  assert_file_is(p, "old", 3);
  assert_false(exists(t));
  free(data), free(p), free(t), free(dir);
}

#define T(f) cmocka_unit_test_teardown(f, teardown_faults)

int main(void) {
  const struct CMUnitTest tests[] = {
      T(errno_status_maps_each_class),
      T(write_atomic_creates_file_with_mode),
      T(write_atomic_mode_ignores_umask),
      T(write_atomic_replaces_content_and_mode),
      T(write_atomic_into_missing_folder_is_no_file),
      T(afile_open_rejects_bad_args),
      T(write_atomic_write_enospc_keeps_old_content),
      T(write_atomic_write_eio_keeps_old_content),
      T(write_atomic_fsync_eio_keeps_old_content),
      T(write_atomic_fsync_enospc_keeps_old_content),
      T(write_atomic_rename_eio_keeps_old_content),
      T(write_atomic_rename_enospc_keeps_old_content),
      T(write_atomic_rename_after_temp_named_leaves_nothing),
      T(write_atomic_alloc_failure_is_nomem_and_leaves_nothing),
      T(afile_commit_dir_fsync_failure_reports_error_whole_file),
      T(fsync_dir_of_missing_folder_is_no_file),
      T(afile_streams_more_than_buffer),
      T(afile_one_write_larger_than_buffer),
      T(afile_direct_is_direct_until_the_tail),
      T(afile_direct_writes_any_size),
      T(afile_direct_failures_keep_old_content),
      T(afile_direct_refused_write_falls_back),
      T(afile_direct_background_flush_failure_fails_commit),
      T(afile_write_failure_midstream_keeps_old_content),
      T(afile_commit_after_failed_write_fails),
      T(afile_abort_leaves_no_file),
      T(afile_open_removes_dead_writers_temps_only),
      T(afile_two_writers_same_path_last_commit_wins),
      T(read_all_exact_max_ok_one_more_too_large),
      T(read_all_large_file_crosses_chunks),
      T(read_all_empty_file_is_empty),
      T(read_all_missing_is_no_file),
      T(read_all_rejects_size_max_and_folders),
      T(read_all_alloc_failure_is_nomem),
      T(mkdir_p_creates_nested_with_mode),
      T(mkdir_p_accepts_trailing_and_double_slashes),
      T(mkdir_p_through_a_file_fails),
      T(mkdir_p_on_existing_file_fails),
      T(mkdir_p_rejects_empty_path),
      T(mkdir_p_alloc_failure_is_nomem),
      T(path_join_adds_one_slash),
      T(fault_alloc_fails_exactly_the_kth_call),
      T(fault_alloc_fails_malloc_calloc_strdup),
      T(fault_disarmed_never_fails),
  };
  return cmocka_run_group_tests(tests, setup_umask, teardown_umask);
}
