/* secret_cache.c - see secret_cache.h. */
#include "service/secret_cache.h"

#include <string.h>

#include "crypto/crypto.h"

void lv__scache_init(lv__scache *c) {
  memset(c, 0, sizeof *c);
  pthread_mutex_init(&c->mu, NULL);
  lv__random(c->salt, sizeof c->salt);
}

static void tag_of(const lv__scache *c, const void *key, size_t n, uint8_t tag[32]) {
  lv__hash_state st;
  lv__hash_init(&st);
  lv__hash_update(&st, c->salt, sizeof c->salt);
  lv__hash_update(&st, key, n);
  lv__hash_final(&st, tag);
}

bool lv__scache_get(lv__scache *c, const void *key, size_t n, uint8_t out[32]) {
  uint8_t tag[32];
  tag_of(c, key, n, tag);
  pthread_mutex_lock(&c->mu);
  bool hit = c->slot[tag[0]].used && !lv__memcmp_ct(c->slot[tag[0]].tag, tag, 32);
  if (hit) memcpy(out, c->slot[tag[0]].value, 32);
  pthread_mutex_unlock(&c->mu);
  return hit;
}

void lv__scache_put(lv__scache *c, const void *key, size_t n, const uint8_t value[32]) {
  uint8_t tag[32];
  tag_of(c, key, n, tag);
  pthread_mutex_lock(&c->mu);
  c->slot[tag[0]].used = true;
  memcpy(c->slot[tag[0]].tag, tag, 32);
  memcpy(c->slot[tag[0]].value, value, 32);
  pthread_mutex_unlock(&c->mu);
}

void lv__scache_wipe(lv__scache *c) {
  pthread_mutex_lock(&c->mu);
  lv__memzero(c->slot, sizeof c->slot);
  lv__memzero(c->salt, sizeof c->salt);
  pthread_mutex_unlock(&c->mu);
  pthread_mutex_destroy(&c->mu);
}
