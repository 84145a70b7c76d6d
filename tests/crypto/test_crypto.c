/* test_crypto.c - the libsodium wrappers: signatures, AEAD, key agreement,
 * sealed boxes, hashing and derivation, each with its tamper failures. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/encoding.h"
#include "crypto/crypto.h"
#include "testutil.h"

static void unhex(uint8_t *out, size_t n, const char *hex) {
  assert_int_equal(lv__hex_decode(out, n, hex, strlen(hex)), LV_OK);
}

static bool all_zero(const uint8_t *p, size_t n) {
  uint8_t acc = 0;
  for (size_t i = 0; i < n; i++) acc |= p[i];
  return acc == 0;
}

/* ---- init and helpers -------------------------------------------------- */

static void *init_thread(void *arg) {
  *(lv_status *)arg = lv__crypto_init();
  return NULL;
}

static void crypto_init_is_idempotent_and_thread_safe(void **state) {
  (void)state;
  pthread_t th[8];
  lv_status rc[8];
  for (int i = 0; i < 8; i++)
    assert_int_equal(pthread_create(&th[i], NULL, init_thread, &rc[i]), 0);
  for (int i = 0; i < 8; i++) {
    pthread_join(th[i], NULL);
    assert_int_equal(rc[i], LV_OK);
  }
  assert_int_equal(lv__crypto_init(), LV_OK);
}

static void random_fills_and_differs(void **state) {
  (void)state;
  uint8_t a[64], b[64];
  memset(a, 0, sizeof a);
  memset(b, 0, sizeof b);
  lv__random(a, sizeof a);
  lv__random(b, sizeof b);
  assert_false(all_zero(a, sizeof a));
  assert_memory_not_equal(a, b, sizeof a);
  lv__random(a, 0); /* nothing asked, nothing done */
}

static void memcmp_ct_and_memzero(void **state) {
  (void)state;
  uint8_t a[32], b[32];
  lv__random(a, sizeof a);
  memcpy(b, a, sizeof b);
  assert_int_equal(lv__memcmp_ct(a, b, sizeof a), 0);
  for (size_t i = 0; i < sizeof a; i++) {
    b[i] ^= 0x80;
    assert_int_not_equal(lv__memcmp_ct(a, b, sizeof a), 0);
    b[i] ^= 0x80;
  }
  lv__memzero(a, sizeof a);
  assert_true(all_zero(a, sizeof a));
}

static void secure_alloc_gives_usable_memory(void **state) {
  (void)state;
  uint8_t *p = lv__secure_alloc(100);
  assert_non_null(p);
  memset(p, 0x5A, 100);
  assert_int_equal(p[99], 0x5A);
  lv__secure_free(p);
  lv__secure_free(NULL);
}

/* ---- Ed25519 ----------------------------------------------------------- */

static void sign_verify_round_trip(void **state) {
  (void)state;
  uint8_t pk[LV__SIGN_PK], sk[LV__SIGN_SK], pk2[LV__SIGN_PK], sig[LV__SIG];
  static const char msg[] = "a license body";
  assert_int_equal(lv__sign_keypair(pk, sk), LV_OK);
  lv__sign(sig, msg, sizeof msg, sk);
  assert_int_equal(lv__sign_verify(sig, msg, sizeof msg, pk), LV_OK);
  lv__sign_sk_to_pk(pk2, sk);
  assert_memory_equal(pk, pk2, sizeof pk);
  /* deterministic: same key and message, same signature */
  uint8_t sig2[LV__SIG];
  lv__sign(sig2, msg, sizeof msg, sk);
  assert_memory_equal(sig, sig2, sizeof sig);
  /* the empty message is a message too */
  lv__sign(sig, "", 0, sk);
  assert_int_equal(lv__sign_verify(sig, "", 0, pk), LV_OK);
  lv__memzero(sk, sizeof sk);
}

static void sign_keypairs_are_fresh(void **state) {
  (void)state;
  uint8_t pk1[LV__SIGN_PK], sk1[LV__SIGN_SK], pk2[LV__SIGN_PK], sk2[LV__SIGN_SK];
  assert_int_equal(lv__sign_keypair(pk1, sk1), LV_OK);
  assert_int_equal(lv__sign_keypair(pk2, sk2), LV_OK);
  assert_memory_not_equal(pk1, pk2, sizeof pk1);
  assert_memory_not_equal(sk1, sk2, sizeof sk1);
}

