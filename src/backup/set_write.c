/* set_write.c - writes a backup set's encrypted stream into parts of at
 * most part_max bytes, each made durable (fsync, rename, folder fsync) and
 * hashed for the manifest. Nothing here is a backup until the manifest that
 * names these parts replaces the old one. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backup/backup.h"
#include "core/alloc.h"
#include "core/file.h"
#include "core/stage.h"

#define MSG (LV__ENTRIES_PER_MSG * LV__ENTRY)
#define NCT 3 /* ciphertext buffers: one being encrypted, two with the writer */

typedef struct ctbuf {
  size_t len;
  uint8_t data[MSG + LV__SSTREAM_ABYTES];
} ctbuf;

struct lv__set_writer {
  char *dir;
  uint32_t gen;
  uint64_t part_max;
  lv__sstream ss;
  lv__afile *cur;
  uint64_t cur_size;
  lv__hash_state cur_hash;
  lv__part *parts;
  uint32_t nparts, cap;
  size_t fill; /* entries in msg */
  lv_status err;      /* the caller's side */
  _Atomic int io_err; /* the writing stage's first error (an lv_status) */
  lv__stage *io;      /* hashes and writes ciphertext while the next is made */
  unsigned next_ct;
  uint8_t msg[MSG];
  ctbuf ct[NCT];
};

static void io_one(void *ctx, void *item);

lv_status lv__set_writer_open(lv__set_writer **out, const char *dir, uint32_t gen,
                              uint64_t part_max, const uint8_t key[LV__KEY],
                              uint8_t header[LV__SSTREAM_HEADER]) {
  if (part_max < LV__PART_MIN || part_max > LV__PART_MAX_DEFAULT || !gen || gen > 255)
    return LV_E_INVALID_ARG;
  lv__set_writer *w = lv__calloc(1, sizeof *w);
  if (!w) return LV_E_NOMEM;
  w->dir = lv__strdup(dir);
  w->gen = gen;
  w->part_max = part_max;
  atomic_init(&w->io_err, LV_OK);
  lv_status rc = w->dir ? lv__sstream_push_init(&w->ss, header, key) : LV_E_NOMEM;
  if (rc == LV_OK) rc = lv__stage_start(&w->io, io_one, w, NCT - 1);
  if (rc < 0) {
    lv__set_writer_abort(w);
    return rc;
  }
  *out = w;
  return LV_OK;
}

static lv_status close_part(lv__set_writer *w) {
  lv__part *pt = &w->parts[w->nparts];
  pt->size = w->cur_size;
  lv__hash_final(&w->cur_hash, pt->hash);
  bool in_place = false;
  lv_status rc = lv__afile_commit_ex(w->cur, &in_place);
  w->cur = NULL;
  /* a part renamed into place whose folder fsync failed is still ours to
   * remove on abort: count it either way */
  if (rc == LV_OK || in_place) w->nparts++;
  return rc;
}

static lv_status open_part(lv__set_writer *w) {
  if (w->nparts == LV__MAN_MAX_PARTS) return LV_E_TOO_LARGE;
  if (w->nparts == w->cap) {
    uint32_t ncap = w->cap ? w->cap * 2 : 16;
    lv__part *np = lv__calloc(ncap, sizeof *np);
    if (!np) return LV_E_NOMEM;
    if (w->parts) memcpy(np, w->parts, w->nparts * sizeof *np);
    free(w->parts);
    w->parts = np;
    w->cap = ncap;
  }
  lv__part *pt = &w->parts[w->nparts];
  lv__part_name(pt->name, w->gen, w->nparts);
  char tmpname[13];
  memcpy(tmpname, pt->name, 9);
  memcpy(tmpname + 9, "TMP", 4); /* 8.3 even while being written */
  char *path = lv__path_join(w->dir, pt->name), *tmp = lv__path_join(w->dir, tmpname);
  /* 0644: a set is protected by its encryption, not by file modes, which
   * FAT32 and exFAT do not keep */
  lv_status rc = path && tmp ? lv__afile_open_tmp(&w->cur, path, tmp, 0644) : LV_E_NOMEM;
  free(path);
  free(tmp);
  w->cur_size = 0;
  lv__hash_init(&w->cur_hash);
  return rc;
}

