/* crypto.h - licvault's only door to libsodium (and to libcrypto, for speed
 * on bulk data: SHA-256, and the secretstream's ChaCha20 and Poly1305):
 * randomness, Ed25519 signatures, X25519 key agreement, XChaCha20-Poly1305
 * AEAD and secretstream, BLAKE2b hashing and key derivation, bulk digests,
 * and secret-memory hygiene.
 *
 * Rules: callers never see libsodium types; a failed open or verify returns
 * one generic code (LV_E_DECRYPT / LV_E_BAD_SIGNATURE) and writes nothing
 * useful; derived secrets live in caller buffers the caller wipes with
 * lv__memzero. Every function is thread-safe after lv__crypto_init. */
#ifndef LV_CRYPTO_CRYPTO_H
#define LV_CRYPTO_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "licvault/status.h"

#define LV__SIGN_PK 32
#define LV__SIGN_SK 64
#define LV__SIG 64
#define LV__BOX_PK 32
#define LV__BOX_SK 32
#define LV__KEY 32
#define LV__NONCE 24
#define LV__TAG 16
#define LV__AEAD_OVERHEAD (LV__NONCE + LV__TAG)
#define LV__HASH 32

/* Initializes libsodium once; safe to call from many threads. */
lv_status lv__crypto_init(void);

/* Every random byte licvault uses, its own and libsodium's (keys, nonces,
 * stream headers, sealed-box ephemerals), comes from one source. */
void lv__random(void *p, size_t n);
/* SipHash-2-4 of m under a 16-byte key (crypto_shorthash): for hash tables
 * whose keys a client can choose, so that their slots cannot be aimed at. */
uint64_t lv__shorthash(const void *m, size_t n, const uint8_t key[16]);
#ifdef LV_FAULTS
/* The randomness seam (test builds): with a seed, the source becomes a
 * deterministic stream (so two runs write identical bytes); NULL returns
 * to the operating system's generator. Set it before any thread uses
 * randomness. */
void lv__random_set_fake(const uint8_t seed[32]);
#endif
void lv__memzero(void *p, size_t n);
/* Constant-time equality: 0 when equal. */
int lv__memcmp_ct(const void *a, const void *b, size_t n);

/* Guarded memory for long-lived secrets (mlock'd, wiped on free). */
void *lv__secure_alloc(size_t n);
void lv__secure_free(void *p);

/* Ed25519. */
lv_status lv__sign_keypair(uint8_t pk[LV__SIGN_PK], uint8_t sk[LV__SIGN_SK]);
void lv__sign(uint8_t sig[LV__SIG], const void *m, size_t n,
              const uint8_t sk[LV__SIGN_SK]);
lv_status lv__sign_verify(const uint8_t sig[LV__SIG], const void *m, size_t n,
                          const uint8_t pk[LV__SIGN_PK]);
/* Deterministic key pairs from a 32-byte seed (test vectors only). */
void lv__sign_seed_keypair(uint8_t pk[LV__SIGN_PK], uint8_t sk[LV__SIGN_SK],
                           const uint8_t seed[32]);
void lv__box_seed_keypair(uint8_t pk[LV__BOX_PK], uint8_t sk[LV__BOX_SK],
                          const uint8_t seed[32]);
/* The public half of an Ed25519 secret key. */
void lv__sign_sk_to_pk(uint8_t pk[LV__SIGN_PK], const uint8_t sk[LV__SIGN_SK]);

/* X25519. */
lv_status lv__box_keypair(uint8_t pk[LV__BOX_PK], uint8_t sk[LV__BOX_SK]);
lv_status lv__box_sk_to_pk(uint8_t pk[LV__BOX_PK], const uint8_t sk[LV__BOX_SK]);
/* key = BLAKE2b-256(key=label-hash, X25519(sk, peer) || eph_pk || recip_pk).
 * Both sides name the same (eph_pk, recip_pk) pair, so the key is bound to
 * that exchange. LV_E_DECRYPT for a low-order peer key. */
lv_status lv__kx(uint8_t key[LV__KEY], const uint8_t sk[LV__BOX_SK],
                 const uint8_t peer_pk[LV__BOX_PK], const uint8_t eph_pk[LV__BOX_PK],
                 const uint8_t recip_pk[LV__BOX_PK], const char *label);

/* Anonymous sealed box to a public key (crypto_box_seal). */
#define LV__SEAL_OVERHEAD 48
lv_status lv__seal(uint8_t *out, const void *m, size_t n, const uint8_t pk[LV__BOX_PK]);
lv_status lv__seal_open(uint8_t *m, const uint8_t *c, size_t clen,
                        const uint8_t pk[LV__BOX_PK], const uint8_t sk[LV__BOX_SK]);

/* XChaCha20-Poly1305: out = nonce || ciphertext || tag, a fresh nonce each
 * call (a random 128-bit prefix per thread, then a 64-bit counter); out
 * holds n + LV__AEAD_OVERHEAD bytes. */