static void verify_rejects_flipped_message_bit(void **state) {
  (void)state;
  uint8_t pk[LV__SIGN_PK], sk[LV__SIGN_SK], sig[LV__SIG], msg[100];
  assert_int_equal(lv__sign_keypair(pk, sk), LV_OK);
  lv__random(msg, sizeof msg);
  lv__sign(sig, msg, sizeof msg, sk);
  for (size_t i = 0; i < sizeof msg; i++)
    for (int bit = 0; bit < 8; bit += 7) {
      msg[i] ^= (uint8_t)(1u << bit);
      assert_int_equal(lv__sign_verify(sig, msg, sizeof msg, pk), LV_E_BAD_SIGNATURE);
      msg[i] ^= (uint8_t)(1u << bit);
    }
  assert_int_equal(lv__sign_verify(sig, msg, sizeof msg - 1, pk), LV_E_BAD_SIGNATURE);
  assert_int_equal(lv__sign_verify(sig, msg, sizeof msg, pk), LV_OK);
}

static void verify_rejects_flipped_signature_bit(void **state) {
  (void)state;
  uint8_t pk[LV__SIGN_PK], sk[LV__SIGN_SK], sig[LV__SIG];
  static const char msg[] = "message";
  assert_int_equal(lv__sign_keypair(pk, sk), LV_OK);
  lv__sign(sig, msg, sizeof msg, sk);
  for (size_t i = 0; i < LV__SIG; i++)
    for (int bit = 0; bit < 8; bit++) {
      sig[i] ^= (uint8_t)(1u << bit);
      if (lv__sign_verify(sig, msg, sizeof msg, pk) != LV_E_BAD_SIGNATURE)
        fail_msg("flipped bit %d of signature byte %zu verified", bit, i);
      sig[i] ^= (uint8_t)(1u << bit);
    }
  assert_int_equal(lv__sign_verify(sig, msg, sizeof msg, pk), LV_OK);
}

static void verify_rejects_other_key(void **state) {
  (void)state;
  uint8_t pk[LV__SIGN_PK], sk[LV__SIGN_SK], pk2[LV__SIGN_PK], sk2[LV__SIGN_SK];
  uint8_t sig[LV__SIG], zero_pk[LV__SIGN_PK] = {0};
  assert_int_equal(lv__sign_keypair(pk, sk), LV_OK);
  assert_int_equal(lv__sign_keypair(pk2, sk2), LV_OK);
  lv__sign(sig, "m", 1, sk);
  assert_int_equal(lv__sign_verify(sig, "m", 1, pk2), LV_E_BAD_SIGNATURE);
  assert_int_equal(lv__sign_verify(sig, "m", 1, zero_pk), LV_E_BAD_SIGNATURE);
  memset(sig, 0, sizeof sig);
  assert_int_equal(lv__sign_verify(sig, "m", 1, pk), LV_E_BAD_SIGNATURE);
}

/* ---- XChaCha20-Poly1305 ------------------------------------------------ */

static void aead_round_trips_every_small_length(void **state) {
  (void)state;
  uint8_t key[LV__KEY], m[300], c[300 + LV__AEAD_OVERHEAD], back[300];
  static const char ad[] = "associated";
  lv__random(key, sizeof key);
  lv__random(m, sizeof m);
  for (size_t n = 0; n <= sizeof m; n += (n < 40 ? 1 : 37)) {
    assert_int_equal(lv__aead_seal(c, m, n, ad, sizeof ad, key), LV_OK);
    memset(back, 0xEE, sizeof back);
    assert_int_equal(lv__aead_open(back, c, n + LV__AEAD_OVERHEAD, ad, sizeof ad, key), LV_OK);
    if (n) assert_memory_equal(back, m, n);
    /* no associated data at all */
    assert_int_equal(lv__aead_seal(c, m, n, NULL, 0, key), LV_OK);
    assert_int_equal(lv__aead_open(back, c, n + LV__AEAD_OVERHEAD, NULL, 0, key), LV_OK);
    if (n) assert_memory_equal(back, m, n);
  }
}

