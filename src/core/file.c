/* file.c - atomic, durable file writes and bounded reads.
 * The rule it enforces: a reader of path sees the old bytes or the new ones,
 * never a mix, whatever moment the process or the machine dies. */
#define _GNU_SOURCE
#include "core/file.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <libgen.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/fault.h"
#include "core/flusher.h"

#define AFILE_BUF (64 * 1024)
/* Direct I/O: chunks of DIRECT_BUF bytes, at offsets and addresses that are
 * multiples of DIRECT_ALIGN (the largest logical block size in use). */
#define DIRECT_BUF LV__AFILE_DIRECT_CHUNK
#define DIRECT_ALIGN 4096

struct lv__afile {
  int fd;
  char *path;
  char *tmp;
  bool anon; /* an unnamed O_TMPFILE: tmp is only the name it is linked at */
  uint64_t size;
  uint64_t written, started; /* bytes handed to the kernel; of them, sent to disk */
  lv_status err; /* sticky: after a failed write the file can only be aborted */
  size_t fill;
  uint8_t *dbuf; /* direct mode: DIRECT_BUF aligned bytes, used instead of buf */
  size_t dhigh;  /* the most of dbuf ever filled: what abort wipes */
  bool direct;   /* the descriptor has O_DIRECT set */
  lv__flusher *behind; /* LV__AFILE_DIRECT files: flushed behind the writer */
  uint8_t buf[AFILE_BUF];
};

lv_status lv__errno_status(int err) {
  switch (err) {
  case ENOSPC:
  case EDQUOT:
  case EFBIG: return LV_E_NOSPACE;
  case ENOENT:
  case ENOTDIR: return LV_E_NO_FILE;
  case EACCES:
  case EPERM:
  case EROFS: return LV_E_ACCESS;
  case EEXIST: return LV_E_EXISTS;
  case ENOMEM: return LV_E_NOMEM;
  default: return LV_E_IO;
  }
}

/* Writes n bytes; *done (may be NULL) gets how many went out, also on
 * failure, so that a caller retrying another way resumes where the file's
 * offset now is instead of writing a prefix twice. */
static int write_all(int fd, const uint8_t *p, size_t n, size_t *done) {
  size_t d = 0;
  int e = 0;
  while (d < n) {
    if ((e = lv__fault_hit(LV_FAULT_WRITE)) != 0) break;
    ssize_t w = write(fd, p + d, n - d);
    if (w < 0) {
      if (errno == EINTR) continue;
      e = errno;
      break;
    }
    d += (size_t)w;
  }
  if (done) *done = d;
  return e;
}

static int do_fsync(int fd) {
  int e = lv__fault_hit(LV_FAULT_FSYNC);
  if (e) return e;
  return fsync(fd) < 0 ? errno : 0;
}

char *lv__path_join(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  char *s = lv__malloc(la + lb + 2);
  if (!s) return NULL;
  memcpy(s, a, la);
  size_t o = la;
  if (la && a[la - 1] != '/') s[o++] = '/';
  memcpy(s + o, b, lb + 1);
  return s;
}

static char *dir_of(const char *path) {
  char *c = lv__strdup(path);
  if (!c) return NULL;
  char *d = lv__strdup(dirname(c));
  free(c);
  return d;
}

lv_status lv__fsync_dir(const char *path) {
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return lv__errno_status(errno);
  int e = lv__fault_hit(LV_FAULT_DIRSYNC);
  if (!e && fsync(fd) < 0) e = errno;
  close(fd);
  return e ? lv__errno_status(e) : LV_OK;
}

/* An unnamed file in path's folder (Linux O_TMPFILE), so that a process
 * killed while writing leaves nothing behind; -1 where the file system (FAT,
 * say) or a missing /proc does not allow it: then a named temp file. */
static int open_anon(const char *path, int mode) {
#ifdef O_TMPFILE
  if (access("/proc/self/fd", X_OK) < 0) return -1;
  char *dir = dir_of(path);
  if (!dir) return -1;
  int fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, mode);
  free(dir);
  return fd;
#else
  (void)path, (void)mode;
  return -1;
#endif
}

#define TMP_SLACK 48 /* ".tmp" PID "." SEQ: at most 36 bytes */

/* The temp name sits in the same folder (rename must not cross file
 * systems) and is unique per process and attempt; tmp holds strlen(path) +
 * TMP_SLACK bytes. A name taken already (a dead process that had our pid
 * left it) is passed over by asking for the next one. */
