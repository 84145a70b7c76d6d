/* test_sstream.c - the secretstream of crypto.h (src/crypto/sstream.c) is
 * libsodium's, byte for byte, whichever path a message takes (libcrypto's
 * bulk path for long messages, libsodium's own for short ones): what it
 * pushes equals crypto_secretstream_xchacha20poly1305_push's output and
 * state, what libsodium pushes it opens, and any change to a message, its
 * tag or its MAC, any reordering or truncation, is refused with the stream
 * left where it was. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "testutil.h"

typedef crypto_secretstream_xchacha20poly1305_state ref_state;

#define SS(st) ((ref_state *)(st)->opaque)

/* Lengths on both sides of the bulk path's threshold, libsodium's padding
 * cases (mod 16), and a backup message (64 entries of 840 bytes). */
static const size_t LENS[] = {0, 1, 15, 16, 17, 63, 64, 4095, 4096, 4097, 4111, 53760, 100003};
#define NLENS (sizeof LENS / sizeof LENS[0])

static uint8_t *msg(size_t n, unsigned seed) {
  uint8_t *m = malloc(n ? n : 1);
  assert_non_null(m);
  for (size_t i = 0; i < n; i++) m[i] = (uint8_t)(i * 31 + seed);
  return m;
}

/* A push stream and libsodium's own state for the same header and key. */
static void pair(lv__sstream *mine, ref_state *ref, uint8_t key[32]) {
  uint8_t header[LV__SSTREAM_HEADER];
  lv__random(key, 32);
  assert_int_equal(lv__sstream_push_init(mine, header, key), LV_OK);
  assert_int_equal(crypto_secretstream_xchacha20poly1305_init_pull(ref, header, key), 0);
}

static void push_equals_libsodium_byte_for_byte(void **state) {
  (void)state;
  lv__sstream mine;
  ref_state ref;
  uint8_t key[32];
  unsigned long bulk = lv__sstream_bulk_count();
  pair(&mine, &ref, key);
  for (size_t round = 0; round < 3; round++)
    for (size_t k = 0; k < NLENS; k++) {
      size_t n = LENS[k];
      bool final = round == 2 && k == NLENS - 1;
      uint8_t *m = msg(n, (unsigned)k), *a = malloc(n + LV__SSTREAM_ABYTES),
              *b = malloc(n + LV__SSTREAM_ABYTES);
      assert_true(a && b);
      lv__sstream_push(&mine, a, m, n, final);
      assert_int_equal(crypto_secretstream_xchacha20poly1305_push(
                           &ref, b, NULL, m, n, NULL, 0,
                           final ? crypto_secretstream_xchacha20poly1305_TAG_FINAL : 0),
                       0);
      assert_memory_equal(a, b, n + LV__SSTREAM_ABYTES);
      assert_memory_equal(SS(&mine)->k, ref.k, sizeof ref.k); /* rekeyed alike after FINAL */
      assert_memory_equal(SS(&mine)->nonce, ref.nonce, sizeof ref.nonce);
      free(m);
      free(a);
      free(b);
    }
  /* the lengths from 4096 on went through libcrypto, not the fallback */
  assert_int_equal(lv__sstream_bulk_count() - bulk, 3 * 5);
}

static void counter_wrap_rekeys_as_libsodium(void **state) {
  (void)state;
  lv__sstream mine;
  ref_state ref;
  uint8_t key[32];
  pair(&mine, &ref, key);
  memset(SS(&mine)->nonce, 0xff, 4); /* the 32-bit counter at its last value */
  memset(ref.nonce, 0xff, 4);
  for (int i = 0; i < 2; i++) {
    uint8_t *m = msg(53760, 7), *a = malloc(53760 + 17), *b = malloc(53760 + 17);
    assert_true(a && b);
    lv__sstream_push(&mine, a, m, 53760, false);
    crypto_secretstream_xchacha20poly1305_push(&ref, b, NULL, m, 53760, NULL, 0, 0);
    assert_memory_equal(a, b, 53760 + 17);
    assert_memory_equal(SS(&mine)->k, ref.k, sizeof ref.k);
    free(m);
    free(a);
    free(b);
  }
}

typedef struct stream {
  uint8_t *c[NLENS];
  size_t clen[NLENS];
  uint8_t header[LV__SSTREAM_HEADER], key[32];
} stream;

