/* testutil.c - scratch folders and file helpers for the tests. */
#define _GNU_SOURCE
#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *tu_tmpdir(const char *tag) {
  const char *base = getenv("LV_TEST_TMP");
  char tmpl[4096];
  if (!base || !*base) base = "/tmp";
  mkdir(base, 0700);
  snprintf(tmpl, sizeof tmpl, "%s/%s.XXXXXX", base, tag);
  char *d = mkdtemp(tmpl);
  return d ? strdup(d) : NULL;
}

char *tu_path(const char *dir, const char *name) {
  char *p = NULL;
  if (asprintf(&p, "%s/%s", dir, name) < 0) return NULL;
  return p;
}

int tu_write(const char *path, const void *p, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  size_t w = fwrite(p, 1, n, f);
  return (fclose(f) == 0 && w == n) ? 0 : -1;
}

uint8_t *tu_read(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *b = malloc((size_t)len + 1);
  if (b && fread(b, 1, (size_t)len, f) != (size_t)len) {
    free(b);
    b = NULL;
  }
  fclose(f);
  if (b) *n = (size_t)len;
  return b;
}

int tu_flip(const char *path, long off) {
  FILE *f = fopen(path, "r+b");
  if (!f) return -1;
  fseek(f, off, SEEK_SET);
  int c = fgetc(f);
  fseek(f, off, SEEK_SET);
  fputc(c ^ 1, f);
  return fclose(f);
}

int tu_truncate(const char *path, long n) { return truncate(path, n); }

int tu_rm_dir(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return errno == ENOENT ? 0 : -1;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    char *p = tu_path(dir, e->d_name);
    unlink(p);
    free(p);
  }
  closedir(d);
  return rmdir(dir);
}

int tu_copy_dir(const char *from, const char *to) {
  if (tu_rm_dir(to) < 0 || mkdir(to, 0700) < 0) return -1;
  DIR *d = opendir(from);
  if (!d) return -1;
  struct dirent *e;
  int rc = 0;
  while (rc == 0 && (e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char *src = tu_path(from, e->d_name), *dst = tu_path(to, e->d_name);
    size_t n;
    uint8_t *data = tu_read(src, &n);
    struct stat st;
    if (!data || stat(src, &st) < 0 || tu_write(dst, data, n) < 0 || chmod(dst, st.st_mode & 07777) < 0)
      rc = -1;
    free(data), free(src), free(dst);
  }
  closedir(d);
  return rc;
}
