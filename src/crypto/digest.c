/* digest.c - bulk digests by algorithm (crypto.h): BLAKE2b-256 through
 * libsodium, SHA-256 through libcrypto's EVP interface, the one that picks
 * the SHA-extension code on CPUs that have it. */
#include <openssl/evp.h>
#include <string.h>

#include "crypto/crypto.h"

lv_status lv__digest_init(lv__digest *d, lv__digest_alg alg) {
  memset(d, 0, sizeof *d);
  d->alg = alg;
  if (alg == LV__DIGEST_BLAKE2B) {
    lv__hash_init(&d->b2);
    return LV_OK;
  }
  if (alg != LV__DIGEST_SHA256) return LV_E_INVALID_ARG;
  EVP_MD_CTX *c = EVP_MD_CTX_new();
  if (!c) return LV_E_NOMEM;
  if (EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1) {
    EVP_MD_CTX_free(c);
    return LV_E_INTERNAL;
  }
  d->evp = c;
  return LV_OK;
}

lv_status lv__digest_update(lv__digest *d, const void *m, size_t n) {
  if (d->alg == LV__DIGEST_BLAKE2B) {
    lv__hash_update(&d->b2, m, n);
    return LV_OK;
  }
  return EVP_DigestUpdate(d->evp, m, n) == 1 ? LV_OK : LV_E_INTERNAL;
}

lv_status lv__digest_final(lv__digest *d, uint8_t out[LV__HASH]) {
  lv_status rc = LV_OK;
  if (d->alg == LV__DIGEST_BLAKE2B) {
    lv__hash_final(&d->b2, out);
  } else {
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(d->evp, out, &len) != 1 || len != LV__HASH) rc = LV_E_INTERNAL;
  }
  lv__digest_free(d);
  return rc;
}

void lv__digest_free(lv__digest *d) {
  EVP_MD_CTX_free(d->evp); /* accepts NULL */
  memset(d, 0, sizeof *d);
}