lv_status lv__aead_seal(uint8_t *out, const void *m, size_t n, const void *ad,
                        size_t adlen, const uint8_t key[LV__KEY]);
/* Opens what lv__aead_seal made; m holds clen - LV__AEAD_OVERHEAD bytes. */
lv_status lv__aead_open(uint8_t *m, const uint8_t *c, size_t clen, const void *ad,
                        size_t adlen, const uint8_t key[LV__KEY]);

/* XChaCha20-Poly1305 secretstream: a chain of messages in which
 * truncation, reordering, dropping and splicing are detected. libsodium's
 * format byte for byte; long messages are computed by libcrypto
 * (src/crypto/sstream.c). */
#ifdef LV_FAULTS
/* Messages done by libcrypto so far in this process (test builds): lets
 * a test see that the fast path, not only the fallback, ran. */
unsigned long lv__sstream_bulk_count(void);
#endif
#define LV__SSTREAM_HEADER 24
#define LV__SSTREAM_ABYTES 17
typedef struct lv__sstream {
  _Alignas(16) uint8_t opaque[64];
} lv__sstream;
lv_status lv__sstream_push_init(lv__sstream *st, uint8_t header[LV__SSTREAM_HEADER],
                                const uint8_t key[LV__KEY]);
/* out holds n + LV__SSTREAM_ABYTES bytes; final marks the last message. */
void lv__sstream_push(lv__sstream *st, uint8_t *out, const uint8_t *m, size_t n, bool final);
lv_status lv__sstream_pull_init(lv__sstream *st, const uint8_t header[LV__SSTREAM_HEADER],
                                const uint8_t key[LV__KEY]);
/* Opens one message of clen bytes into m; *final tells whether it was the
 * last. LV_E_DECRYPT on any tampering. */
lv_status lv__sstream_pull(lv__sstream *st, uint8_t *m, const uint8_t *c, size_t clen,
                           bool *final);

/* BLAKE2b-256 of a message, and keyed derivation:
 * out = BLAKE2b-256(key=key, label || 0x00 || salt). */
void lv__hash(uint8_t out[LV__HASH], const void *m, size_t n);
void lv__kdf(uint8_t out[LV__KEY], const uint8_t key[LV__KEY], const char *label,
             const void *salt, size_t saltlen);

/* lv__kdf many times under one key and label (a backup's pads: one per
 * license): the same outputs, the key and label absorbed once, and the
 * rest computed by libcrypto's BLAKE2b, twice the speed of libsodium's
 * here (0.20 us a pad against 0.46). Falls back to lv__kdf when libcrypto
 * cannot. new fails only for memory (*out NULL); derive may run on many
 * threads at once (it only reads k). libcrypto holds the absorbed key in
 * its own (ordinary) heap while k lives, as the stream's key is held;
 * free overwrites that state and wipes licvault's copy of the key. */
typedef struct lv__kdf_many lv__kdf_many;
bool lv__kdf_many_accelerated(const lv__kdf_many *k); /* libcrypto in use */
lv_status lv__kdf_many_new(lv__kdf_many **out, const uint8_t key[LV__KEY], const char *label);
void lv__kdf_many_derive(const lv__kdf_many *k, uint8_t out[LV__KEY], const void *salt,
                         size_t saltlen);
void lv__kdf_many_free(lv__kdf_many *k);

/* Incremental BLAKE2b-256 (opaque state, 384 bytes suffices). */
typedef struct lv__hash_state {
  _Alignas(64) uint8_t opaque[384];
} lv__hash_state;
void lv__hash_init(lv__hash_state *st);
void lv__hash_update(lv__hash_state *st, const void *m, size_t n);
void lv__hash_final(lv__hash_state *st, uint8_t out[LV__HASH]);

/* A digest of bulk data by a chosen algorithm: what a backup set's manifest
 * records for each of its parts (docs/format.md). SHA-256 comes from
 * libcrypto (OpenSSL), which uses the CPU's SHA extensions: here 2.7 times
 * the speed of libsodium's BLAKE2b, and hashing was the largest single cost
 * of a backup. Init allocates (LV_E_NOMEM; LV_E_INTERNAL if libcrypto has
 * no SHA-256); final, or free for a digest abandoned, releases it. A
 * failed update or final (LV_E_INTERNAL) leaves no digest to trust: the
 * caller gives up. A zero-filled lv__digest may be freed. Not thread-safe
 * per object. */
typedef enum lv__digest_alg { LV__DIGEST_BLAKE2B = 1, LV__DIGEST_SHA256 = 2 } lv__digest_alg;
typedef struct lv__digest {
  lv__digest_alg alg;
  lv__hash_state b2;
  void *evp; /* libcrypto's context, for SHA-256 */
} lv__digest;
lv_status lv__digest_init(lv__digest *d, lv__digest_alg alg);
lv_status lv__digest_update(lv__digest *d, const void *m, size_t n);
lv_status lv__digest_final(lv__digest *d, uint8_t out[LV__HASH]);
void lv__digest_free(lv__digest *d);

#endif