static void aead_nonce_is_fresh_each_seal(void **state) {
  (void)state;
  uint8_t key[LV__KEY], c1[10 + LV__AEAD_OVERHEAD], c2[10 + LV__AEAD_OVERHEAD];
  lv__random(key, sizeof key);
  assert_int_equal(lv__aead_seal(c1, "0123456789", 10, NULL, 0, key), LV_OK);
  assert_int_equal(lv__aead_seal(c2, "0123456789", 10, NULL, 0, key), LV_OK);
  assert_memory_not_equal(c1, c2, LV__NONCE);
  assert_memory_not_equal(c1 + LV__NONCE, c2 + LV__NONCE, 10 + LV__TAG);
}

/* Nonces are a per-thread random prefix and a counter: never repeated in a
 * thread, and two threads (or processes) draw different prefixes. */
#define NSEAL 4096
typedef struct nonces {
  uint8_t n[NSEAL][LV__NONCE];
} nonces;

static void *seal_many(void *arg) {
  nonces *out = arg;
  uint8_t key[LV__KEY] = {3}, c[1 + LV__AEAD_OVERHEAD];
  for (size_t i = 0; i < NSEAL; i++) {
    lv__aead_seal(c, "x", 1, NULL, 0, key);
    memcpy(out->n[i], c, LV__NONCE);
  }
  return NULL;
}

static int nonce_cmp(const void *a, const void *b) { return memcmp(a, b, LV__NONCE); }

static void aead_nonces_never_repeat_across_threads(void **state) {
  (void)state;
  nonces *a = malloc(2 * sizeof *a);
  assert_non_null(a);
  pthread_t t;
  assert_int_equal(pthread_create(&t, NULL, seal_many, &a[0]), 0);
  seal_many(&a[1]);
  pthread_join(t, NULL);
  assert_memory_not_equal(a[0].n[0], a[1].n[0], 16); /* two prefixes */
  const uint8_t *flat = (const uint8_t *)a; /* both arrays, back to back */
  qsort(a, 2 * NSEAL, LV__NONCE, nonce_cmp);
  for (size_t i = 1; i < 2 * NSEAL; i++)
    assert_memory_not_equal(flat + (i - 1) * LV__NONCE, flat + i * LV__NONCE, LV__NONCE);
  free(a);
}

static void aead_open_fails_on_any_flipped_byte(void **state) {
  (void)state;
  uint8_t key[LV__KEY], m[32], c[32 + LV__AEAD_OVERHEAD], back[32];
  const size_t clen = sizeof c;
  lv__random(key, sizeof key);
  lv__random(m, sizeof m);
  assert_int_equal(lv__aead_seal(c, m, sizeof m, "ad", 2, key), LV_OK);
  /* nonce [0,24), ciphertext [24,56), tag [56,72) */
  for (size_t i = 0; i < clen; i++) {
    c[i] ^= 0x01;
    memset(back, 0xEE, sizeof back);
    if (lv__aead_open(back, c, clen, "ad", 2, key) != LV_E_DECRYPT)
      fail_msg("flipped byte %zu opened", i);
    assert_true(all_zero(back, sizeof back)); /* nothing useful written */
    c[i] ^= 0x01;
  }
  assert_int_equal(lv__aead_open(back, c, clen, "ad", 2, key), LV_OK);
  assert_memory_equal(back, m, sizeof m);
}

static void aead_open_fails_on_wrong_ad(void **state) {
  (void)state;
  uint8_t key[LV__KEY], c[5 + LV__AEAD_OVERHEAD], back[5];
  lv__random(key, sizeof key);
  assert_int_equal(lv__aead_seal(c, "hello", 5, "lid+kid", 7, key), LV_OK);
  assert_int_equal(lv__aead_open(back, c, sizeof c, "lid+kie", 7, key), LV_E_DECRYPT);
  assert_int_equal(lv__aead_open(back, c, sizeof c, "lid+ki", 6, key), LV_E_DECRYPT);
  assert_int_equal(lv__aead_open(back, c, sizeof c, "lid+kid!", 8, key), LV_E_DECRYPT);
  assert_int_equal(lv__aead_open(back, c, sizeof c, NULL, 0, key), LV_E_DECRYPT);
  assert_int_equal(lv__aead_open(back, c, sizeof c, "lid+kid", 7, key), LV_OK);
  /* and the reverse: sealed without ad, opened with some */
  assert_int_equal(lv__aead_seal(c, "hello", 5, NULL, 0, key), LV_OK);
  assert_int_equal(lv__aead_open(back, c, sizeof c, "x", 1, key), LV_E_DECRYPT);
}

