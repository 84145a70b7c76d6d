/* licfile_read.c - streaming reader of license files: header, one record at
 * a time in a fixed buffer (flat memory for any count), and a trailer whose
 * count and hash detect truncation, reordering and splicing. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/file.h"
#include "license/license.h"

struct lv__licfile_reader {
  FILE *f;
  uint64_t count;
  bool done;
  bool in_trailer; /* the end marker was read: errors are the file's */
  lv__hash_state hash;
  uint8_t rec[LV__LIC_MAX];
};

static lv_status read_exact(FILE *f, void *p, size_t n) {
  if (fread(p, 1, n, f) == n) return LV_OK;
  return ferror(f) ? LV_E_IO : LV_E_LICENSE_CORRUPT; /* short = truncated */
}

static lv_status read_header(lv__licfile_reader *r) {
  uint8_t h[LV__LICFILE_HEADER];
  lv_status rc = read_exact(r->f, h, sizeof h);
  if (rc < 0) return rc;
  if (memcmp(h, LV__LICFILE_MAGIC, 4)) return LV_E_LICENSE_CORRUPT;
  if (h[4] != LV__LICFILE_VERSION) return LV_E_LICENSE_VERSION;
  if (h[5] || h[6] || h[7]) return LV_E_LICENSE_CORRUPT;
  lv__hash_init(&r->hash);
  lv__hash_update(&r->hash, h, sizeof h);
  return LV_OK;
}

static lv_status open_stream(lv__licfile_reader **out, FILE *f) {
  lv_status rc = lv__crypto_init();
  if (rc < 0) {
    fclose(f);
    return rc;
  }
  lv__licfile_reader *r = lv__calloc(1, sizeof *r);
  if (!r) {
    fclose(f);
    return LV_E_NOMEM;
  }
  r->f = f;
  if ((rc = read_header(r)) < 0) {
    lv__licfile_close(r);
    return rc;
  }
  *out = r;
  return LV_OK;
}

lv_status lv__licfile_open(lv__licfile_reader **out, const char *path) {
  FILE *f = fopen(path, "rbe");
  if (!f) return lv__errno_status(errno);
  return open_stream(out, f);
}

static lv_status read_trailer(lv__licfile_reader *r) {
  uint8_t t[8 + LV__HASH], h[LV__HASH];
  lv_status rc = read_exact(r->f, t, sizeof t);
  if (rc < 0) return rc;
  lv__hash_update(&r->hash, t, 8); /* the count is covered too */
  lv__hash_final(&r->hash, h);
  if (lv__load_u64(t) != r->count || lv__memcmp_ct(h, t + 8, LV__HASH))
    return LV_E_LICENSE_CORRUPT;
  if (fgetc(r->f) != EOF) return LV_E_LICENSE_CORRUPT; /* nothing after it */
  r->done = true;
  return LV_OK;
}

lv_status lv__licfile_next(lv__licfile_reader *r, const uint8_t **rec, size_t *n) {
  uint8_t lb[4];
  lv_status rc;
  *rec = NULL;
  *n = 0;
  if (r->done) return LV_OK;
  if ((rc = read_exact(r->f, lb, 4)) < 0) return rc;
  lv__hash_update(&r->hash, lb, 4);
  uint32_t len = lv__load_u32(lb);
  if (len == 0) {
    r->in_trailer = true;
    return read_trailer(r);
  }
  if (len < LV__LIC_MIN || len > LV__LIC_MAX) return LV_E_LICENSE_CORRUPT;
  if ((rc = read_exact(r->f, r->rec, len)) < 0) return rc;
  lv__hash_update(&r->hash, r->rec, len);
  r->count++;
  *rec = r->rec;
  *n = len;
  return LV_OK;
}

uint64_t lv__licfile_index(const lv__licfile_reader *r) { return r->count; }

bool lv__licfile_in_trailer(const lv__licfile_reader *r) { return r->in_trailer; }

void lv__licfile_close(lv__licfile_reader *r) {
  if (!r) return;
  if (r->f) fclose(r->f);
  free(r);
}

lv_status lv__licfile_parse_mem(const uint8_t *p, size_t n, uint64_t *count) {
  lv__licfile_reader *r;
  lv_status rc;
  if (n == 0) return LV_E_LICENSE_CORRUPT;
  FILE *f = fmemopen((void *)p, n, "rb");
  if (!f) return LV_E_NOMEM;
  if ((rc = open_stream(&r, f)) < 0) return rc;
  for (;;) {
    const uint8_t *rec;
    size_t len;
    lv__license l;
    if ((rc = lv__licfile_next(r, &rec, &len)) < 0 || !rec) break;
    if ((rc = lv__license_decode(&l, rec, len)) < 0) break;
  }
  if (rc == LV_OK) *count = r->count;
  lv__licfile_close(r);
  return rc;
}
