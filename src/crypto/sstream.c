/* sstream.c - libsodium's XChaCha20-Poly1305 secretstream (crypto.h), its
 * bulk work done by libcrypto. The stream is libsodium's, byte for byte:
 * libsodium sets each stream up (HChaCha20 of the header) and rekeys it;
 * for each long message, libcrypto's ChaCha20 and Poly1305, which use the
 * CPU's widest vectors, do what crypto_secretstream_xchacha20poly1305_push
 * and _pull do, in the same order over the same bytes: 3.2 times
 * libsodium's speed here (3.7 GB/s against 1.2 GB/s), and encrypting was
 * the largest cost of a backup after its hash. Short messages, and any
 * message libcrypto cannot take (a context it cannot allocate), go through
 * libsodium itself, which writes the same bytes. tests/crypto checks the two
 * paths against each other. */
#include <limits.h>
#include <stdatomic.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <sodium.h>
#include <string.h>

#include "crypto/crypto.h"

_Static_assert(sizeof(lv__sstream) >= sizeof(crypto_secretstream_xchacha20poly1305_state),
               "lv__sstream too small");
_Static_assert(LV__SSTREAM_HEADER == crypto_secretstream_xchacha20poly1305_HEADERBYTES, "hdr");
_Static_assert(LV__SSTREAM_ABYTES == crypto_secretstream_xchacha20poly1305_ABYTES, "abytes");

#define SS(st) ((crypto_secretstream_xchacha20poly1305_state *)(st)->opaque)
#define TAG_FINAL crypto_secretstream_xchacha20poly1305_TAG_FINAL
#define TAG_REKEY crypto_secretstream_xchacha20poly1305_TAG_REKEY
#define COUNTER_BYTES 4 /* the nonce: a 32-bit counter, then the 8-byte inonce */
/* Below this, libcrypto's set-up costs more than its speed gains. */
#define BULK_MIN 4096

static pthread_once_t once = PTHREAD_ONCE_INIT;
#ifdef LV_FAULTS
static _Atomic unsigned long bulk_done;
unsigned long lv__sstream_bulk_count(void) { return bulk_done; }
#define COUNT_BULK() bulk_done++
#else
#define COUNT_BULK() ((void)0)
#endif
static EVP_CIPHER *chacha; /* NULL: libsodium does everything */
static EVP_MAC *poly;

static void fetch(void) {
  chacha = EVP_CIPHER_fetch(NULL, "ChaCha20", NULL);
  poly = EVP_MAC_fetch(NULL, "POLY1305", NULL);
  if (!chacha || !poly) {
    EVP_CIPHER_free(chacha);
    EVP_MAC_free(poly);
    chacha = NULL;
    poly = NULL;
  }
}

/* One message's libcrypto contexts; false when they cannot be had. */
typedef struct bulk {
  EVP_CIPHER_CTX *c;
  EVP_MAC_CTX *p;
} bulk;

static bool bulk_open(bulk *b, size_t n) {
  b->c = NULL;
  b->p = NULL;
  if (n < BULK_MIN || n > INT_MAX - 64) return false;
  pthread_once(&once, fetch);
  if (!chacha) return false;
  b->c = EVP_CIPHER_CTX_new();
  b->p = EVP_MAC_CTX_new(poly);
  return b->c && b->p;
}

static void bulk_close(bulk *b) {
  EVP_CIPHER_CTX_free(b->c);
  EVP_MAC_CTX_free(b->p);
}

/* out = in XOR the ChaCha20 (IETF) keystream from block ic. */
static bool xor_ic(bulk *b, uint8_t *out, const uint8_t *in, size_t n,
                   const crypto_secretstream_xchacha20poly1305_state *s, uint32_t ic) {
  uint8_t iv[16];
  int len = 0;
  for (int i = 0; i < 4; i++) iv[i] = (uint8_t)(ic >> (8 * i));
  memcpy(iv + 4, s->nonce, sizeof s->nonce);
  return EVP_EncryptInit_ex2(b->c, chacha, s->k, iv, NULL) == 1 &&
         EVP_EncryptUpdate(b->c, out, &len, in, (int)n) == 1 && (size_t)len == n;
}

static void le64(uint8_t out[8], uint64_t v) {
  for (int i = 0; i < 8; i++) out[i] = (uint8_t)(v >> (8 * i));
}

/* libsodium's MAC of a message: Poly1305 keyed by keystream block 0, over
 * the tag block, the ciphertext, libsodium's padding (mlen mod 16 zero
 * bytes: its expression, kept as it is) and the two lengths (no AD). */