static void aead_open_fails_on_wrong_key(void **state) {
  (void)state;
  uint8_t key[LV__KEY], other[LV__KEY], c[5 + LV__AEAD_OVERHEAD], back[5];
  lv__random(key, sizeof key);
  memcpy(other, key, sizeof key);
  other[31] ^= 0x80;
  assert_int_equal(lv__aead_seal(c, "hello", 5, NULL, 0, key), LV_OK);
  assert_int_equal(lv__aead_open(back, c, sizeof c, NULL, 0, other), LV_E_DECRYPT);
  memset(other, 0, sizeof other);
  assert_int_equal(lv__aead_open(back, c, sizeof c, NULL, 0, other), LV_E_DECRYPT);
}

static void aead_open_fails_on_too_short_input(void **state) {
  (void)state;
  uint8_t key[LV__KEY], c[LV__AEAD_OVERHEAD + 8], back[8];
  lv__random(key, sizeof key);
  assert_int_equal(lv__aead_seal(c, "12345678", 8, NULL, 0, key), LV_OK);
  for (size_t n = 0; n < LV__AEAD_OVERHEAD; n++)
    assert_int_equal(lv__aead_open(back, c, n, NULL, 0, key), LV_E_DECRYPT);
  /* cut inside the message or the tag */
  for (size_t n = LV__AEAD_OVERHEAD; n < sizeof c; n++)
    assert_int_equal(lv__aead_open(back, c, n, NULL, 0, key), LV_E_DECRYPT);
  assert_int_equal(lv__aead_open(back, c, sizeof c, NULL, 0, key), LV_OK);
}

static void aead_empty_message_still_authenticated(void **state) {
  (void)state;
  uint8_t key[LV__KEY], c[LV__AEAD_OVERHEAD], back[1];
  lv__random(key, sizeof key);
  assert_int_equal(lv__aead_seal(c, "", 0, "ad", 2, key), LV_OK);
  assert_int_equal(lv__aead_open(back, c, sizeof c, "ad", 2, key), LV_OK);
  c[LV__NONCE] ^= 1; /* the tag */
  assert_int_equal(lv__aead_open(back, c, sizeof c, "ad", 2, key), LV_E_DECRYPT);
}

/* ---- X25519 key agreement ---------------------------------------------- */

static void kx_both_sides_agree(void **state) {
  (void)state;
  uint8_t e_pk[LV__BOX_PK], e_sk[LV__BOX_SK], m_pk[LV__BOX_PK], m_sk[LV__BOX_SK];
  uint8_t k1[LV__KEY], k2[LV__KEY];
  assert_int_equal(lv__box_keypair(e_pk, e_sk), LV_OK);
  assert_int_equal(lv__box_keypair(m_pk, m_sk), LV_OK);
  assert_int_equal(lv__kx(k1, e_sk, m_pk, e_pk, m_pk, "label"), LV_OK);
  assert_int_equal(lv__kx(k2, m_sk, e_pk, e_pk, m_pk, "label"), LV_OK);
  assert_memory_equal(k1, k2, LV__KEY);
  assert_false(all_zero(k1, LV__KEY));
}

