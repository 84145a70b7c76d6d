/* kdf_many.c - lv__kdf under one key and label, many times (crypto.h).
 * lv__kdf is keyed BLAKE2b-256 of label || 0 || salt; libcrypto's
 * BLAKE2BMAC with a 32-byte output is the same function. Its context, with
 * the key and label absorbed, is copied for each derivation. */
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "crypto/crypto.h"

struct lv__kdf_many {
  EVP_MAC_CTX *base; /* NULL: every derivation through lv__kdf */
  uint8_t *key;      /* guarded memory, for that fallback */
  char *label;
};

static EVP_MAC_CTX *keyed(const uint8_t key[LV__KEY], const char *label) {
  EVP_MAC *mac = EVP_MAC_fetch(NULL, "BLAKE2BMAC", NULL);
  EVP_MAC_CTX *c = mac ? EVP_MAC_CTX_new(mac) : NULL;
  size_t size = LV__KEY;
  OSSL_PARAM p[] = {OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &size), OSSL_PARAM_END};
  EVP_MAC_free(mac); /* the context holds its own reference */
  if (c && (EVP_MAC_init(c, key, LV__KEY, p) != 1 ||
            EVP_MAC_update(c, (const uint8_t *)label, strlen(label) + 1) != 1)) {
    EVP_MAC_CTX_free(c);
    c = NULL;
  }
  return c;
}

lv_status lv__kdf_many_new(lv__kdf_many **out, const uint8_t key[LV__KEY], const char *label) {
  lv__kdf_many *k = lv__calloc(1, sizeof *k);
  *out = NULL;
  if (!k) return LV_E_NOMEM;
  k->key = lv__secure_alloc(LV__KEY);
  k->label = lv__strdup(label);
  if (!k->key || !k->label) {
    lv__kdf_many_free(k);
    return LV_E_NOMEM;
  }
  memcpy(k->key, key, LV__KEY);
  k->base = keyed(key, label);
  *out = k;
  return LV_OK;
}

void lv__kdf_many_derive(const lv__kdf_many *k, uint8_t out[LV__KEY], const void *salt,
                         size_t saltlen) {
  EVP_MAC_CTX *c = k->base ? EVP_MAC_CTX_dup(k->base) : NULL;
  size_t len = 0;
  bool ok = c && EVP_MAC_update(c, salt, saltlen) == 1 &&
            EVP_MAC_final(c, out, &len, LV__KEY) == 1 && len == LV__KEY;
  EVP_MAC_CTX_free(c);
  if (!ok) lv__kdf(out, k->key, k->label, salt, saltlen);
}

bool lv__kdf_many_accelerated(const lv__kdf_many *k) { return k && k->base; }

void lv__kdf_many_free(lv__kdf_many *k) {
  if (!k) return;
  if (k->base) {
    /* libcrypto wipes only its copy of the key when freeing; the chain
     * state with the key absorbed would stay in freed memory. Keying it
     * anew with zeros overwrites that state first. */
    static const uint8_t zeros[LV__KEY];
    EVP_MAC_init(k->base, zeros, sizeof zeros, NULL);
  }
  EVP_MAC_CTX_free(k->base);
  if (k->key) lv__secure_free(k->key);
  free(k->label);
  free(k);
}
