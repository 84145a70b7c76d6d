/* set_write.c - writes a backup set's encrypted stream into parts of at
 * most part_max bytes, each made durable (fsync, rename, folder fsync) and
 * hashed for the manifest. Nothing here is a backup until the manifest that
 * names these parts replaces the old one.
 *
 * Four threads share the work, in order, each of it sequential by nature:
 * the caller builds groups of entries in the writer's buffers; the crypto
 * stage encrypts them (the secretstream is one chain); the hash stage
 * hashes the ciphertext part by part; the io stage writes it (direct I/O,
 * which blocks for the device). The hash and io stages each keep their own offset into the
 * current part; both cut parts at the same multiples of part_max, so the
 * hashes of the one and the files of the other line up. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backup/backup.h"
#include "core/alloc.h"
#include "core/file.h"
#include "core/stage.h"

#define MSG (LV__ENTRIES_PER_MSG * LV__ENTRY)
/* The stages hand each other groups of LV__SET_GROUP_MSGS messages, not
 * single ones: on this kind of machine (2 cores, a VM) a thread's sleep
 * and wake-up costs as much as hashing a few KB, and at one message per
 * hand-over the backup of 1M licenses spent an eighth of its CPU time on
 * them. */
#define GROUP LV__SET_GROUP_MSGS
/* Plaintext groups: those the caller holds, and those queued for or in the
 * crypto stage (CRYPTO_DEPTH). The caller takes group g only after it has
 * put g - LV__SET_HELD, and once that push returned, group g - HELD - DEPTH
 * and all before it are encrypted (stage.h): so NGRP buffers suffice. */
#define CRYPTO_DEPTH 2
#define NGRP (LV__SET_HELD + CRYPTO_DEPTH)
/* Ciphertext groups, in flight through the hash stage (HASH_DEPTH) and the
 * io stage (IO_DEPTH), plus the one being encrypted: the io stage's queue
 * covers a direct write's wait for the device, so that encryption and
 * hashing do not stall on it. */
#define HASH_DEPTH 2
#define IO_DEPTH 3
#define NCT (HASH_DEPTH + IO_DEPTH + 1)

typedef struct msgbuf {
  size_t n; /* bytes: whole messages, and a short last one only when final */
  bool final;
  uint8_t data[GROUP * MSG];
} msgbuf;

typedef struct ctbuf {
  size_t len;
  uint8_t data[GROUP * (MSG + LV__SSTREAM_ABYTES)];
} ctbuf;

struct lv__set_writer {
  char *dir;
  uint32_t gen;
  uint64_t part_max;
  lv_status err;      /* the caller's side */
  _Atomic int io_err; /* the stages' first error (an lv_status) */
  /* the caller's */
  unsigned next_take, next_put;
  bool ended; /* the final group is put */
  lv__stage *crypto, *hasher, *io;
  /* the crypto stage's */
  lv__sstream ss;
  unsigned next_ct;
  /* the hash stage's */
  lv__digest hash;
  bool hashing;      /* a part's hash is open */
  uint64_t hsize;    /* bytes of it hashed */
  uint8_t (*hashes)[LV__HASH];
  uint32_t nhashes, hcap;
  /* the io stage's */
  lv__afile *cur;
  uint64_t cur_size;
  lv__part *parts;
  uint32_t nparts, cap;
  msgbuf msg[NGRP];
  ctbuf ct[NCT];
};

static void crypto_one(void *ctx, void *item);
static void hash_one(void *ctx, void *item);
static void io_one(void *ctx, void *item);

static void fail(lv__set_writer *w, lv_status rc) {
  int ok = LV_OK;
  atomic_compare_exchange_strong(&w->io_err, &ok, (int)rc); /* the first one stays */
}

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
  /* with depths that add up to one less than the buffers, the buffer
   * taken next is always done with (stage.h) */
  if (rc == LV_OK) rc = lv__stage_start(&w->io, io_one, w, IO_DEPTH);
  if (rc == LV_OK) rc = lv__stage_start(&w->hasher, hash_one, w, HASH_DEPTH);
  if (rc == LV_OK) rc = lv__stage_start(&w->crypto, crypto_one, w, CRYPTO_DEPTH);
  if (rc < 0) {
    lv__set_writer_abort(w);
    return rc;
  }
  *out = w;
  return LV_OK;
}

