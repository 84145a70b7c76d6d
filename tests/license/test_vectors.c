/* test_vectors.c - checks the test vector of docs/license-format.md against
 * the code: the documented record decodes to the documented fields, its
 * signature verifies, and its content key opens with the documented seeds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "core/encoding.h"
#include "core/timeutil.h"
#include "license/license.h"

typedef struct vec {
  char issuer_seed[65], issuer_pk[45], issuer_id[17], mseed[65], mpk[65], machine_id[33];
  char ckey[65], kid[25], lid[33], title[64];
  uint8_t rec[1024];
  size_t reclen, declared;
} vec;

static void field(const char *line, const char *name, char *out, size_t cap) {
  size_t n = strlen(name);
  if (strncmp(line, name, n) || line[n] != ' ') return;
  snprintf(out, cap, "%s", line + n + 1);
  out[strcspn(out, "\n")] = '\0';
}

static void load(vec *v) {
  FILE *f = fopen(LV_SOURCE_DIR "/docs/license-format.md", "r");
  char line[512];
  bool in = false;
  assert_non_null(f);
  memset(v, 0, sizeof *v);
  while (fgets(line, sizeof line, f)) {
    if (!strncmp(line, "```vector", 9)) in = true;
    else if (!strncmp(line, "```", 3)) in = false;
    if (!in) continue;
    field(line, "issuer-seed", v->issuer_seed, sizeof v->issuer_seed);
    field(line, "issuer-sign-public", v->issuer_pk, sizeof v->issuer_pk);
    field(line, "issuer-id", v->issuer_id, sizeof v->issuer_id);
    field(line, "machine-box-seed", v->mseed, sizeof v->mseed);
    field(line, "machine-box-public", v->mpk, sizeof v->mpk);
    field(line, "machine-id", v->machine_id, sizeof v->machine_id);
    field(line, "content-key", v->ckey, sizeof v->ckey);
    field(line, "kid", v->kid, sizeof v->kid);
    field(line, "lid", v->lid, sizeof v->lid);
    field(line, "title", v->title, sizeof v->title);
    if (!strncmp(line, "record-length ", 14)) v->declared = strtoul(line + 14, NULL, 10);
    if (!strncmp(line, "record ", 7)) {
      size_t hl = strcspn(line + 7, "\n");
      assert_int_equal(lv__hex_decode(v->rec + v->reclen, hl / 2, line + 7, hl), LV_OK);
      v->reclen += hl / 2;
    }
  }
  fclose(f);
  assert_int_equal(v->reclen, v->declared);
}

static void vector_record_decodes_to_documented_fields(void **state) {
  (void)state;
  vec v;
  lv__license l;
  lv_license_info info;
  int64_t t;
  load(&v);
  assert_int_equal(lv__license_decode(&l, v.rec, v.reclen), LV_OK);
  lv__license_info(&info, &l);
  assert_string_equal(info.kid, v.kid);
  assert_string_equal(info.lid, v.lid);
  assert_string_equal(info.title, v.title);
  assert_string_equal(info.issuer, v.issuer_id);
  char mid[33];
  lv__hex_encode(mid, l.machine_id, 16);
  assert_string_equal(mid, v.machine_id);
  assert_int_equal(lv__time_parse(&t, "2026-11-22T00:00:00Z"), LV_OK);
  assert_int_equal(l.issued_at, t);
  assert_int_equal(lv__time_parse(&t, "2028-01-01"), LV_OK);
  assert_int_equal(l.rights.expiration_date, t);
  assert_int_equal(l.rights.flags, LV_RIGHT_PLAY | LV_RIGHT_BACKUP_RESTORE);
  assert_int_equal(l.rights.playcount, 10);
  assert_int_equal(l.rights.min_app_security, 1000);
}

static void vector_signature_and_key_ids_verify(void **state) {
  (void)state;
  vec v;
  lv__keyfile iss = {0};
  uint8_t seed[32], sk[64];
  char id[17];
  load(&v);
  iss.kind = LV__KEY_ISSUER;
  assert_int_equal(lv__b64_decode(iss.sign_pk, 32, v.issuer_pk, strlen(v.issuer_pk)), LV_OK);
  assert_int_equal(lv__license_verify(v.rec, v.reclen, iss.sign_pk), LV_OK);
  lv__keyfile_compute_id(&iss);
  lv__hex_encode(id, iss.id, 8);
  assert_string_equal(id, v.issuer_id);
  /* the documented seed gives the documented public key */
  uint8_t pk[32];
  assert_int_equal(lv__hex_decode(seed, 32, v.issuer_seed, 64), LV_OK);
  lv__sign_seed_keypair(pk, sk, seed);
  assert_memory_equal(pk, iss.sign_pk, 32);
  /* one changed byte anywhere breaks the signature or the decoding */
  v.rec[30] ^= 1;
  assert_int_not_equal(lv__license_verify(v.rec, v.reclen, iss.sign_pk), LV_OK);
}

static void vector_content_key_opens_with_machine_seed(void **state) {
  (void)state;
  vec v;
  lv__license l;
  uint8_t seed[32], mpk[32], msk[32], fkey[32], ckey[32], want[32];
  load(&v);
  assert_int_equal(lv__license_decode(&l, v.rec, v.reclen), LV_OK);
  assert_int_equal(lv__hex_decode(seed, 32, v.mseed, 64), LV_OK);
  lv__box_seed_keypair(mpk, msk, seed);
  char hpk[65];
  lv__hex_encode(hpk, mpk, 32);
  assert_string_equal(hpk, v.mpk);
  assert_int_equal(lv__license_file_key(fkey, msk, l.eph_pk, l.eph_pk, mpk), LV_OK);
  assert_int_equal(lv__license_unwrap(ckey, &l, fkey), LV_OK);
  assert_int_equal(lv__hex_decode(want, 32, v.ckey, 64), LV_OK);
  assert_memory_equal(ckey, want, 32);
}

int main(void) {
  lv__crypto_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(vector_record_decodes_to_documented_fields),
      cmocka_unit_test(vector_signature_and_key_ids_verify),
      cmocka_unit_test(vector_content_key_opens_with_machine_seed),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
