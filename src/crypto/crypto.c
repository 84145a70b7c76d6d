/* crypto.c - the thin wrappers over libsodium named in crypto.h.
 * Kept in one file on purpose: it is the whole audited surface. */
#include "crypto/crypto.h"

#include <pthread.h>
#include <sodium.h>
#include <string.h>

_Static_assert(sizeof(lv__hash_state) >= sizeof(crypto_generichash_state),
               "lv__hash_state too small");

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int init_rc = -1;

#include <stdatomic.h>
#include <stdint.h>
#ifdef LV_FAULTS
#include <sodium/randombytes_sysrandom.h>

/* The seam wraps the OS generator; libsodium must learn of it before
 * sodium_init, so it is installed in every test build and passes through
 * until a seed is set. */
static uint8_t fake_seed[randombytes_SEEDBYTES];
static atomic_bool fake_on;
static atomic_ulong fake_ctr;

static void fake_buf(void *p, size_t n) {
  if (!atomic_load(&fake_on)) {
    randombytes_sysrandom_implementation.buf(p, n);
    return;
  }
  /* one fresh seed per call: hash(seed || counter) */
  uint8_t s[randombytes_SEEDBYTES];
  unsigned long c = atomic_fetch_add(&fake_ctr, 1);
  crypto_generichash_state st;
  crypto_generichash_init(&st, NULL, 0, sizeof s);
  crypto_generichash_update(&st, fake_seed, sizeof fake_seed);
  crypto_generichash_update(&st, (const uint8_t *)&c, sizeof c);
  crypto_generichash_final(&st, s, sizeof s);
  randombytes_buf_deterministic(p, n, s);
}
static uint32_t fake_random(void) {
  uint32_t x;
  fake_buf(&x, sizeof x);
  return x;
}
static const char *fake_name(void) { return "licvault-seam"; }
static struct randombytes_implementation seam = {.implementation_name = fake_name,
                                                 .random = fake_random,
                                                 .stir = NULL,
                                                 .uniform = NULL,
                                                 .buf = fake_buf,
                                                 .close = NULL};

static atomic_ulong nonce_gen = 1; /* threads start at 0: their first nonce draws */
void lv__random_set_fake(const uint8_t seed[32]) {
  if (seed) memcpy(fake_seed, seed, sizeof fake_seed);
  atomic_store(&fake_ctr, 0);
  atomic_store(&fake_on, seed != NULL);
  atomic_fetch_add(&nonce_gen, 1); /* nonce prefixes drawn again, from the seed */
}
#endif

static void init_once(void) {
#ifdef LV_FAULTS
  randombytes_set_implementation(&seam);
#endif
  init_rc = sodium_init() < 0 ? -1 : 0;
}

lv_status lv__crypto_init(void) {
  pthread_once(&once, init_once);
  return init_rc < 0 ? LV_E_INTERNAL : LV_OK;
}

void lv__random(void *p, size_t n) { randombytes_buf(p, n); }
void lv__memzero(void *p, size_t n) { sodium_memzero(p, n); }
int lv__memcmp_ct(const void *a, const void *b, size_t n) {
  return sodium_memcmp(a, b, n);
}

void *lv__secure_alloc(size_t n) { return sodium_malloc(n); }
void lv__secure_free(void *p) { sodium_free(p); }

lv_status lv__sign_keypair(uint8_t pk[LV__SIGN_PK], uint8_t sk[LV__SIGN_SK]) {
  return crypto_sign_ed25519_keypair(pk, sk) == 0 ? LV_OK : LV_E_INTERNAL;
}

void lv__sign(uint8_t sig[LV__SIG], const void *m, size_t n,
              const uint8_t sk[LV__SIGN_SK]) {
  crypto_sign_ed25519_detached(sig, NULL, m, n, sk);
}

lv_status lv__sign_verify(const uint8_t sig[LV__SIG], const void *m, size_t n,
                          const uint8_t pk[LV__SIGN_PK]) {
  return crypto_sign_ed25519_verify_detached(sig, m, n, pk) == 0
             ? LV_OK
             : LV_E_BAD_SIGNATURE;
}

void lv__sign_seed_keypair(uint8_t pk[LV__SIGN_PK], uint8_t sk[LV__SIGN_SK],
                           const uint8_t seed[32]) {
  crypto_sign_ed25519_seed_keypair(pk, sk, seed);
}

void lv__box_seed_keypair(uint8_t pk[LV__BOX_PK], uint8_t sk[LV__BOX_SK],
                          const uint8_t seed[32]) {
  crypto_box_seed_keypair(pk, sk, seed);
}

void lv__sign_sk_to_pk(uint8_t pk[LV__SIGN_PK], const uint8_t sk[LV__SIGN_SK]) {
  crypto_sign_ed25519_sk_to_pk(pk, sk);
}

lv_status lv__box_keypair(uint8_t pk[LV__BOX_PK], uint8_t sk[LV__BOX_SK]) {
  return crypto_box_keypair(pk, sk) == 0 ? LV_OK : LV_E_INTERNAL;
}

lv_status lv__box_sk_to_pk(uint8_t pk[LV__BOX_PK], const uint8_t sk[LV__BOX_SK]) {
  return crypto_scalarmult_base(pk, sk) == 0 ? LV_OK : LV_E_INTERNAL;
}