/* How many of the next n bytes still belong to the part of which done
 * bytes are written: the one rule both stages cut parts by, so that the
 * hashes of the one and the files of the other line up. */
static size_t part_take(uint64_t done, uint64_t part_max, size_t n) {
  uint64_t room = part_max - done;
  return n < room ? n : (size_t)room;
}

/* ---- the io stage: parts as files ---- */

static lv_status close_part(lv__set_writer *w) {
  lv__part *pt = &w->parts[w->nparts];
  pt->size = w->cur_size;
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
  lv_status rc =
      path && tmp ? lv__afile_open_tmp_ex(&w->cur, path, tmp, 0644, LV__AFILE_DIRECT) : LV_E_NOMEM;
  free(path);
  free(tmp);
  w->cur_size = 0;
  return rc;
}

static lv_status put(lv__set_writer *w, const uint8_t *p, size_t n) {
  lv_status rc;
  while (n) {
    if (!w->cur && (rc = open_part(w)) < 0) return rc;
    size_t take = part_take(w->cur_size, w->part_max, n);
    if ((rc = lv__afile_write(w->cur, p, take)) < 0) return rc;
    w->cur_size += take;
    p += take;
    n -= take;
    if (w->cur_size == w->part_max && (rc = close_part(w)) < 0) return rc;
  }
  return LV_OK;
}

static void io_one(void *ctx, void *item) {
  lv__set_writer *w = ctx;
  ctbuf *b = item;
  if (atomic_load(&w->io_err) < 0) return; /* after a failure, nothing more */
  lv_status rc = put(w, b->data, b->len);
  if (rc < 0) fail(w, rc);
}

/* ---- the hash stage: the parts' hashes ---- */

static lv_status end_hash(lv__set_writer *w) {
  if (w->nhashes == w->hcap) {
    uint32_t ncap = w->hcap ? w->hcap * 2 : 16;
    void *nh = lv__realloc(w->hashes, (size_t)ncap * LV__HASH);
    if (!nh) return LV_E_NOMEM;
    w->hashes = nh;
    w->hcap = ncap;
  }
  w->hashing = false;
  return lv__digest_final(&w->hash, w->hashes[w->nhashes++]);
}

static lv_status hash_put(lv__set_writer *w, const uint8_t *p, size_t n) {
  lv_status rc;
  while (n) {
    if (!w->hashing) {
      if (w->nhashes == LV__MAN_MAX_PARTS) return LV_E_TOO_LARGE;
      if ((rc = lv__digest_init(&w->hash, lv__set_digest_alg(LV__SET_VERSION))) < 0) return rc;
      w->hashing = true;
      w->hsize = 0;
    }
    size_t take = part_take(w->hsize, w->part_max, n);
    if ((rc = lv__digest_update(&w->hash, p, take)) < 0) return rc;
    w->hsize += take;
    p += take;
    n -= take;
    if (w->hsize == w->part_max && (rc = end_hash(w)) < 0) return rc;
  }
  return LV_OK;
}

static void hash_one(void *ctx, void *item) {
  lv__set_writer *w = ctx;
  ctbuf *b = item;
  if (atomic_load(&w->io_err) < 0) return;
  lv_status rc = hash_put(w, b->data, b->len);
  if (rc < 0) fail(w, rc);
  else lv__stage_push(w->io, b);
}

/* ---- the crypto stage: the stream ---- */