static bool mac_of(bulk *b, uint8_t mac[16], const uint8_t tag_block[64], const uint8_t *c,
                   size_t mlen, const crypto_secretstream_xchacha20poly1305_state *s) {
  static const uint8_t zeros[64];
  uint8_t key[64], len[8];
  size_t outl = 0;
  bool ok = xor_ic(b, key, zeros, sizeof key, s, 0) && EVP_MAC_init(b->p, key, 32, NULL) == 1 &&
            EVP_MAC_update(b->p, tag_block, 64) == 1 && EVP_MAC_update(b->p, c, mlen) == 1 &&
            EVP_MAC_update(b->p, zeros, (0x10 - 64 + mlen) & 0xf) == 1;
  le64(len, 0);
  ok = ok && EVP_MAC_update(b->p, len, 8) == 1;
  le64(len, 64 + (uint64_t)mlen);
  ok = ok && EVP_MAC_update(b->p, len, 8) == 1 && EVP_MAC_final(b->p, mac, &outl, 16) == 1 &&
       outl == 16;
  sodium_memzero(key, sizeof key);
  return ok;
}

/* After each message, as libsodium: the MAC into the inonce, the counter
 * up, a rekey on the REKEY bit (FINAL has it) or a counter wrap. */
static void advance(crypto_secretstream_xchacha20poly1305_state *s, const uint8_t mac[16],
                    uint8_t tag) {
  for (size_t i = 0; i < sizeof s->nonce - COUNTER_BYTES; i++) s->nonce[COUNTER_BYTES + i] ^= mac[i];
  sodium_increment(s->nonce, COUNTER_BYTES);
  if ((tag & TAG_REKEY) || sodium_is_zero(s->nonce, COUNTER_BYTES))
    crypto_secretstream_xchacha20poly1305_rekey(s);
}

lv_status lv__sstream_push_init(lv__sstream *st, uint8_t header[LV__SSTREAM_HEADER],
                                const uint8_t key[LV__KEY]) {
  return crypto_secretstream_xchacha20poly1305_init_push(SS(st), header, key) == 0
             ? LV_OK
             : LV_E_INTERNAL;
}

static bool push_bulk(crypto_secretstream_xchacha20poly1305_state *s, uint8_t *out,
                      const uint8_t *m, size_t n, uint8_t tag) {
  bulk b;
  uint8_t block[64] = {0}, mac[16];
  bool ok = bulk_open(&b, n);
  block[0] = tag;
  ok = ok && xor_ic(&b, block, block, sizeof block, s, 1);
  out[0] = block[0];
  ok = ok && xor_ic(&b, out + 1, m, n, s, 2) && mac_of(&b, mac, block, out + 1, n, s);
  bulk_close(&b);
  if (!ok) return false; /* nothing of s changed: libsodium writes it all again */
  memcpy(out + 1 + n, mac, sizeof mac);
  advance(s, mac, tag);
  COUNT_BULK();
  return true;
}

void lv__sstream_push(lv__sstream *st, uint8_t *out, const uint8_t *m, size_t n, bool final) {
  uint8_t tag = final ? TAG_FINAL : 0;
  if (!push_bulk(SS(st), out, m, n, tag))
    crypto_secretstream_xchacha20poly1305_push(SS(st), out, NULL, m, n, NULL, 0, tag);
}

lv_status lv__sstream_pull_init(lv__sstream *st, const uint8_t header[LV__SSTREAM_HEADER],
                                const uint8_t key[LV__KEY]) {
  return crypto_secretstream_xchacha20poly1305_init_pull(SS(st), header, key) == 0
             ? LV_OK
             : LV_E_DECRYPT;
}

/* 1: opened; 0: tampered (nothing written to m, s unchanged); -1: libcrypto
 * could not take it (libsodium is asked instead). */
static int pull_bulk(crypto_secretstream_xchacha20poly1305_state *s, uint8_t *m,
                     const uint8_t *c, size_t clen, uint8_t *tag) {
  bulk b;
  size_t n = clen - LV__SSTREAM_ABYTES;
  uint8_t block[64] = {0}, mac[16];
  if (!bulk_open(&b, n)) {
    bulk_close(&b);
    return -1;
  }
  block[0] = c[0];
  bool ok = xor_ic(&b, block, block, sizeof block, s, 1);
  *tag = block[0];
  block[0] = c[0]; /* the MAC covers the tag as sent */
  ok = ok && mac_of(&b, mac, block, c + 1, n, s);
  if (ok && sodium_memcmp(mac, c + 1 + n, sizeof mac) != 0) {
    bulk_close(&b);
    return 0;
  }
  ok = ok && xor_ic(&b, m, c + 1, n, s, 2);
  bulk_close(&b);
  if (!ok) return -1;
  advance(s, mac, *tag);
  COUNT_BULK();
  return 1;
}

lv_status lv__sstream_pull(lv__sstream *st, uint8_t *m, const uint8_t *c, size_t clen,
                           bool *final) {
  unsigned char tag;
  if (clen < LV__SSTREAM_ABYTES) return LV_E_DECRYPT;
  int r = pull_bulk(SS(st), m, c, clen, &tag);
  if (r == 0) return LV_E_DECRYPT;
  if (r < 0 && crypto_secretstream_xchacha20poly1305_pull(SS(st), m, NULL, &tag, c, clen, NULL, 0) != 0)
    return LV_E_DECRYPT;
  if (tag != 0 && tag != TAG_FINAL) return LV_E_DECRYPT;
  *final = tag == TAG_FINAL;
  return LV_OK;
}
