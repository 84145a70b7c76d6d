/* testutil.h - shared helpers for the cmocka tests: scratch folders under
 * $LV_TEST_TMP, file helpers. Each returned string is owned by the caller. */
#ifndef LV_TESTUTIL_H
#define LV_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* A fresh, empty folder unique to this process and call (free()). */
char *tu_tmpdir(const char *tag);
/* path joined with name (free()). */
char *tu_path(const char *dir, const char *name);
/* Writes n bytes to path (0 on success). */
int tu_write(const char *path, const void *p, size_t n);
/* Reads a whole file (free()); NULL on failure. */
uint8_t *tu_read(const char *path, size_t *n);
/* Flips one bit of byte off of a file. */
int tu_flip(const char *path, long off);
/* Truncates a file to n bytes. */
int tu_truncate(const char *path, long n);
/* Makes to an exact copy of the flat folder from (to is emptied first,
 * created when missing); 0 on success. */
int tu_copy_dir(const char *from, const char *to);
/* Removes a flat folder and its files; 0 on success or when missing. */
int tu_rm_dir(const char *dir);

#endif