static lv_status put(lv__set_writer *w, const uint8_t *p, size_t n) {
  lv_status rc;
  while (n) {
    if (!w->cur && (rc = open_part(w)) < 0) return rc;
    uint64_t room = w->part_max - w->cur_size;
    size_t take = n < room ? n : (size_t)room;
    if ((rc = lv__afile_write(w->cur, p, take)) < 0) return rc;
    lv__hash_update(&w->cur_hash, p, take);
    w->cur_size += take;
    p += take;
    n -= take;
    if (w->cur_size == w->part_max && (rc = close_part(w)) < 0) return rc;
  }
  return LV_OK;
}

/* The writing stage: parts, hashes and writes happen here, in order. */
static void io_one(void *ctx, void *item) {
  lv__set_writer *w = ctx;
  ctbuf *b = item;
  if (atomic_load(&w->io_err) < 0) return; /* after a failure, nothing more */
  lv_status rc = put(w, b->data, b->len);
  if (rc < 0) atomic_store(&w->io_err, rc);
}

static lv_status push(lv__set_writer *w, bool final) {
  size_t n = w->fill * LV__ENTRY;
  lv_status rc = atomic_load(&w->io_err);
  if (rc < 0) return rc;
  /* with a stage depth of NCT - 1, the buffer taken here is done with */
  ctbuf *b = &w->ct[w->next_ct];
  w->next_ct = (w->next_ct + 1) % NCT;
  lv__sstream_push(&w->ss, b->data, w->msg, n, final);
  b->len = n + LV__SSTREAM_ABYTES;
  lv__wipe(w->msg, n);
  w->fill = 0;
  lv__stage_push(w->io, b);
  return LV_OK;
}

lv_status lv__set_writer_add(lv__set_writer *w, const uint8_t *entries, size_t n) {
  if (w->err < 0) return w->err;
  while (n) {
    size_t take = LV__ENTRIES_PER_MSG - w->fill;
    if (take > n) take = n;
    memcpy(w->msg + w->fill * LV__ENTRY, entries, take * LV__ENTRY);
    w->fill += take;
    entries += take * LV__ENTRY;
    n -= take;
    if (w->fill == LV__ENTRIES_PER_MSG && (w->err = push(w, false)) < 0) return w->err;
  }
  return LV_OK;
}

lv_status lv__set_writer_finish(lv__set_writer *w, lv__part **parts, uint32_t *nparts) {
  lv_status rc = w->err;
  if (rc == LV_OK) rc = push(w, true);
  lv__stage_drain(w->io); /* from here on, only this thread touches the parts */
  if (rc == LV_OK) rc = atomic_load(&w->io_err);
  if (rc == LV_OK && w->cur) rc = close_part(w);
  if (rc < 0) {
    lv__set_writer_abort(w);
    return rc;
  }
  *parts = w->parts;
  *nparts = w->nparts;
  w->parts = NULL;
  w->nparts = 0;
  lv__set_writer_abort(w); /* frees what is left; nothing to remove */
  return LV_OK;
}

void lv__set_writer_abort(lv__set_writer *w) {
  if (!w) return;
  lv__stage_stop(w->io); /* nothing is being written any more */
  w->io = NULL;
  lv__afile_abort(w->cur);
  for (uint32_t i = 0; i < w->nparts; i++) {
    char *path = lv__path_join(w->dir, w->parts[i].name);
    if (path) unlink(path);
    free(path);
  }
  lv__wipe(w->msg, sizeof w->msg);
  lv__wipe(w->ct, sizeof w->ct);
  lv__wipe(&w->ss, sizeof w->ss);
  free(w->parts);
  free(w->dir);
  free(w);
}
