/* file.h - durable file operations: the atomic writer (temp file, fsync,
 * rename, directory fsync), bounded whole-file reads, folder creation.
 * Every write, fsync, rename and folder fsync passes the fault seam (fault.h).
 * Ownership: lv__afile is owned by its caller until commit or abort, each of
 * which frees it. */
#ifndef LV_CORE_FILE_H
#define LV_CORE_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "licvault/status.h"

/* Maps an errno value to the nearest lv_status. */
lv_status lv__errno_status(int err);

typedef struct lv__afile lv__afile;

/* Starts writing path atomically: data goes to a temp file beside it
 * created with mode; nothing at path changes until commit. On Linux file
 * systems that allow it the temp file is unnamed (O_TMPFILE) until commit,
 * so a writer killed meanwhile leaves nothing behind; elsewhere (FAT, no
 * /proc) it is "path.tmpPID.N", and the next open of path removes those
 * that writers now dead left. Where nothing is at path yet, commit links the
 * finished file there directly: no temp name ever appears. */
lv_status lv__afile_open(lv__afile **out, const char *path, int mode);
/* The same with the temp file's name chosen by the caller (it must be in
 * path's folder), for media that want short names (a backup set's 8.3
 * names). An existing file at tmp is replaced. */
lv_status lv__afile_open_tmp(lv__afile **out, const char *path, const char *tmp, int mode);
/* Flags of lv__afile_open_tmp_ex. */
enum {
  /* Long sequential writes go straight to the device (O_DIRECT), from an
   * aligned buffer, where the file system allows it, else through the page
   * cache as usual: a large file is not first copied into memory the
   * kernel must then flush (on a VM or a USB stick that copy and the
   * flood of dirty pages cost more than the disk). Commit still fsyncs.
   * Such a file also has a thread of its own, a flusher (core/flusher.h),
   * that fdatasyncs it after each whole chunk while the writer goes on, so
   * that the device's cache is emptied as the file grows; a flush that
   * fails there fails the commit. */
  LV__AFILE_DIRECT = 1,
};
/* A direct writer's chunk: the size of each write, and its buffer. One
 * write at a time reaches the disk, so the chunk is how much the device
 * gets at once: the kernel splits a large write into requests it sends
 * together (4 MiB each here). 8 MiB against 2 MiB: a 1,000,000-license
 * backup 1.98 s against 2.28 s (five interleaved pairs; docs/performance.md,
 * session 8), for 6 MiB more memory. */
#define LV__AFILE_DIRECT_CHUNK (8u << 20)
lv_status lv__afile_open_tmp_ex(lv__afile **out, const char *path, const char *tmp, int mode,
                                unsigned flags);
lv_status lv__afile_write(lv__afile *f, const void *p, size_t n);
/* Bytes written so far. */
uint64_t lv__afile_size(const lv__afile *f);
/* Flushes, fsyncs, renames over path and fsyncs the folder; frees f. A
 * failure before the rename removes the temp file and leaves path as it was;
 * a failing folder fsync after it reports the error with the new, complete
 * content in place (not yet known durable). After a failed lv__afile_write
 * the writer is poisoned: writes and commit return that error. */
lv_status lv__afile_commit(lv__afile *f);
/* The same, telling whether the new content is in place at path (true when
 * only the final folder fsync failed). */
lv_status lv__afile_commit_ex(lv__afile *f, bool *in_place);
/* Removes the temp file; frees f. Accepts NULL. */
void lv__afile_abort(lv__afile *f);

/* Whole-buffer convenience over the atomic writer. */
lv_status lv__file_write_atomic(const char *path, const void *p, size_t n, int mode);

/* Reads a whole file of at most max bytes into a new buffer (free()).
 * LV_E_TOO_LARGE when it is longer. */
lv_status lv__file_read_all(const char *path, size_t max, uint8_t **out, size_t *outlen);

/* Creates path and its missing parents with mode (existing folders are
 * left). LV_E_EXISTS when path (or a parent) is not a folder. */
lv_status lv__mkdir_p(const char *path, int mode);

/* fsyncs a folder so that a rename or create inside it is durable. */
lv_status lv__fsync_dir(const char *path);

/* Joins a and b with one '/' into a new string (free()). */
char *lv__path_join(const char *a, const char *b);

#endif