static void kx_differs_by_label_and_binding(void **state) {
  (void)state;
  uint8_t e_pk[LV__BOX_PK], e_sk[LV__BOX_SK], m_pk[LV__BOX_PK], m_sk[LV__BOX_SK];
  uint8_t o_pk[LV__BOX_PK], o_sk[LV__BOX_SK];
  uint8_t k[LV__KEY], k2[LV__KEY];
  assert_int_equal(lv__box_keypair(e_pk, e_sk), LV_OK);
  assert_int_equal(lv__box_keypair(m_pk, m_sk), LV_OK);
  assert_int_equal(lv__box_keypair(o_pk, o_sk), LV_OK);
  assert_int_equal(lv__kx(k, e_sk, m_pk, e_pk, m_pk, "label A"), LV_OK);
  assert_int_equal(lv__kx(k2, e_sk, m_pk, e_pk, m_pk, "label B"), LV_OK);
  assert_memory_not_equal(k, k2, LV__KEY);
  assert_int_equal(lv__kx(k2, e_sk, m_pk, e_pk, m_pk, ""), LV_OK);
  assert_memory_not_equal(k, k2, LV__KEY);
  /* the named pair is bound in: swapping or replacing it changes the key */
  assert_int_equal(lv__kx(k2, e_sk, m_pk, m_pk, e_pk, "label A"), LV_OK);
  assert_memory_not_equal(k, k2, LV__KEY);
  assert_int_equal(lv__kx(k2, e_sk, m_pk, o_pk, m_pk, "label A"), LV_OK);
  assert_memory_not_equal(k, k2, LV__KEY);
  /* another peer, another key */
  assert_int_equal(lv__kx(k2, e_sk, o_pk, e_pk, m_pk, "label A"), LV_OK);
  assert_memory_not_equal(k, k2, LV__KEY);
  assert_int_equal(lv__kx(k2, o_sk, e_pk, e_pk, m_pk, "label A"), LV_OK);
  assert_memory_not_equal(k, k2, LV__KEY);
}

static void kx_rejects_low_order_peer(void **state) {
  (void)state;
  uint8_t pk[LV__BOX_PK], sk[LV__BOX_SK], low[LV__BOX_PK], k[LV__KEY];
  assert_int_equal(lv__box_keypair(pk, sk), LV_OK);
  memset(low, 0, sizeof low); /* u = 0 */
  assert_int_equal(lv__kx(k, sk, low, pk, pk, "l"), LV_E_DECRYPT);
  low[0] = 1; /* u = 1 */
  assert_int_equal(lv__kx(k, sk, low, pk, pk, "l"), LV_E_DECRYPT);
}

/* RFC 7748 section 6.1 keys; expected key computed independently as
 * BLAKE2b-256(key=BLAKE2b-256(label), shared || eph_pk || recip_pk). */
