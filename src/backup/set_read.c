/* set_read.c - reads a backup set's stream back, part after part, one
 * message at a time (flat memory). The secretstream detects any change,
 * truncation, reordering or splice; the count and the final tag must agree
 * with the manifest. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backup/backup.h"
#include "core/alloc.h"
#include "core/file.h"

#define MSG (LV__ENTRIES_PER_MSG * LV__ENTRY)

/* Where the ciphertext comes from: the parts on disk, or memory (fuzzing). */
typedef struct source {
  const char *dir;
  const lv__manifest *m;
  uint32_t part;
  FILE *f;
  const uint8_t *mem;
  size_t memlen, memoff;
} source;

struct lv__set_reader {
  source src;
  lv__sstream ss;
  uint64_t left;  /* entries not yet returned */
  uint64_t queued; /* entries still to be read from the stream */
  size_t pos, count; /* in the current message */
  bool final_seen;
  uint8_t ct[MSG + LV__SSTREAM_ABYTES];
  uint8_t pt[MSG];
};

static lv_status src_read(source *s, uint8_t *p, size_t n) {
  if (s->mem) {
    if (s->memlen - s->memoff < n) return LV_E_BACKUP_CORRUPT;
    memcpy(p, s->mem + s->memoff, n);
    s->memoff += n;
    return LV_OK;
  }
  while (n) {
    if (!s->f) {
      if (s->part >= s->m->nparts) return LV_E_BACKUP_CORRUPT;
      char *path = lv__path_join(s->dir, s->m->parts[s->part].name);
      if (!path) return LV_E_NOMEM;
      s->f = fopen(path, "rbe");
      free(path);
      if (!s->f) return errno == ENOENT ? LV_E_BACKUP_CORRUPT : lv__errno_status(errno);
    }
    size_t r = fread(p, 1, n, s->f);
    if (ferror(s->f)) return LV_E_IO;
    p += r;
    n -= r;
    if (n) { /* this part is over: on to the next */
      fclose(s->f);
      s->f = NULL;
      s->part++;
    }
  }
  return LV_OK;
}

/* After the final message nothing may follow, in this part or another. */
static lv_status src_at_end(source *s) {
  if (s->mem) return s->memoff == s->memlen ? LV_OK : LV_E_BACKUP_CORRUPT;
  if (!s->f || fgetc(s->f) != EOF) return LV_E_BACKUP_CORRUPT;
  return s->part + 1 == s->m->nparts ? LV_OK : LV_E_BACKUP_CORRUPT;
}

static lv_status reader_new(lv__set_reader **out, const uint8_t key[LV__KEY],
                            const uint8_t header[LV__SSTREAM_HEADER], uint64_t licenses) {
  lv__set_reader *r = lv__calloc(1, sizeof *r);
  if (!r) return LV_E_NOMEM;
  if (lv__sstream_pull_init(&r->ss, header, key) < 0) {
    free(r);
    return LV_E_BACKUP_CORRUPT;
  }
  r->left = r->queued = licenses;
  *out = r;
  return LV_OK;
}

lv_status lv__set_reader_open(lv__set_reader **out, const char *dir, const lv__manifest *m,
                              const uint8_t key[LV__KEY]) {
  lv_status rc = reader_new(out, key, m->stream_header, m->licenses);
  if (rc == LV_OK) {
    (*out)->src.dir = dir;
    (*out)->src.m = m;
  }
  return rc;
}

static lv_status next_message(lv__set_reader *r) {
  bool final;
  size_t n = r->queued >= LV__ENTRIES_PER_MSG ? LV__ENTRIES_PER_MSG : (size_t)r->queued;
  size_t clen = n * LV__ENTRY + LV__SSTREAM_ABYTES;
  lv_status rc = src_read(&r->src, r->ct, clen);
  if (rc < 0) return rc;
  if (lv__sstream_pull(&r->ss, r->pt, r->ct, clen, &final) < 0) return LV_E_BACKUP_CORRUPT;
  /* a full message is never final; a short one always is */
  if (final != (n < LV__ENTRIES_PER_MSG)) return LV_E_BACKUP_CORRUPT;
  r->queued -= n;
  r->pos = 0;
  r->count = n;
  r->final_seen = final;
  return final ? src_at_end(&r->src) : LV_OK;
}

lv_status lv__set_reader_next(lv__set_reader *r, lv__entry *e) {
  lv_status rc;
  memset(e, 0, sizeof *e);
  while (r->pos == r->count) {
    if (r->final_seen) return LV_OK; /* verified end */
    if ((rc = next_message(r)) < 0) return rc;
  }
  rc = lv__entry_decode(e, r->pt + r->pos * LV__ENTRY);
  if (rc < 0) return rc;
  r->pos++;
  r->left--;
  return LV_OK;
}

void lv__set_reader_close(lv__set_reader *r) {
  if (!r) return;
  if (r->src.f) fclose(r->src.f);
  lv__wipe(r->pt, sizeof r->pt);
  lv__wipe(&r->ss, sizeof r->ss);
  free(r);
}

lv_status lv__stream_parse_mem(const uint8_t *p, size_t n, const uint8_t key[LV__KEY],
                               const uint8_t header[LV__SSTREAM_HEADER], uint64_t licenses) {
  lv__set_reader *r;
  lv__entry e;
  lv_status rc = reader_new(&r, key, header, licenses);
  if (rc < 0) return rc;
  r->src.mem = p ? p : (const uint8_t *)"";
  r->src.memlen = n;
  do {
    rc = lv__set_reader_next(r, &e);
  } while (rc == LV_OK && e.rec);
  lv__set_reader_close(r);
  return rc;
}
