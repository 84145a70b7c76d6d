/* sign.c - request and answer signatures, the request hash an answer names,
 * and the key that protects what an answer hands one computer. */
#include <stdio.h>
#include <string.h>

#include "core/encoding.h"
#include "proto/proto.h"

void lv__proto_hash(uint8_t out[LV__HASH], const void *body, size_t n) { lv__hash(out, body, n); }

/* BLAKE2b over the domain-separated message; the signature is over that
 * digest (one pass over a body of up to 4 MiB, whatever Ed25519 needs). */
static void digest(uint8_t d[LV__HASH], const char *domain, const char *ctx, const void *body,
                   size_t n) {
  lv__hash_state st;
  lv__hash_init(&st);
  lv__hash_update(&st, domain, strlen(domain) + 1);
  lv__hash_update(&st, ctx, strlen(ctx) + 1);
  lv__hash_update(&st, body, n);
  lv__hash_final(&st, d);
}

static void sign(char out[89], const uint8_t d[LV__HASH], const uint8_t sk[LV__SIGN_SK]) {
  uint8_t sig[LV__SIG];
  lv__sign(sig, d, LV__HASH, sk);
  lv__b64_encode(out, sig, LV__SIG);
}

static lv_status verify(const char *sig_b64, const uint8_t d[LV__HASH], const uint8_t pk[LV__SIGN_PK]) {
  uint8_t sig[LV__SIG];
  if (!sig_b64 || lv__b64_decode(sig, LV__SIG, sig_b64, strlen(sig_b64)) < 0)
    return LV_E_BAD_SIGNATURE;
  return lv__sign_verify(sig, d, LV__HASH, pk);
}

void lv__proto_sign_request(char sig_b64[89], const char *path, const void *body, size_t n,
                            const uint8_t sign_sk[LV__SIGN_SK]) {
  uint8_t d[LV__HASH];
  digest(d, "licvault request v1", path, body, n);
  sign(sig_b64, d, sign_sk);
}

lv_status lv__proto_verify_request(const char *sig_b64, const char *path, const void *body,
                                   size_t n, const uint8_t sign_pk[LV__SIGN_PK]) {
  uint8_t d[LV__HASH];
  digest(d, "licvault request v1", path, body, n);
  return verify(sig_b64, d, sign_pk);
}

void lv__proto_sign_answer(char sig_b64[89], unsigned status, const void *body, size_t n,
                           const uint8_t sign_sk[LV__SIGN_SK]) {
  uint8_t d[LV__HASH];
  char st[16];
  snprintf(st, sizeof st, "%u", status);
  digest(d, "licvault response v1", st, body, n);
  sign(sig_b64, d, sign_sk);
}

lv_status lv__proto_verify_answer(const char *sig_b64, unsigned status, const void *body,
                                  size_t n, const uint8_t sign_pk[LV__SIGN_PK]) {
  uint8_t d[LV__HASH];
  char st[16];
  snprintf(st, sizeof st, "%u", status);
  digest(d, "licvault response v1", st, body, n);
  return verify(sig_b64, d, sign_pk);
}

lv_status lv__answer_key(uint8_t key[LV__KEY], const uint8_t my_box_sk[LV__BOX_SK],
                         const uint8_t peer_box_pk[LV__BOX_PK],
                         const uint8_t service_box_pk[LV__BOX_PK],
                         const uint8_t client_box_pk[LV__BOX_PK]) {
  return lv__kx(key, my_box_sk, peer_box_pk, service_box_pk, client_box_pk, "licvault answer v1");
}