/* A stream libsodium wrote: every length once, the last one FINAL. */
static void libsodium_stream(stream *s) {
  ref_state ref;
  lv__random(s->key, 32);
  crypto_secretstream_xchacha20poly1305_init_push(&ref, s->header, s->key);
  for (size_t k = 0; k < NLENS; k++) {
    uint8_t *m = msg(LENS[k], (unsigned)k);
    s->clen[k] = LENS[k] + LV__SSTREAM_ABYTES;
    s->c[k] = malloc(s->clen[k]);
    assert_non_null(s->c[k]);
    crypto_secretstream_xchacha20poly1305_push(
        &ref, s->c[k], NULL, m, LENS[k], NULL, 0,
        k == NLENS - 1 ? crypto_secretstream_xchacha20poly1305_TAG_FINAL : 0);
    free(m);
  }
}

static void stream_free(stream *s) {
  for (size_t k = 0; k < NLENS; k++) free(s->c[k]);
}

static void pull_opens_what_libsodium_pushed(void **state) {
  (void)state;
  stream s;
  lv__sstream st;
  unsigned long bulk = lv__sstream_bulk_count();
  libsodium_stream(&s);
  assert_int_equal(lv__sstream_pull_init(&st, s.header, s.key), LV_OK);
  for (size_t k = 0; k < NLENS; k++) {
    uint8_t *m = malloc(LENS[k] + 1), *want = msg(LENS[k], (unsigned)k);
    bool final = true;
    assert_non_null(m);
    assert_int_equal(lv__sstream_pull(&st, m, s.c[k], s.clen[k], &final), LV_OK);
    assert_memory_equal(m, want, LENS[k]);
    assert_int_equal(final, k == NLENS - 1);
    free(m);
    free(want);
  }
  assert_int_equal(lv__sstream_bulk_count() - bulk, 5); /* 4096 bytes and longer */
  stream_free(&s);
}

/* Every kind of change to a long (bulk path) and a short message: refused,
 * nothing opened, and the untouched message still opens after. */
static void pull_refuses_changes_and_keeps_its_place(void **state) {
  (void)state;
  stream s;
  lv__sstream st;
  libsodium_stream(&s);
  assert_int_equal(lv__sstream_pull_init(&st, s.header, s.key), LV_OK);
  for (size_t k = 0; k < NLENS; k++) {
    size_t n = LENS[k], spots[] = {0, 1, n / 2 + 1, n, n + 1, n + 16};
    uint8_t *m = malloc(n + 1), *bad = malloc(s.clen[k]);
    bool final;
    assert_true(m && bad);
    for (size_t i = 0; i < sizeof spots / sizeof spots[0]; i++) {
      if (spots[i] >= s.clen[k]) continue;
      memcpy(bad, s.c[k], s.clen[k]);
      bad[spots[i]] ^= 0x20;
      memset(m, 0xAA, n + 1);
      assert_int_equal(lv__sstream_pull(&st, m, bad, s.clen[k], &final), LV_E_DECRYPT);
      for (size_t j = 0; j < n; j++) assert_int_equal(m[j], 0xAA); /* nothing released */
    }
    /* truncated by a byte, and the next message in this one's place */
    assert_int_equal(lv__sstream_pull(&st, m, s.c[k], s.clen[k] - 1, &final), LV_E_DECRYPT);
    if (k + 1 < NLENS)
      assert_int_equal(lv__sstream_pull(&st, m, s.c[k + 1], s.clen[k + 1], &final), LV_E_DECRYPT);
    assert_int_equal(lv__sstream_pull(&st, m, s.c[k], s.clen[k], &final), LV_OK);
    free(m);
    free(bad);
  }
  uint8_t tiny[LV__SSTREAM_ABYTES - 1] = {0};
  bool final;
  assert_int_equal(lv__sstream_pull(&st, tiny, tiny, sizeof tiny, &final), LV_E_DECRYPT);
  stream_free(&s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(push_equals_libsodium_byte_for_byte),
      cmocka_unit_test(counter_wrap_rekeys_as_libsodium),
      cmocka_unit_test(pull_opens_what_libsodium_pushed),
      cmocka_unit_test(pull_refuses_changes_and_keeps_its_place),
  };
  if (lv__crypto_init() < 0) return 1;
  return cmocka_run_group_tests(tests, NULL, NULL);
}