static void tmp_name(char *tmp, const char *path) {
  static unsigned long seq;
  snprintf(tmp, strlen(path) + TMP_SLACK, "%s.tmp%ld.%lu", path, (long)getpid(),
           __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED));
}

static lv_status afile_start(lv__afile **out, char *path, char *tmp, int mode, int excl) {
  lv__afile *f = lv__calloc(1, sizeof *f);
  if (!f || !path || !tmp) {
    free(f), free(path), free(tmp);
    return LV_E_NOMEM;
  }
  f->path = path;
  f->tmp = tmp;
  /* only a unique temp name (excl) may be linked late: a fixed one may be
   * meant to be seen while written (the backup set's parts are not) */
  f->fd = excl ? open_anon(path, mode) : -1;
  f->anon = f->fd >= 0;
  if (!f->anon) f->fd = open(f->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | excl, mode);
  for (int i = 0; excl && f->fd < 0 && errno == EEXIST && i < 16; i++) {
    tmp_name(f->tmp, f->path);
    f->fd = open(f->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | excl, mode);
  }
  if (f->fd < 0) {
    lv_status rc = lv__errno_status(errno);
    free(f->tmp);
    f->tmp = NULL; /* not ours: never unlink it */
    lv__afile_abort(f);
    return rc;
  }
  fchmod(f->fd, (mode_t)mode); /* umask must not widen or narrow it */
  *out = f;
  return LV_OK;
}

/* Whether name is base + ".tmp<pid>.<n>" with pid a process that is gone:
 * a named temp file (no O_TMPFILE here) that a killed writer left. A pid we
 * cannot signal for want of permission is alive: never remove its file. */
