/* gen_examples.c - prints the example exchange of docs/protocol.md from
 * fixed seeds (not built by default); tests/proto/test_examples.c replays
 * it against the service. Build by hand against build/liblicvault_static.a. */
#include <stdio.h>
#include <string.h>

#include "core/encoding.h"
#include "proto/proto.h"

static void seed(uint8_t s[32], uint8_t v) { memset(s, v, 32); }

int main(void) {
  uint8_t s[32], svc_sign_sk[64], svc_sign_pk[32], svc_box_pk[32], svc_box_sk[32];
  uint8_t m_sign_sk[64], secret[32], sealed[LV__SEALED_SECRET];
  lv__open_req o;
  lv__restore_req r;
  lv__item items[2];
  lv__buf b;
  char sig[89], hx[65];
  lv__crypto_init();
  seed(s, 0x51), lv__sign_seed_keypair(svc_sign_pk, svc_sign_sk, s);
  seed(s, 0x52), lv__box_seed_keypair(svc_box_pk, svc_box_sk, s);
  memset(&o, 0, sizeof o);
  seed(s, 0x61), lv__sign_seed_keypair(o.h.who.sign_pk, m_sign_sk, s);
  uint8_t mbox_sk[32];
  seed(s, 0x62), lv__box_seed_keypair(o.h.who.box_pk, mbox_sk, s);
  memset(o.h.who.machine_id, 0xb1, 16);
  memset(o.h.rid, 0x01, 16);
  o.h.time = 1795305600; /* 2026-11-22T00:00:00Z */
  seed(secret, 0x77);
  lv__seal(sealed, secret, 32, svc_box_pk);
  memcpy(o.sealed_secret, sealed, sizeof sealed);
  memset(o.source_machine, 0xa0, 16);
  o.generation = 1;
  o.licenses = 2;
  lv__keyfile k = {.kind = LV__KEY_SERVICE};
  memcpy(k.sign_pk, svc_sign_pk, 32);
  memcpy(k.box_pk, svc_box_pk, 32);
  lv__keyfile_compute_id(&k);
  memcpy(o.service_id, k.id, 8);
  lv__buf_init(&b, 1 << 20);
  lv__open_req_format(&b, &o);
  lv__proto_sign_request(sig, LV__PATH_OPEN, b.data, b.len, m_sign_sk);
  printf("POST /v1/open\n%s: %s\n\n%.*s\n\n", LV__SIG_HEADER, sig, (int)b.len, (char *)b.data);
  memset(&r, 0, sizeof r);
  r.h = o.h;
  memset(r.h.rid, 0x02, 16);
  memcpy(r.sealed_secret, sealed, sizeof sealed);
  memset(items, 0, sizeof items);
  for (int i = 0; i < 2; i++) {
    memset(items[i].ref.lid, 0x80 + i, 16);
    memset(items[i].ref.kid, 0x10 + i, 16);
    memset(items[i].ref.machine_id, 0xa0, 16);
    memset(items[i].ref.issuer_id, 0xc0, 8);
  }
  memcpy(items[0].title, "Concert in C minor", 19);
  r.items = items;
  r.n = 2;
  lv__buf_reset(&b);
  lv__restore_req_format(&b, &r);
  lv__proto_sign_request(sig, LV__PATH_RESTORE, b.data, b.len, m_sign_sk);
  printf("POST /v1/restore\n%s: %s\n\n%.*s\n\n", LV__SIG_HEADER, sig, (int)b.len, (char *)b.data);
  lv__hex_encode(hx, k.id, 8);
  printf("service-id %s\n", hx);
  lv__buf_free(&b);
  return 0;
}