lv_status lv__kx(uint8_t key[LV__KEY], const uint8_t sk[LV__BOX_SK],
                 const uint8_t peer_pk[LV__BOX_PK], const uint8_t eph_pk[LV__BOX_PK],
                 const uint8_t recip_pk[LV__BOX_PK], const char *label) {
  uint8_t shared[crypto_scalarmult_BYTES];
  uint8_t lkey[LV__KEY];
  if (crypto_scalarmult(shared, sk, peer_pk) != 0) return LV_E_DECRYPT;
  crypto_generichash(lkey, sizeof lkey, (const uint8_t *)label, strlen(label),
                     NULL, 0);
  crypto_generichash_state st;
  crypto_generichash_init(&st, lkey, sizeof lkey, LV__KEY);
  crypto_generichash_update(&st, shared, sizeof shared);
  crypto_generichash_update(&st, eph_pk, LV__BOX_PK);
  crypto_generichash_update(&st, recip_pk, LV__BOX_PK);
  crypto_generichash_final(&st, key, LV__KEY);
  sodium_memzero(shared, sizeof shared);
  sodium_memzero(&st, sizeof st);
  return LV_OK;
}

_Static_assert(LV__SEAL_OVERHEAD == crypto_box_SEALBYTES, "seal overhead");

lv_status lv__seal(uint8_t *out, const void *m, size_t n, const uint8_t pk[LV__BOX_PK]) {
  return crypto_box_seal(out, m, n, pk) == 0 ? LV_OK : LV_E_INTERNAL;
}

lv_status lv__seal_open(uint8_t *m, const uint8_t *c, size_t clen,
                        const uint8_t pk[LV__BOX_PK], const uint8_t sk[LV__BOX_SK]) {
  if (clen < LV__SEAL_OVERHEAD) return LV_E_DECRYPT;
  return crypto_box_seal_open(m, c, clen, pk, sk) == 0 ? LV_OK : LV_E_DECRYPT;
}

_Static_assert(LV__NONCE == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, "nonce");
_Static_assert(LV__TAG == crypto_aead_xchacha20poly1305_ietf_ABYTES, "tag");

/* XChaCha20's 192-bit nonces: a random 128-bit prefix per thread and a
 * 64-bit counter. As safe as a random nonce per message (prefixes collide
 * with probability ~2^-64 after 2^32 threads), without a getrandom system
 * call per message: a restore or import seals one key per license. */
#ifndef LV_FAULTS
static atomic_ulong nonce_gen = 1; /* threads start at 0: their first nonce draws */
#endif
static _Thread_local struct {
  unsigned long gen;
  uint8_t prefix[16];
  uint64_t ctr;
} nonce_state;

static void next_nonce(uint8_t out[LV__NONCE]) {
  unsigned long g = atomic_load(&nonce_gen);
  if (nonce_state.gen != g || nonce_state.ctr == UINT64_MAX) {
    randombytes_buf(nonce_state.prefix, sizeof nonce_state.prefix);
    nonce_state.ctr = 0;
    nonce_state.gen = g;
  }
  uint64_t c = nonce_state.ctr++;
  memcpy(out, nonce_state.prefix, 16);
  for (int i = 0; i < 8; i++) out[16 + i] = (uint8_t)(c >> (8 * i));
}

lv_status lv__aead_seal(uint8_t *out, const void *m, size_t n, const void *ad,
                        size_t adlen, const uint8_t key[LV__KEY]) {
  next_nonce(out);
  crypto_aead_xchacha20poly1305_ietf_encrypt(out + LV__NONCE, NULL, m, n, ad, adlen,
                                             NULL, out, key);
  return LV_OK;
}

lv_status lv__aead_open(uint8_t *m, const uint8_t *c, size_t clen, const void *ad,
                        size_t adlen, const uint8_t key[LV__KEY]) {
  if (clen < LV__AEAD_OVERHEAD) return LV_E_DECRYPT;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(m, NULL, NULL, c + LV__NONCE,
                                                 clen - LV__NONCE, ad, adlen, c,
                                                 key) != 0) {
    sodium_memzero(m, clen - LV__AEAD_OVERHEAD);
    return LV_E_DECRYPT;
  }
  return LV_OK;
}

uint64_t lv__shorthash(const void *m, size_t n, const uint8_t key[16]) {
  uint8_t h[crypto_shorthash_BYTES];
  uint64_t v;
  crypto_shorthash(h, m, n, key);
  memcpy(&v, h, sizeof v);
  return v;
}

void lv__hash(uint8_t out[LV__HASH], const void *m, size_t n) {
  crypto_generichash(out, LV__HASH, m, n, NULL, 0);
}

void lv__kdf(uint8_t out[LV__KEY], const uint8_t key[LV__KEY], const char *label,
             const void *salt, size_t saltlen) {
  crypto_generichash_state st;
  crypto_generichash_init(&st, key, LV__KEY, LV__KEY);
  crypto_generichash_update(&st, (const uint8_t *)label, strlen(label) + 1);
  if (saltlen) crypto_generichash_update(&st, salt, saltlen);
  crypto_generichash_final(&st, out, LV__KEY);
  sodium_memzero(&st, sizeof st);
}

void lv__hash_init(lv__hash_state *st) {
  crypto_generichash_init((crypto_generichash_state *)st->opaque, NULL, 0, LV__HASH);
}

void lv__hash_update(lv__hash_state *st, const void *m, size_t n) {
  crypto_generichash_update((crypto_generichash_state *)st->opaque, m, n);
}

void lv__hash_final(lv__hash_state *st, uint8_t out[LV__HASH]) {
  crypto_generichash_final((crypto_generichash_state *)st->opaque, out, LV__HASH);
}