static bool stale_temp(const char *name, const char *base, size_t blen) {
  if (strncmp(name, base, blen) != 0 || strncmp(name + blen, ".tmp", 4) != 0) return false;
  const char *p = name + blen + 4;
  char *end;
  errno = 0;
  long pid = strtol(p, &end, 10);
  if (errno || end == p || *end != '.' || pid <= 0 || pid == (long)getpid()) return false;
  p = end + 1;
  strtoul(p, &end, 10);
  if (end == p || *end) return false;
  return kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

/* Best effort, before a new write: remove the temp files of path that dead
 * writers left, so that kill -9 on a file system without unnamed files does
 * not leave them to pile up. Errors change nothing: it is housekeeping. */
static void sweep_stale(const char *path) {
  const char *slash = strrchr(path, '/');
  const char *base = slash ? slash + 1 : path;
  size_t blen = strlen(base);
  /* plain strndup, not the allocation seam: a failure here is swallowed,
   * so it must not use up an injected fault meant for the write itself */
  char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
  DIR *d = dir ? opendir(dir) : NULL;
  if (d) {
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
      if (stale_temp(e->d_name, base, blen)) unlinkat(dirfd(d), e->d_name, 0);
    closedir(d);
  }
  free(dir);
}

lv_status lv__afile_open(lv__afile **out, const char *path, int mode) {
  if (!out || !path || !*path) return LV_E_INVALID_ARG;
  sweep_stale(path);
  char *tmp = lv__malloc(strlen(path) + TMP_SLACK);
  if (tmp) tmp_name(tmp, path);
  return afile_start(out, lv__strdup(path), tmp, mode, O_EXCL);
}

lv_status lv__afile_open_tmp(lv__afile **out, const char *path, const char *tmp, int mode) {
  return lv__afile_open_tmp_ex(out, path, tmp, mode, 0);
}

/* Sets or clears O_DIRECT on the descriptor; false if that is refused. */
static bool set_direct(lv__afile *f, bool on) {
  int fl = fcntl(f->fd, F_GETFL);
  if (fl < 0 || fcntl(f->fd, F_SETFL, on ? fl | O_DIRECT : fl & ~O_DIRECT) < 0) return false;
  f->direct = on;
  return true;
}

lv_status lv__afile_open_tmp_ex(lv__afile **out, const char *path, const char *tmp, int mode,
                                unsigned flags) {
  if (!out || !path || !*path || !tmp || !*tmp) return LV_E_INVALID_ARG;
  lv__afile *f;
  lv_status rc = afile_start(&f, lv__strdup(path), lv__strdup(tmp), mode, 0);
  if (rc < 0 || !(flags & LV__AFILE_DIRECT)) {
    if (rc == LV_OK) *out = f;
    return rc;
  }
  if (!(f->dbuf = lv__aligned_alloc(DIRECT_ALIGN, DIRECT_BUF))) {
    lv__afile_abort(f);
    return LV_E_NOMEM;
  }
  /* a file system without direct I/O (tmpfs, some FUSE) refuses it here,
   * or later with EINVAL: then the page cache, as for any file */
  set_direct(f, true);
  f->behind = lv__flusher_start(f->fd);
  *out = f;
  return LV_OK;
}

/* Start writing back what is written so far, without waiting, every
 * WRITEBACK bytes: the disk works while we compute, and the fsync at
 * commit finds little left to do (a 600 MiB backup set otherwise waits for
 * all of it at the end). Advice only: its failure changes nothing. */
#define WRITEBACK (8u << 20)
static void start_writeback(lv__afile *f) {
#ifdef SYNC_FILE_RANGE_WRITE
  if (f->written - f->started < WRITEBACK) return;
  sync_file_range(f->fd, (off_t)f->started, (off_t)(f->written - f->started), SYNC_FILE_RANGE_WRITE);
  f->started = f->written;
#else
  (void)f;
#endif
}

static lv_status flush(lv__afile *f) {
  const uint8_t *b = f->dbuf ? f->dbuf : f->buf;
  size_t done = 0;
  /* a direct write must be whole blocks: the tail (at commit) goes
   * through the page cache */
  if (f->direct && f->fill % DIRECT_ALIGN) set_direct(f, false);
  int e = write_all(f->fd, b, f->fill, &done);
  if (e == EINVAL && f->direct && set_direct(f, false)) { /* alignment refused */
    /* what a short direct write took is in the file: go on after it */
    size_t more = 0;
    e = write_all(f->fd, b + done, f->fill - done, &more);
    done += more;
  }
  f->written += done;
  if (f->dbuf && f->fill > f->dhigh) f->dhigh = f->fill;
  f->fill = 0;
  if (!e && !f->direct) start_writeback(f);
  if (!e && done == DIRECT_BUF) lv__flusher_kick(f->behind); /* a whole chunk, not the tail */
  return e ? lv__errno_status(e) : LV_OK;
}

lv_status lv__afile_write(lv__afile *f, const void *p, size_t n) {
  const uint8_t *s = p;
  lv_status rc;
  if (f->err < 0) return f->err;
  f->size += n;
  uint8_t *b = f->dbuf ? f->dbuf : f->buf;
  size_t cap = f->dbuf ? DIRECT_BUF : AFILE_BUF;
  while (n) {
    size_t take = cap - f->fill;
    if (take > n) take = n;
    memcpy(b + f->fill, s, take);
    f->fill += take;
    s += take;
    n -= take;
    if (f->fill == cap && (rc = flush(f)) < 0) return f->err = rc;
  }
  return LV_OK;
}

uint64_t lv__afile_size(const lv__afile *f) { return f->size; }

lv_status lv__afile_commit_ex(lv__afile *f, bool *in_place) {
  lv_status rc;
  int e;
  /* everything that can fail for want of memory happens before the rename:
   * after it, only the folder's fsync can fail */
  char *dir = dir_of(f->path);
  if (in_place) *in_place = false;
  if (!dir) {
    rc = LV_E_NOMEM;
    goto done;
  }
  if ((rc = f->err) < 0 || (rc = flush(f)) < 0) goto done;
  e = lv__flusher_stop(f->behind); /* a background flush's error is this file's */
  f->behind = NULL;
  if (e || (e = do_fsync(f->fd)) != 0) {
    rc = lv__errno_status(e);
    goto done;
  }
  if (f->anon) {
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", f->fd);
    /* nothing at path yet: link the finished file there directly, so that
     * no moment exists at which a kill leaves a temp name behind */
    if ((e = lv__fault_hit(LV_FAULT_RENAME)) == 0 &&
        linkat(AT_FDCWD, proc, AT_FDCWD, f->path, AT_SYMLINK_FOLLOW) == 0) {
      close(f->fd); /* written and fsynced: close cannot lose data now */
      f->fd = -1;
      if (in_place) *in_place = true;
      rc = lv__fsync_dir(dir);
      goto done;
    }
    if (e) {
      rc = lv__errno_status(e);
      goto done;
    }
    if (errno != EEXIST) {
      rc = lv__errno_status(errno);
      goto done;
    }
    /* replacing a file: give the unnamed one its temp name, then rename it
     * over path as usual (rename replaces atomically, linkat cannot) */
    int r = linkat(AT_FDCWD, proc, AT_FDCWD, f->tmp, AT_SYMLINK_FOLLOW);
    for (int i = 0; r < 0 && errno == EEXIST && i < 16; i++) {
      tmp_name(f->tmp, f->path);
      r = linkat(AT_FDCWD, proc, AT_FDCWD, f->tmp, AT_SYMLINK_FOLLOW);
    }
    if (r < 0) {
      rc = lv__errno_status(errno);
      goto done;
    }
    f->anon = false; /* named now: abort removes it */
  }
  if (close(f->fd) < 0) {
    f->fd = -1;
    rc = lv__errno_status(errno);
    goto done;
  }
  f->fd = -1;
  if ((e = lv__fault_hit(LV_FAULT_RENAME)) != 0 ||
      (rename(f->tmp, f->path) < 0 && (e = errno) != 0)) {
    rc = lv__errno_status(e);
    goto done;
  }
  free(f->tmp);
  f->tmp = NULL; /* renamed: nothing to remove any more */
  if (in_place) *in_place = true;
  rc = lv__fsync_dir(dir);
done:
  free(dir);
  lv__afile_abort(f);
  return rc;
}

lv_status lv__afile_commit(lv__afile *f) { return lv__afile_commit_ex(f, NULL); }

void lv__afile_abort(lv__afile *f) {
  if (!f) return;
  lv__flusher_stop(f->behind); /* before the descriptor it flushes is closed */
  if (f->fd >= 0) close(f->fd);
  if (f->tmp && !f->anon) unlink(f->tmp);
  lv__wipe(f->buf, sizeof f->buf);
  if (f->dbuf) lv__wipe(f->dbuf, f->fill > f->dhigh ? f->fill : f->dhigh);
  free(f->dbuf);
  free(f->tmp);
  free(f->path);
  free(f);
}

lv_status lv__file_write_atomic(const char *path, const void *p, size_t n, int mode) {
  lv__afile *f;
  lv_status rc = lv__afile_open(&f, path, mode);
  if (rc < 0) return rc;
  if ((rc = lv__afile_write(f, p, n)) < 0) {
    lv__afile_abort(f);
    return rc;
  }
  return lv__afile_commit(f);
}

lv_status lv__file_read_all(const char *path, size_t max, uint8_t **out, size_t *outlen) {
  if (max == SIZE_MAX) return LV_E_INVALID_ARG;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return lv__errno_status(errno);
  lv__buf b;
  lv__buf_init(&b, max + 1); /* one byte of slack tells "too long" apart */
  lv_status rc = LV_OK;
  for (;;) {
    size_t want = max + 1 - b.len;
    if (want == 0) {
      rc = LV_E_TOO_LARGE;
      break;
    }
    if (want > 65536) want = 65536;
    if ((rc = lv__buf_reserve(&b, want)) < 0) break;
    ssize_t r = read(fd, b.data + b.len, want);
    if (r < 0) {
      if (errno == EINTR) continue;
      rc = lv__errno_status(errno);
      break;
    }
    if (r == 0) break;
    b.len += (size_t)r;
  }
  close(fd);
  if (rc < 0) {
    lv__buf_free(&b);
    return rc;
  }
  *out = b.data;
  *outlen = b.len;
  return LV_OK;
}

lv_status lv__mkdir_p(const char *path, int mode) {
  struct stat st;
  if (!path || !*path) return LV_E_INVALID_ARG;
  char *p = lv__strdup(path);
  if (!p) return LV_E_NOMEM;
  lv_status rc = LV_OK;
  for (char *s = p + 1;; s++) {
    if (*s != '/' && *s != '\0') continue;
    char c = *s;
    *s = '\0';
    if (mkdir(p, (mode_t)mode) < 0 && errno != EEXIST) {
      rc = lv__errno_status(errno);
      break;
    }
    *s = c;
    if (!c) break;
  }
  free(p);
  /* EEXIST above may be a file: the whole path must end as a folder */
  if (rc == LV_OK && (stat(path, &st) < 0 || !S_ISDIR(st.st_mode)))
    rc = errno == ENOENT ? LV_E_NO_FILE : LV_E_EXISTS;
  return rc;
}
