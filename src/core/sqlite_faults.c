/* sqlite_faults.c - a SQLite VFS shim (test builds) that routes every write
 * and sync of a database, its WAL and journals through the fault points, so
 * the torture tests can fail the k-th write or fsync of a store or service
 * database the same way as licvault's own files. It wraps the default VFS
 * and registers itself as the new default; everything else passes through. */
#include "core/fault.h"

#ifdef LV_FAULTS
#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <string.h>

typedef struct shim_file {
  sqlite3_file base;
  sqlite3_file *real; /* follows this struct in the same allocation */
} shim_file;

static sqlite3_vfs shim_vfs;
static sqlite3_vfs *real_vfs;

#define REAL(f) (((shim_file *)(f))->real)

static int io_err(int e, int generic) { return e == ENOSPC ? SQLITE_FULL : generic; }

static int x_close(sqlite3_file *f) {
  sqlite3_file *r = REAL(f);
  int rc = r->pMethods ? r->pMethods->xClose(r) : SQLITE_OK;
  f->pMethods = NULL;
  return rc;
}
static int x_read(sqlite3_file *f, void *p, int n, sqlite3_int64 off) {
  return REAL(f)->pMethods->xRead(REAL(f), p, n, off);
}
static int x_write(sqlite3_file *f, const void *p, int n, sqlite3_int64 off) {
  int e = lv__fault_hit(LV_FAULT_WRITE);
  if (e) return io_err(e, SQLITE_IOERR_WRITE);
  return REAL(f)->pMethods->xWrite(REAL(f), p, n, off);
}
static int x_truncate(sqlite3_file *f, sqlite3_int64 n) {
  return REAL(f)->pMethods->xTruncate(REAL(f), n);
}
static int x_sync(sqlite3_file *f, int flags) {
  int e = lv__fault_hit(LV_FAULT_FSYNC);
  if (e) return io_err(e, SQLITE_IOERR_FSYNC);
  return REAL(f)->pMethods->xSync(REAL(f), flags);
}
static int x_size(sqlite3_file *f, sqlite3_int64 *n) {
  return REAL(f)->pMethods->xFileSize(REAL(f), n);
}
static int x_lock(sqlite3_file *f, int l) { return REAL(f)->pMethods->xLock(REAL(f), l); }
static int x_unlock(sqlite3_file *f, int l) { return REAL(f)->pMethods->xUnlock(REAL(f), l); }
static int x_reserved(sqlite3_file *f, int *out) {
  return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}
static int x_fctl(sqlite3_file *f, int op, void *arg) {
  return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}
static int x_sector(sqlite3_file *f) { return REAL(f)->pMethods->xSectorSize(REAL(f)); }
static int x_devchar(sqlite3_file *f) {
  return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}
static int x_shm_map(sqlite3_file *f, int pg, int sz, int ext, void volatile **pp) {
  return REAL(f)->pMethods->xShmMap(REAL(f), pg, sz, ext, pp);
}
static int x_shm_lock(sqlite3_file *f, int off, int n, int flags) {
  return REAL(f)->pMethods->xShmLock(REAL(f), off, n, flags);
}
static void x_shm_barrier(sqlite3_file *f) { REAL(f)->pMethods->xShmBarrier(REAL(f)); }
static int x_shm_unmap(sqlite3_file *f, int del) {
  return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}

/* Version 2: no xFetch, so SQLite never reads through a memory map that
 * would bypass nothing but complicate nothing either. */
static const sqlite3_io_methods shim_io = {
    2,        x_close,   x_read,   x_write,   x_truncate,  x_sync,        x_size,
    x_lock,   x_unlock,  x_reserved, x_fctl,  x_sector,    x_devchar,     x_shm_map,
    x_shm_lock, x_shm_barrier, x_shm_unmap, NULL, NULL};

static int x_open(sqlite3_vfs *v, const char *name, sqlite3_file *f, int flags, int *out) {
  (void)v;
  shim_file *s = (shim_file *)f;
  s->real = (sqlite3_file *)(s + 1);
  int rc = real_vfs->xOpen(real_vfs, name, s->real, flags, out);
  /* SQLite calls xClose only when pMethods is set, so mirror the real one */
  f->pMethods = s->real->pMethods ? &shim_io : NULL;
  return rc;
}
static int x_delete(sqlite3_vfs *v, const char *name, int sync) {
  (void)v;
  return real_vfs->xDelete(real_vfs, name, sync);
}
static int x_access(sqlite3_vfs *v, const char *name, int flags, int *out) {
  (void)v;
  return real_vfs->xAccess(real_vfs, name, flags, out);
}
static int x_fullpath(sqlite3_vfs *v, const char *name, int n, char *out) {
  (void)v;
  return real_vfs->xFullPathname(real_vfs, name, n, out);
}
static int x_random(sqlite3_vfs *v, int n, char *out) {
  (void)v;
  return real_vfs->xRandomness(real_vfs, n, out);
}
static int x_sleep(sqlite3_vfs *v, int us) {
  (void)v;
  return real_vfs->xSleep(real_vfs, us);
}
static int x_time(sqlite3_vfs *v, double *out) {
  (void)v;
  return real_vfs->xCurrentTime(real_vfs, out);
}
static int x_lasterr(sqlite3_vfs *v, int n, char *out) {
  (void)v;
  return real_vfs->xGetLastError(real_vfs, n, out);
}
static int x_time64(sqlite3_vfs *v, sqlite3_int64 *out) {
  (void)v;
  return real_vfs->xCurrentTimeInt64(real_vfs, out);
}

static void *x_dlopen(sqlite3_vfs *v, const char *name) {
  (void)v;
  return real_vfs->xDlOpen(real_vfs, name);
}
static void x_dlerror(sqlite3_vfs *v, int n, char *out) {
  (void)v;
  real_vfs->xDlError(real_vfs, n, out);
}
static void (*x_dlsym(sqlite3_vfs *v, void *h, const char *sym))(void) {
  (void)v;
  return real_vfs->xDlSym(real_vfs, h, sym);
}
static void x_dlclose(sqlite3_vfs *v, void *h) {
  (void)v;
  real_vfs->xDlClose(real_vfs, h);
}

static void install_once(void) {
  real_vfs = sqlite3_vfs_find(NULL);
  if (!real_vfs) return;
  shim_vfs = (sqlite3_vfs){.iVersion = 2,
                           .szOsFile = (int)sizeof(shim_file) + real_vfs->szOsFile,
                           .mxPathname = real_vfs->mxPathname,
                           .zName = "lv-faults",
                           .xOpen = x_open,
                           .xDelete = x_delete,
                           .xAccess = x_access,
                           .xFullPathname = x_fullpath,
                           .xDlOpen = x_dlopen,
                           .xDlError = x_dlerror,
                           .xDlSym = x_dlsym,
                           .xDlClose = x_dlclose,
                           .xRandomness = x_random,
                           .xSleep = x_sleep,
                           .xCurrentTime = x_time,
                           .xGetLastError = x_lasterr,
                           .xCurrentTimeInt64 = x_time64};
  sqlite3_vfs_register(&shim_vfs, 1);
}

void lv__fault_sqlite_install(void) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, install_once);
}
#else
typedef int lv__sqlite_faults_unused; /* ISO C forbids an empty translation unit */
#endif