static void crypto_one(void *ctx, void *item) {
  lv__set_writer *w = ctx;
  msgbuf *m = item;
  if (atomic_load(&w->io_err) < 0) {
    lv__wipe(m->data, m->n);
    return;
  }
  ctbuf *b = &w->ct[w->next_ct];
  w->next_ct = (w->next_ct + 1) % NCT;
  b->len = 0;
  /* whole messages; when final, then the rest (0 to 63 entries) as the
   * one tagged message */
  size_t off = 0;
  while (m->n - off >= MSG) {
    lv__sstream_push(&w->ss, b->data + b->len, m->data + off, MSG, false);
    b->len += MSG + LV__SSTREAM_ABYTES;
    off += MSG;
  }
  if (m->final) {
    lv__sstream_push(&w->ss, b->data + b->len, m->data + off, m->n - off, true);
    b->len += m->n - off + LV__SSTREAM_ABYTES;
  }
  lv__wipe(m->data, m->n);
  lv__stage_push(w->hasher, b);
}

/* ---- the caller's side ---- */

uint8_t *lv__set_writer_take(lv__set_writer *w) {
  if (w->err < 0) return NULL; /* a failed writer is only aborted */
  msgbuf *m = &w->msg[w->next_take];
  w->next_take = (w->next_take + 1) % NGRP;
  return m->data;
}

lv_status lv__set_writer_put(lv__set_writer *w, uint8_t *group, size_t n) {
  msgbuf *m = &w->msg[w->next_put];
  w->next_put = (w->next_put + 1) % NGRP;
  if (w->err == LV_OK && (group != m->data || n > LV__SET_GROUP_ENTRIES || w->ended))
    w->err = LV_E_INTERNAL; /* the caller broke the order: nothing more is written */
  if (w->err == LV_OK) w->err = atomic_load(&w->io_err);
  if (w->err < 0) {
    lv__wipe(m->data, sizeof m->data); /* the buffer due */
    for (unsigned i = 0; i < NGRP; i++) /* and the one put, if it is ours */
      if (group == w->msg[i].data) lv__wipe(group, sizeof w->msg[i].data);
    return w->err;
  }
  m->n = n * LV__ENTRY;
  m->final = n < LV__SET_GROUP_ENTRIES;
  w->ended = m->final;
  lv__stage_push(w->crypto, m);
  return LV_OK;
}

lv_status lv__set_writer_finish(lv__set_writer *w, lv__part **parts, uint32_t *nparts) {
  lv_status rc = w->err;
  if (rc == LV_OK && !w->ended) rc = lv__set_writer_put(w, lv__set_writer_take(w), 0);
  lv__stage_drain(w->crypto); /* each pushes into the next: drained in order */
  lv__stage_drain(w->hasher);
  lv__stage_drain(w->io); /* from here on, only this thread touches the parts */
  if (rc == LV_OK) rc = atomic_load(&w->io_err);
  if (rc == LV_OK && w->hashing) rc = end_hash(w);
  if (rc == LV_OK && w->cur) rc = close_part(w);
  if (rc == LV_OK && w->nhashes != w->nparts) rc = LV_E_INTERNAL;
  if (rc < 0) {
    lv__set_writer_abort(w);
    return rc;
  }
  for (uint32_t i = 0; i < w->nparts; i++) memcpy(w->parts[i].hash, w->hashes[i], LV__HASH);
  *parts = w->parts;
  *nparts = w->nparts;
  w->parts = NULL;
  w->nparts = 0;
  lv__set_writer_abort(w); /* frees what is left; nothing to remove */
  return LV_OK;
}

void lv__set_writer_abort(lv__set_writer *w) {
  if (!w) return;
  /* what is still queued is skipped, not written: this set is dropped */
  fail(w, LV_E_CANCELED);
  lv__stage_stop(w->crypto);
  lv__stage_stop(w->hasher);
  lv__stage_stop(w->io); /* nothing is being written any more */
  w->crypto = w->hasher = w->io = NULL;
  lv__afile_abort(w->cur);
  for (uint32_t i = 0; i < w->nparts; i++) {
    char *path = lv__path_join(w->dir, w->parts[i].name);
    if (path) unlink(path);
    free(path);
  }
  lv__wipe(w->msg, sizeof w->msg);
  lv__wipe(w->ct, sizeof w->ct);
  lv__wipe(&w->ss, sizeof w->ss);
  lv__digest_free(&w->hash);
  free(w->hashes);
  free(w->parts);
  free(w->dir);
  free(w);
}
