/* test_secret_cache.c - the service's cache of opened set secrets and
 * answer keys (src/service/secret_cache.h): a hit only for the exact key,
 * a slot reused by another key forgets the old one, wipe forgets all. */
#include <pthread.h>
#include <string.h>

#include "testutil.h"

#include "crypto/crypto.h"
#include "service/secret_cache.h"

static void hit_only_for_the_exact_key(void **state) {
  (void)state;
  lv__scache c;
  uint8_t k1[80], k2[80], v[32], out[32];
  lv__scache_init(&c);
  lv__random(k1, sizeof k1);
  memcpy(k2, k1, sizeof k2);
  k2[79] ^= 1; /* one bit apart */
  lv__random(v, sizeof v);
  assert_false(lv__scache_get(&c, k1, sizeof k1, out));
  lv__scache_put(&c, k1, sizeof k1, v);
  assert_true(lv__scache_get(&c, k1, sizeof k1, out));
  assert_memory_equal(out, v, 32);
  assert_false(lv__scache_get(&c, k2, sizeof k2, out));
  assert_false(lv__scache_get(&c, k1, sizeof k1 - 1, out)); /* a prefix is another key */
  lv__scache_wipe(&c);
}

/* More keys than slots: whatever is returned is the value of that key. */
static void never_returns_another_keys_value(void **state) {
  (void)state;
  lv__scache c;
  lv__scache_init(&c);
  for (uint32_t i = 0; i < 4 * LV__SCACHE_SLOTS; i++) {
    uint8_t v[32] = {0};
    memcpy(v, &i, sizeof i);
    lv__scache_put(&c, &i, sizeof i, v);
  }
  unsigned hits = 0;
  for (uint32_t i = 0; i < 4 * LV__SCACHE_SLOTS; i++) {
    uint8_t out[32];
    if (!lv__scache_get(&c, &i, sizeof i, out)) continue;
    hits++;
    uint32_t got;
    memcpy(&got, out, sizeof got);
    assert_int_equal(got, i);
  }
  assert_true(hits > 0 && hits <= LV__SCACHE_SLOTS);
  lv__scache_wipe(&c);
}

static void wipe_forgets_everything(void **state) {
  (void)state;
  lv__scache c;
  uint8_t k[32] = {1}, v[32] = {2}, out[32];
  lv__scache_init(&c);
  lv__scache_put(&c, k, sizeof k, v);
  lv__scache_wipe(&c);
  for (size_t i = 0; i < LV__SCACHE_SLOTS; i++) {
    static const uint8_t zero[32];
    assert_memory_equal(c.slot[i].value, zero, 32);
  }
  lv__scache_init(&c); /* usable again after init */
  assert_false(lv__scache_get(&c, k, sizeof k, out));
  lv__scache_wipe(&c);
}

static lv__scache shared;
static void *hammer(void *arg) {
  uint8_t id = (uint8_t)(uintptr_t)arg;
  for (unsigned i = 0; i < 20000; i++) {
    uint8_t k[2] = {id, (uint8_t)i}, v[32], out[32];
    memset(v, k[1] ^ id, sizeof v);
    lv__scache_put(&shared, k, sizeof k, v);
    if (lv__scache_get(&shared, k, sizeof k, out) && memcmp(out, v, 32)) return (void *)1;
  }
  return NULL;
}

/* Used from the service's connection threads at once (TSan runs this). */
static void threads_see_whole_values(void **state) {
  (void)state;
  pthread_t t[4];
  lv__scache_init(&shared);
  for (uintptr_t i = 0; i < 4; i++) assert_int_equal(pthread_create(&t[i], NULL, hammer, (void *)i), 0);
  for (int i = 0; i < 4; i++) {
    void *r;
    pthread_join(t[i], &r);
    assert_null(r);
  }
  lv__scache_wipe(&shared);
}

int main(void) {
  lv__crypto_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(hit_only_for_the_exact_key),
      cmocka_unit_test(never_returns_another_keys_value),
      cmocka_unit_test(wipe_forgets_everything),
      cmocka_unit_test(threads_see_whole_values),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