static void kx_matches_documented_derivation(void **state) {
  (void)state;
  uint8_t a_sk[32], a_pk[32], b_sk[32], b_pk[32], pk[32], k[LV__KEY], want[LV__KEY];
  unhex(a_sk, 32, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
  unhex(a_pk, 32, "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  unhex(b_sk, 32, "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
  unhex(b_pk, 32, "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
  unhex(want, 32, "50a50029d8c38fe7ce40721bcd0d1a4da824d02ceff3366fbae28943fbafc31a");
  assert_int_equal(lv__box_sk_to_pk(pk, a_sk), LV_OK);
  assert_memory_equal(pk, a_pk, 32);
  assert_int_equal(lv__box_sk_to_pk(pk, b_sk), LV_OK);
  assert_memory_equal(pk, b_pk, 32);
  assert_int_equal(lv__kx(k, a_sk, b_pk, a_pk, b_pk, "licvault license file v1"), LV_OK);
  assert_memory_equal(k, want, LV__KEY);
  assert_int_equal(lv__kx(k, b_sk, a_pk, a_pk, b_pk, "licvault license file v1"), LV_OK);
  assert_memory_equal(k, want, LV__KEY);
}

static void box_sk_to_pk_matches_keypair(void **state) {
  (void)state;
  uint8_t pk[LV__BOX_PK], sk[LV__BOX_SK], pk2[LV__BOX_PK];
  assert_int_equal(lv__box_keypair(pk, sk), LV_OK);
  assert_int_equal(lv__box_sk_to_pk(pk2, sk), LV_OK);
  assert_memory_equal(pk, pk2, LV__BOX_PK);
}

/* ---- sealed boxes ------------------------------------------------------ */

static void seal_open_round_trip(void **state) {
  (void)state;
  uint8_t pk[LV__BOX_PK], sk[LV__BOX_SK];
  uint8_t m[64], c[64 + LV__SEAL_OVERHEAD], c2[64 + LV__SEAL_OVERHEAD], back[64];
  assert_int_equal(lv__box_keypair(pk, sk), LV_OK);
  lv__random(m, sizeof m);
  assert_int_equal(lv__seal(c, m, sizeof m, pk), LV_OK);
  assert_int_equal(lv__seal_open(back, c, sizeof c, pk, sk), LV_OK);
  assert_memory_equal(back, m, sizeof m);
  assert_int_equal(lv__seal(c2, m, sizeof m, pk), LV_OK);
  assert_memory_not_equal(c, c2, sizeof c); /* ephemeral key each time */
  assert_int_equal(lv__seal(c, "", 0, pk), LV_OK);
  assert_int_equal(lv__seal_open(back, c, LV__SEAL_OVERHEAD, pk, sk), LV_OK);
}

static void seal_open_fails_on_tamper_short_or_wrong_key(void **state) {
  (void)state;
  uint8_t pk[LV__BOX_PK], sk[LV__BOX_SK], pk2[LV__BOX_PK], sk2[LV__BOX_SK];
  uint8_t c[16 + LV__SEAL_OVERHEAD], back[16];
  assert_int_equal(lv__box_keypair(pk, sk), LV_OK);
  assert_int_equal(lv__box_keypair(pk2, sk2), LV_OK);
  assert_int_equal(lv__seal(c, "sixteen bytes!!!", 16, pk), LV_OK);
  for (size_t i = 0; i < sizeof c; i++) {
    c[i] ^= 0x10;
    if (lv__seal_open(back, c, sizeof c, pk, sk) != LV_E_DECRYPT)
      fail_msg("flipped byte %zu of a sealed box opened", i);
    c[i] ^= 0x10;
  }
  for (size_t n = 0; n < sizeof c; n++)
    assert_int_equal(lv__seal_open(back, c, n, pk, sk), LV_E_DECRYPT);
  assert_int_equal(lv__seal_open(back, c, sizeof c, pk2, sk2), LV_E_DECRYPT);
  assert_int_equal(lv__seal_open(back, c, sizeof c, pk, sk2), LV_E_DECRYPT);
  assert_int_equal(lv__seal_open(back, c, sizeof c, pk, sk), LV_OK);
  assert_memory_equal(back, "sixteen bytes!!!", 16);
}

/* ---- hashing and derivation -------------------------------------------- */

static void hash_matches_blake2b_256_vectors(void **state) {
  (void)state;
  uint8_t h[LV__HASH], want[LV__HASH];
  lv__hash(h, "", 0);
  unhex(want, 32, "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
  assert_memory_equal(h, want, 32);
  lv__hash(h, "abc", 3);
  unhex(want, 32, "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
  assert_memory_equal(h, want, 32);
}

static void hash_incremental_equals_one_shot(void **state) {
  (void)state;
  static uint8_t m[10000];
  uint8_t one[LV__HASH], inc[LV__HASH];
  lv__hash_state st;
  lv__random(m, sizeof m);
  lv__hash(one, m, sizeof m);
  static const size_t steps[] = {1, 7, 64, 127, 128, 129, 1000, 4096, 10000};
  for (size_t s = 0; s < sizeof steps / sizeof steps[0]; s++) {
    lv__hash_init(&st);
    for (size_t off = 0; off < sizeof m; off += steps[s]) {
      size_t take = steps[s] < sizeof m - off ? steps[s] : sizeof m - off;
      lv__hash_update(&st, m + off, take);
      lv__hash_update(&st, m, 0); /* empty updates change nothing */
    }
    lv__hash_final(&st, inc);
    assert_memory_equal(one, inc, LV__HASH);
  }
  lv__hash_init(&st);
  lv__hash_final(&st, inc);
  lv__hash(one, "", 0);
  assert_memory_equal(one, inc, LV__HASH);
}

/* The digest of backup set parts: SHA-256 (FIPS 180-4 vectors), fed in any
 * pieces; BLAKE2b through the same interface equals lv__hash. */
static void digest_sha256_matches_vectors_in_any_pieces(void **state) {
  (void)state;
  static const char *msgs[] = {"", "abc", "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"};
  static const char *want_hex[] = {
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"};
  uint8_t h[LV__HASH], want[LV__HASH];
  lv__digest d;
  for (int i = 0; i < 3; i++) {
    size_t n = strlen(msgs[i]);
    unhex(want, 32, want_hex[i]);
    for (size_t step = 1; step <= n + 1; step += 5) {
      assert_int_equal(lv__digest_init(&d, LV__DIGEST_SHA256), LV_OK);
      for (size_t off = 0; off < n; off += step)
        assert_int_equal(lv__digest_update(&d, msgs[i] + off, step < n - off ? step : n - off),
                         LV_OK);
      assert_int_equal(lv__digest_final(&d, h), LV_OK);
      assert_memory_equal(h, want, 32);
    }
  }
  static uint8_t m[70000];
  lv__random(m, sizeof m);
  assert_int_equal(lv__digest_init(&d, LV__DIGEST_BLAKE2B), LV_OK);
  assert_int_equal(lv__digest_update(&d, m, 12345), LV_OK);
  assert_int_equal(lv__digest_update(&d, m + 12345, sizeof m - 12345), LV_OK);
  assert_int_equal(lv__digest_final(&d, h), LV_OK);
  lv__hash(want, m, sizeof m);
  assert_memory_equal(h, want, 32);
  /* abandoned, and freed twice: nothing leaks, nothing breaks */
  assert_int_equal(lv__digest_init(&d, LV__DIGEST_SHA256), LV_OK);
  assert_int_equal(lv__digest_update(&d, m, 100), LV_OK);
  lv__digest_free(&d);
  lv__digest_free(&d);
  assert_int_equal(lv__digest_init(&d, (lv__digest_alg)99), LV_E_INVALID_ARG);
  lv__digest_free(&d);
}

static void hash_differs_on_any_change(void **state) {
  (void)state;
  uint8_t m[40], a[LV__HASH], b[LV__HASH];
  lv__random(m, sizeof m);
  lv__hash(a, m, sizeof m);
  lv__hash(b, m, sizeof m - 1);
  assert_memory_not_equal(a, b, LV__HASH);
  m[20] ^= 1;
  lv__hash(b, m, sizeof m);
  assert_memory_not_equal(a, b, LV__HASH);
}

static void kdf_matches_documented_derivation(void **state) {
  (void)state;
  uint8_t key[LV__KEY], out[LV__KEY], want[LV__KEY];
  for (int i = 0; i < LV__KEY; i++) key[i] = (uint8_t)i;
  /* BLAKE2b-256(key=00..1f, "licvault test" || 0x00 || salt) */
  lv__kdf(out, key, "licvault test", "salt", 4);
  unhex(want, 32, "725dc9344230432c990115b01452db2bf4d20a0d18338e15905723e47a0402f9");
  assert_memory_equal(out, want, LV__KEY);
  lv__kdf(out, key, "licvault test", NULL, 0);
  unhex(want, 32, "532497ccd9f0626b4dd99684ced5f3a4de13505cb0f657e945124571c7c8e284");
  assert_memory_equal(out, want, LV__KEY);
}

typedef struct many_ctx {
  const lv__kdf_many *k;
  const uint8_t *key;
  int bad;
} many_ctx;

static void *derive_many(void *arg) {
  many_ctx *c = arg;
  uint8_t salt[56], a[LV__KEY], b[LV__KEY];
  for (int i = 0; i < 2000; i++) {
    memset(salt, i & 0xff, sizeof salt);
    salt[0] = (uint8_t)(i >> 8);
    lv__kdf_many_derive(c->k, a, salt, sizeof salt);
    lv__kdf(b, c->key, "licvault backup license v1", salt, sizeof salt);
    if (memcmp(a, b, LV__KEY)) c->bad++;
  }
  return NULL;
}

/* lv__kdf_many gives lv__kdf's outputs, for any salt length, on several
 * threads at once. */
static void kdf_many_equals_kdf(void **state) {
  (void)state;
  uint8_t key[LV__KEY], salt[300], a[LV__KEY], b[LV__KEY];
  lv__kdf_many *k;
  lv__random(key, sizeof key);
  lv__random(salt, sizeof salt);
  static const char *labels[] = {"", "licvault backup license v1", "x"};
  for (int l = 0; l < 3; l++) {
    assert_int_equal(lv__kdf_many_new(&k, key, labels[l]), LV_OK);
    static const size_t lens[] = {0, 1, 56, 127, 128, 129, 300};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
      lv__kdf_many_derive(k, a, salt, lens[i]);
      lv__kdf(b, key, labels[l], salt, lens[i]);
      assert_memory_equal(a, b, LV__KEY);
    }
    lv__kdf_many_free(k);
  }
  assert_int_equal(lv__kdf_many_new(&k, key, "licvault backup license v1"), LV_OK);
  assert_true(lv__kdf_many_accelerated(k)); /* libcrypto's path, not the fallback */
  many_ctx c[3] = {{k, key, 0}, {k, key, 0}, {k, key, 0}};
  pthread_t th[3];
  for (int t = 0; t < 3; t++) assert_int_equal(pthread_create(&th[t], NULL, derive_many, &c[t]), 0);
  for (int t = 0; t < 3; t++) pthread_join(th[t], NULL);
  for (int t = 0; t < 3; t++) assert_int_equal(c[t].bad, 0);
  lv__kdf_many_free(k);
  lv__kdf_many_free(NULL);
}

static void kdf_differs_by_label_salt_and_key(void **state) {
  (void)state;
  uint8_t key[LV__KEY], key2[LV__KEY], a[LV__KEY], b[LV__KEY];
  lv__random(key, sizeof key);
  memcpy(key2, key, sizeof key);
  key2[0] ^= 1;
  lv__kdf(a, key, "label", "salt", 4);
  lv__kdf(b, key, "label", "salt", 4);
  assert_memory_equal(a, b, LV__KEY); /* deterministic */
  lv__kdf(b, key, "label2", "salt", 4);
  assert_memory_not_equal(a, b, LV__KEY);
  lv__kdf(b, key, "label", "salu", 4);
  assert_memory_not_equal(a, b, LV__KEY);
  lv__kdf(b, key, "label", "salt", 3);
  assert_memory_not_equal(a, b, LV__KEY);
  lv__kdf(b, key, "label", NULL, 0);
  assert_memory_not_equal(a, b, LV__KEY);
  lv__kdf(b, key2, "label", "salt", 4);
  assert_memory_not_equal(a, b, LV__KEY);
  /* the NUL after the label separates it from the salt */
  lv__kdf(a, key, "ab", "c", 1);
  lv__kdf(b, key, "a", "bc", 2);
  assert_memory_not_equal(a, b, LV__KEY);
  /* a zero-length salt is no salt, whatever the pointer */
  lv__kdf(a, key, "label", "ignored", 0);
  lv__kdf(b, key, "label", NULL, 0);
  assert_memory_equal(a, b, LV__KEY);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(crypto_init_is_idempotent_and_thread_safe),
      cmocka_unit_test(random_fills_and_differs),
      cmocka_unit_test(memcmp_ct_and_memzero),
      cmocka_unit_test(secure_alloc_gives_usable_memory),
      cmocka_unit_test(sign_verify_round_trip),
      cmocka_unit_test(sign_keypairs_are_fresh),
      cmocka_unit_test(verify_rejects_flipped_message_bit),
      cmocka_unit_test(verify_rejects_flipped_signature_bit),
      cmocka_unit_test(verify_rejects_other_key),
      cmocka_unit_test(aead_round_trips_every_small_length),
      cmocka_unit_test(aead_nonce_is_fresh_each_seal),
      cmocka_unit_test(aead_open_fails_on_any_flipped_byte),
      cmocka_unit_test(aead_nonces_never_repeat_across_threads),
      cmocka_unit_test(aead_open_fails_on_wrong_ad),
      cmocka_unit_test(aead_open_fails_on_wrong_key),
      cmocka_unit_test(aead_open_fails_on_too_short_input),
      cmocka_unit_test(aead_empty_message_still_authenticated),
      cmocka_unit_test(kx_both_sides_agree),
      cmocka_unit_test(kx_differs_by_label_and_binding),
      cmocka_unit_test(kx_rejects_low_order_peer),
      cmocka_unit_test(kx_matches_documented_derivation),
      cmocka_unit_test(box_sk_to_pk_matches_keypair),
      cmocka_unit_test(seal_open_round_trip),
      cmocka_unit_test(seal_open_fails_on_tamper_short_or_wrong_key),
      cmocka_unit_test(hash_matches_blake2b_256_vectors),
      cmocka_unit_test(hash_incremental_equals_one_shot),
      cmocka_unit_test(digest_sha256_matches_vectors_in_any_pieces),
      cmocka_unit_test(hash_differs_on_any_change),
      cmocka_unit_test(kdf_matches_documented_derivation),
      cmocka_unit_test(kdf_differs_by_label_salt_and_key),
      cmocka_unit_test(kdf_many_equals_kdf),
  };
  /* the other cases rely on an initialized library */
  if (lv__crypto_init() < 0) return 1;
  return cmocka_run_group_tests(tests, NULL, NULL);
}
