/* buf.c - growable byte buffer with a cap, little-endian put/get helpers.
 * Every buffer grown from outside input has a maximum, so no input can make
 * licvault allocate without bound. */
#include "core/buf.h"

#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

void lv__wipe(void *p, size_t n) {
  if (p && n) explicit_bzero(p, n);
}

void lv__buf_init(lv__buf *b, size_t max) {
  memset(b, 0, sizeof *b);
  b->max = max;
}

void lv__buf_free(lv__buf *b) {
  if (!b) return;
  if (b->wipe) lv__wipe(b->data, b->cap);
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

void lv__buf_reset(lv__buf *b) {
  if (b->wipe) lv__wipe(b->data, b->len);
  b->len = 0;
}

lv_status lv__buf_reserve(lv__buf *b, size_t extra) {
  if (extra > b->max || b->len > b->max - extra) return LV_E_TOO_LARGE;
  size_t need = b->len + extra;
  if (need <= b->cap) return LV_OK;
  size_t ncap = b->cap ? b->cap : 64;
  while (ncap < need) ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
  if (ncap > b->max) ncap = b->max;
  uint8_t *n = lv__malloc(ncap);
  if (!n) return LV_E_NOMEM;
  if (b->len) memcpy(n, b->data, b->len);
  if (b->wipe) lv__wipe(b->data, b->cap);
  free(b->data);
  b->data = n;
  b->cap = ncap;
  return LV_OK;
}

lv_status lv__buf_put(lv__buf *b, const void *p, size_t n) {
  lv_status rc = lv__buf_reserve(b, n);
  if (rc < 0) return rc;
  if (n) memcpy(b->data + b->len, p, n);
  b->len += n;
  return LV_OK;
}

lv_status lv__buf_put_u8(lv__buf *b, uint8_t v) { return lv__buf_put(b, &v, 1); }

lv_status lv__buf_put_u16(lv__buf *b, uint16_t v) {
  uint8_t t[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
  return lv__buf_put(b, t, 2);
}

lv_status lv__buf_put_u32(lv__buf *b, uint32_t v) {
  uint8_t t[4];
  lv__store_u32(t, v);
  return lv__buf_put(b, t, 4);
}

lv_status lv__buf_put_u64(lv__buf *b, uint64_t v) {
  uint8_t t[8];
  lv__store_u64(t, v);
  return lv__buf_put(b, t, 8);
}

void lv__store_u32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

uint32_t lv__load_u32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}

void lv__store_u64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

uint64_t lv__load_u64(const uint8_t *p) {
  return (uint64_t)lv__load_u32(p) | (uint64_t)lv__load_u32(p + 4) << 32;
}

bool lv__rd_ptr(lv__rd *r, const uint8_t **out, size_t n) {
  if (lv__rd_left(r) < n) return false;
  *out = r->p + r->off;
  r->off += n;
  return true;
}

bool lv__rd_bytes(lv__rd *r, void *out, size_t n) {
  const uint8_t *p;
  if (!lv__rd_ptr(r, &p, n)) return false;
  if (n) memcpy(out, p, n);
  return true;
}

bool lv__rd_u8(lv__rd *r, uint8_t *v) { return lv__rd_bytes(r, v, 1); }

bool lv__rd_u16(lv__rd *r, uint16_t *v) {
  const uint8_t *p;
  if (!lv__rd_ptr(r, &p, 2)) return false;
  *v = (uint16_t)(p[0] | p[1] << 8);
  return true;
}

bool lv__rd_u32(lv__rd *r, uint32_t *v) {
  const uint8_t *p;
  if (!lv__rd_ptr(r, &p, 4)) return false;
  *v = lv__load_u32(p);
  return true;
}

bool lv__rd_u64(lv__rd *r, uint64_t *v) {
  const uint8_t *p;
  if (!lv__rd_ptr(r, &p, 8)) return false;
  *v = lv__load_u64(p);
  return true;
}
