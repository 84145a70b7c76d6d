/* secret_cache.h (internal) - remembers the results of the service's two
 * X25519 operations per request: a set's secret S opened from its sealed
 * form, and the answer key shared with one computer. A restore of a large
 * set sends many batches with the same sealed S from the same computer;
 * each would otherwise pay both scalar multiplications again.
 *
 * A fixed table of 256 slots (direct-mapped on a keyed hash of the lookup
 * key, so a client cannot aim at a slot); a miss costs one hash. Values are
 * secrets: the cache lives inside the service's state (guarded memory in
 * licvaultd) and is wiped by lv__scache_wipe. It holds nothing the service's
 * own secret key could not recompute.
 * Thread safety: every function may be called from any thread. */
#ifndef LV_SERVICE_SECRET_CACHE_H
#define LV_SERVICE_SECRET_CACHE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LV__SCACHE_SLOTS 256

typedef struct lv__scache {
  pthread_mutex_t mu;
  uint8_t salt[32]; /* keys the slot hash */
  struct {
    bool used;
    uint8_t tag[32]; /* keyed hash of the lookup key */
    uint8_t value[32];
  } slot[LV__SCACHE_SLOTS];
} lv__scache;

void lv__scache_init(lv__scache *c);
/* Copies the value stored under key into out; false on a miss. */
bool lv__scache_get(lv__scache *c, const void *key, size_t n, uint8_t out[32]);
void lv__scache_put(lv__scache *c, const void *key, size_t n, const uint8_t value[32]);
void lv__scache_wipe(lv__scache *c);

#endif
