/* buf.h - growable byte buffer with a hard cap, and a bounds-checked reader.
 * Ownership: an lv__buf owns data; lv__buf_free releases it (after wiping
 * when wipe is set). An lv__rd borrows its bytes for its whole life. */
#ifndef LV_CORE_BUF_H
#define LV_CORE_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "licvault/status.h"

typedef struct lv__buf {
  uint8_t *data;
  size_t len;
  size_t cap;
  size_t max; /* growth beyond max fails with LV_E_TOO_LARGE */
  bool wipe;  /* wipe contents on reallocation and free (secrets) */
} lv__buf;

void lv__buf_init(lv__buf *b, size_t max);
void lv__buf_free(lv__buf *b);
void lv__buf_reset(lv__buf *b);
lv_status lv__buf_reserve(lv__buf *b, size_t extra);
lv_status lv__buf_put(lv__buf *b, const void *p, size_t n);
lv_status lv__buf_put_u8(lv__buf *b, uint8_t v);
lv_status lv__buf_put_u16(lv__buf *b, uint16_t v);
lv_status lv__buf_put_u32(lv__buf *b, uint32_t v);
lv_status lv__buf_put_u64(lv__buf *b, uint64_t v);

/* Little-endian reader; every getter returns false (and reads nothing) when
 * fewer bytes remain than asked. */
typedef struct lv__rd {
  const uint8_t *p;
  size_t len;
  size_t off;
} lv__rd;

static inline lv__rd lv__rd_make(const void *p, size_t len) {
  lv__rd r = {(const uint8_t *)p, len, 0};
  return r;
}
static inline size_t lv__rd_left(const lv__rd *r) { return r->len - r->off; }
bool lv__rd_bytes(lv__rd *r, void *out, size_t n);
bool lv__rd_ptr(lv__rd *r, const uint8_t **out, size_t n);
bool lv__rd_u8(lv__rd *r, uint8_t *v);
bool lv__rd_u16(lv__rd *r, uint16_t *v);
bool lv__rd_u32(lv__rd *r, uint32_t *v);
bool lv__rd_u64(lv__rd *r, uint64_t *v);

void lv__store_u32(uint8_t *p, uint32_t v);
uint32_t lv__load_u32(const uint8_t *p);
void lv__store_u64(uint8_t *p, uint64_t v);
uint64_t lv__load_u64(const uint8_t *p);

/* Wipes memory in a way the compiler may not elide. */
void lv__wipe(void *p, size_t n);

#endif
