/* gen_vector.c - prints the test vector block of docs/license-format.md
 * from fixed seeds (not built by default; tests/license/test_vectors.c
 * checks the block). Build by hand against build/liblicvault_static.a. */
#include <stdio.h>
#include <string.h>

#include "core/encoding.h"
#include "license/license.h"

static void hexline(const char *name, const uint8_t *p, size_t n) {
  char h[2 * 600 + 1];
  lv__hex_encode(h, p, n);
  printf("%s %s\n", name, h);
}

int main(void) {
  uint8_t iseed[32], mseed[32], eseed[32], isk[64], msk[32], esk[32], fkey[32], ckey[32];
  lv__keyfile iss = {0};
  lv__license l = {0};
  lv__buf b;
  lv__crypto_init();
  for (int i = 0; i < 32; i++) iseed[i] = (uint8_t)i, mseed[i] = (uint8_t)(0x20 + i),
                               eseed[i] = (uint8_t)(0x40 + i), ckey[i] = (uint8_t)(0x60 + i);
  iss.kind = LV__KEY_ISSUER;
  lv__sign_seed_keypair(iss.sign_pk, isk, iseed);
  lv__keyfile_compute_id(&iss);
  uint8_t mpk[32];
  lv__box_seed_keypair(mpk, msk, mseed);
  lv__box_seed_keypair(l.eph_pk, esk, eseed);
  lv__license_file_key(fkey, esk, mpk, l.eph_pk, mpk);
  for (int i = 0; i < 16; i++) l.lid[i] = (uint8_t)(0x80 + i), l.machine_id[i] = (uint8_t)(0xA0 + i);
  memcpy(l.kid, "Concert in C min", 16);
  memcpy(l.issuer_id, iss.id, 8);
  l.issued_at = 1795305600; /* 2026-11-22T00:00:00Z */
  lv_rights_init(&l.rights);
  l.rights.flags |= LV_RIGHT_BACKUP_RESTORE;
  l.rights.playcount = 10;
  l.rights.expiration_date = 1830297600; /* 2028-01-01 */
  l.title_len = 18;
  memcpy(l.title, "Concert in C minor", 18);
  lv__license_wrap(&l, ckey, fkey);
  lv__buf_init(&b, 4096);
  lv__license_encode_body(&b, &l);
  lv__buf_reserve(&b, 64);
  lv__sign(b.data + b.len, b.data, b.len, isk);
  b.len += 64;
  char kid[25], pk64[45];
  lv__b64_encode(kid, l.kid, 16);
  lv__b64_encode(pk64, iss.sign_pk, 32);
  hexline("issuer-seed", iseed, 32);
  printf("issuer-sign-public %s\n", pk64);
  hexline("issuer-id", iss.id, 8);
  hexline("machine-box-seed", mseed, 32);
  hexline("machine-box-public", mpk, 32);
  hexline("machine-id", l.machine_id, 16);
  hexline("content-key", ckey, 32);
  printf("kid %s\n", kid);
  hexline("lid", l.lid, 16);
  printf("title %s\n", "Concert in C minor");
  printf("issued-at 2026-11-22T00:00:00Z\n");
  printf("rights AllowPlay AllowBackupRestore Playcount=10 ExpirationDate=2028-01-01T00:00:00Z MinimumAppSecurity=1000\n");
  printf("record-length %zu\n", b.len);
  for (size_t off = 0; off < b.len; off += 32) {
    char h[65];
    size_t n = b.len - off < 32 ? b.len - off : 32;
    lv__hex_encode(h, b.data + off, n);
    printf("record %s\n", h);
  }
  lv__buf_free(&b);
  return 0;
}
