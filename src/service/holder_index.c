/* holder_index.c - an open-addressing hash (linear probing) from license key
 * to its holders. Entries live in fixed chunks, never moved, so that growing
 * the table copies 4-byte slots, not entries, and memory grows in steps of
 * one chunk instead of doubling a large array. A key is BLAKE2b of what a
 * client claims, which it may grind until many keys share a slot region;
 * slots come from SipHash under a key drawn per index, which it cannot. */
#include "service/holder_index.h"

#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "crypto/crypto.h"

#define CHUNK_BITS 14 /* 16,384 entries, 1 MiB, per chunk */
#define CHUNK (1u << CHUNK_BITS)
#define MANY_MIN 4

typedef struct hold {
  uint8_t machine[16];
  int64_t at;
} hold;

typedef struct entry {
  uint8_t key[32];
  uint32_t n, cap; /* holders; cap: of many (n > 1) */
  union {
    hold one;   /* n == 1 */
    hold *many; /* n > 1 */
  } u;
} entry;

struct lv__hidx {
  uint8_t seed[16]; /* the slot hash's key */
  uint32_t *slot;   /* 0: empty; else entry number + 1 */
  size_t mask;    /* slots - 1 */
  entry **chunk;
  size_t nchunks, chunks_cap;
  size_t n;       /* entries */
  size_t holders;
};

static entry *at_(const lv__hidx *h, uint32_t i) {
  return &h->chunk[i >> CHUNK_BITS][i & (CHUNK - 1)];
}

static size_t home(const lv__hidx *h, const uint8_t key[32], size_t mask) {
  return (size_t)lv__shorthash(key, 32, h->seed) & mask;
}

lv_status lv__hidx_new(lv__hidx **out) {
  lv__hidx *h = lv__calloc(1, sizeof *h);
  uint32_t *slot = lv__calloc(1024, sizeof *slot);
  if (!h || !slot) {
    free(h), free(slot);
    return LV_E_NOMEM;
  }
  h->slot = slot;
  h->mask = 1023;
  lv__random(h->seed, sizeof h->seed);
  *out = h;
  return LV_OK;
}

static void free_entries(lv__hidx *h) {
  for (size_t i = 0; i < h->n; i++) {
    entry *e = at_(h, (uint32_t)i);
    if (e->n > 1) free(e->u.many);
  }
  for (size_t c = 0; c < h->nchunks; c++) free(h->chunk[c]);
  free(h->chunk);
  h->chunk = NULL;
  h->nchunks = h->chunks_cap = h->n = h->holders = 0;
}

void lv__hidx_free(lv__hidx *h) {
  if (!h) return;
  free_entries(h);
  free(h->slot);
  free(h);
}

void lv__hidx_clear(lv__hidx *h) {
  free_entries(h);
  memset(h->slot, 0, (h->mask + 1) * sizeof *h->slot);
}

static entry *find(const lv__hidx *h, const uint8_t key[32]) {
  for (size_t i = home(h, key, h->mask);; i = (i + 1) & h->mask) {
    uint32_t s = h->slot[i];
    if (!s) return NULL;
    entry *e = at_(h, s - 1);
    if (!memcmp(e->key, key, 32)) return e;
  }
}

static const hold *holds(const entry *e) { return e->n == 1 ? &e->u.one : e->u.many; }

void lv__hidx_count(const lv__hidx *h, const uint8_t key[32], const uint8_t issued[16],
                    int64_t since, const uint8_t me[16], int64_t *held, bool *mine) {
  const entry *e = find(h, key);
  *held = 0;
  *mine = false;
  if (!e) return;
  const hold *v = holds(e);
  for (uint32_t i = 0; i < e->n; i++) {
    if (memcmp(v[i].machine, issued, 16) != 0 && v[i].at >= since) ++*held;
    if (!memcmp(v[i].machine, me, 16)) *mine = true;
  }
}

/* Doubles the slots when they are 70% used: probes stay short. */
static lv_status grow_slots(lv__hidx *h) {
  size_t cap = (h->mask + 1) * 2;
  uint32_t *slot = lv__calloc(cap, sizeof *slot);
  if (!slot) return LV_E_NOMEM;
  for (size_t j = 0; j < h->n; j++) {
    size_t i = home(h, at_(h, (uint32_t)j)->key, cap - 1);
    while (slot[i]) i = (i + 1) & (cap - 1);
    slot[i] = (uint32_t)j + 1;
  }
  free(h->slot);
  h->slot = slot;
  h->mask = cap - 1;
  return LV_OK;
}

/* Room for one more entry: every allocation happens before anything
 * changes, so a failure leaves the index as it was. */
static lv_status reserve_entry(lv__hidx *h) {
  if (h->n >= UINT32_MAX - 1) return LV_E_NOMEM;
  if ((h->n + 1) * 10 > (h->mask + 1) * 7) {
    lv_status rc = grow_slots(h);
    if (rc < 0) return rc;
  }
  if (h->n < h->nchunks * CHUNK) return LV_OK;
  if (h->nchunks == h->chunks_cap) {
    size_t cap = h->chunks_cap ? h->chunks_cap * 2 : 16;
    entry **c = lv__realloc(h->chunk, cap * sizeof *c);
    if (!c) return LV_E_NOMEM;
    h->chunk = c;
    h->chunks_cap = cap;
  }
  entry *c = lv__malloc(CHUNK * sizeof *c);
  if (!c) return LV_E_NOMEM;
  h->chunk[h->nchunks++] = c;
  return LV_OK;
}

static lv_status add_holder(lv__hidx *h, entry *e, const uint8_t me[16], int64_t at) {
  hold nw;
  memcpy(nw.machine, me, 16);
  nw.at = at;
  if (e->n == 1) {
    hold *m = lv__malloc(MANY_MIN * sizeof *m);
    if (!m) return LV_E_NOMEM;
    m[0] = e->u.one;
    e->u.many = m;
    e->cap = MANY_MIN;
  } else if (e->n == e->cap) {
    hold *m = lv__realloc(e->u.many, (size_t)e->cap * 2 * sizeof *m);
    if (!m) return LV_E_NOMEM;
    e->u.many = m;
    e->cap *= 2;
  }
  e->u.many[e->n++] = nw;
  h->holders++;
  return LV_OK;
}

lv_status lv__hidx_grant(lv__hidx *h, const uint8_t key[32], const uint8_t me[16], int64_t at) {
  entry *e = find(h, key);
  if (e) {
    hold *v = e->n == 1 ? &e->u.one : e->u.many;
    for (uint32_t i = 0; i < e->n; i++)
      if (!memcmp(v[i].machine, me, 16)) {
        v[i].at = at; /* re-dated */
        return LV_OK;
      }
    return add_holder(h, e, me, at);
  }
  lv_status rc = reserve_entry(h);
  if (rc < 0) return rc;
  e = at_(h, (uint32_t)h->n);
  memcpy(e->key, key, 32);
  e->n = 1;
  e->cap = 0;
  memcpy(e->u.one.machine, me, 16);
  e->u.one.at = at;
  size_t i = home(h, key, h->mask);
  while (h->slot[i]) i = (i + 1) & h->mask;
  h->slot[i] = (uint32_t)++h->n;
  h->holders++;
  return LV_OK;
}

size_t lv__hidx_licenses(const lv__hidx *h) { return h->n; }
size_t lv__hidx_holders(const lv__hidx *h) { return h->holders; }
