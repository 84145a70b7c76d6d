/* test_license.c - license records: encode, decode (every rejection), verify
 * against any single changed byte, and the wrap of the content key. */
#include <stdlib.h>
#include <string.h>

#include "core/encoding.h"
#include "license/license.h"
#include "licvault/license.h"
#include "testutil.h"

#define NOW INT64_C(1700000000)

/* ---- fixtures ---------------------------------------------------------- */

/* Keys of one issuance: the issuer's signing key, the file's ephemeral box
 * key, the computer's box key, and the file key both sides derive. */
typedef struct keys {
  uint8_t ipk[LV__SIGN_PK], isk[LV__SIGN_SK];
  uint8_t issuer_id[LV__KEYID];
  uint8_t eph_pk[LV__BOX_PK], eph_sk[LV__BOX_SK];
  uint8_t m_pk[LV__BOX_PK], m_sk[LV__BOX_SK];
  uint8_t machine_id[LV__MACHINE_ID];
  uint8_t issuer_key[LV__KEY]; /* derived on the issuer's side */
  uint8_t machine_key[LV__KEY]; /* derived on the computer's side */
} keys;

static void make_keys(keys *k) {
  memset(k, 0, sizeof *k);
  assert_int_equal(lv__sign_keypair(k->ipk, k->isk), LV_OK);
  lv__random(k->issuer_id, LV__KEYID);
  lv__random(k->machine_id, LV__MACHINE_ID);
  assert_int_equal(lv__box_keypair(k->eph_pk, k->eph_sk), LV_OK);
  assert_int_equal(lv__box_keypair(k->m_pk, k->m_sk), LV_OK);
  assert_int_equal(lv__license_file_key(k->issuer_key, k->eph_sk, k->m_pk, k->eph_pk, k->m_pk),
                   LV_OK);
  assert_int_equal(lv__license_file_key(k->machine_key, k->m_sk, k->eph_pk, k->eph_pk, k->m_pk),
                   LV_OK);
}

static void rich_rights(lv_rights *r) {
  lv_rights_init(r);
  r->flags = LV_RIGHT_PLAY | LV_RIGHT_BACKUP_RESTORE | LV_RIGHT_BURN_TO_CD |
             LV_RIGHT_TRANSFER_NONSDMI | LV_RIGHT_DELETE_ON_ROLLBACK;
  r->playcount = 5;
  r->begin_date = NOW - 86400;
  r->expiration_date = NOW + 30 * 86400;
  r->expire_after_first_use = 48;
  r->burn_to_cd_count = 2;
  r->transfer_count = 3;
  r->min_app_security = 1500;
}

/* Fills l like an issuer would, wrapping ckey under the issuer's file key. */
static void make_license(lv__license *l, const keys *k, const char *title,
                         const lv_rights *r, uint8_t ckey[LV__CKEY]) {
  memset(l, 0, sizeof *l);
  lv__random(l->lid, LV_LID_LEN);
  lv__random(l->kid, LV_KID_LEN);
  memcpy(l->issuer_id, k->issuer_id, LV__KEYID);
  memcpy(l->machine_id, k->machine_id, LV__MACHINE_ID);
  l->issued_at = NOW;
  l->rights = *r;
  memcpy(l->eph_pk, k->eph_pk, LV__BOX_PK);
  size_t tl = title ? strlen(title) : 0;
  assert_true(tl <= LV_TITLE_MAX);
  l->title_len = (uint16_t)tl;
  if (tl) memcpy(l->title, title, tl);
  lv__random(ckey, LV__CKEY);
  assert_int_equal(lv__license_wrap(l, ckey, k->issuer_key), LV_OK);
}

/* Encodes the body of l, signs it and appends the signature. */
static void make_record(lv__buf *b, const lv__license *l, const uint8_t isk[LV__SIGN_SK]) {
  uint8_t sig[LV__SIG];
  lv__buf_init(b, LV__LIC_MAX);
  assert_int_equal(lv__license_encode_body(b, l), LV_OK);
  assert_int_equal(b->len, LV__LIC_FIXED + l->title_len);
  lv__sign(sig, b->data, b->len, isk);
  assert_int_equal(lv__buf_put(b, sig, sizeof sig), LV_OK);
}

/* Re-signs a record in place after an edit of its body. */
static void resign(uint8_t *rec, size_t n, const uint8_t isk[LV__SIGN_SK]) {
  lv__sign(rec + n - LV__SIG, rec, n - LV__SIG, isk);
}

static void assert_rights_equal(const lv_rights *a, const lv_rights *b) {
  assert_int_equal(a->flags, b->flags);
  assert_int_equal(a->playcount, b->playcount);
  assert_int_equal(a->begin_date, b->begin_date);
  assert_int_equal(a->expiration_date, b->expiration_date);
  assert_int_equal(a->expire_after_first_use, b->expire_after_first_use);
  assert_int_equal(a->burn_to_cd_count, b->burn_to_cd_count);
  assert_int_equal(a->transfer_count, b->transfer_count);
  assert_int_equal(a->min_app_security, b->min_app_security);
}

typedef struct rec_fixture {
  keys k;
  lv_rights rights;
  lv__license lic;
  uint8_t ckey[LV__CKEY];
  lv__buf rec;
} rec_fixture;

static int setup_record(void **state) {
  rec_fixture *f = calloc(1, sizeof *f);
  if (!f) return -1;
  make_keys(&f->k);
  rich_rights(&f->rights);
  make_license(&f->lic, &f->k, "Symphonie \xe2\x84\x96 9 \xe2\x80\x93 Finale", &f->rights,
               f->ckey);
  make_record(&f->rec, &f->lic, f->k.isk);
  *state = f;
  return 0;
}

static int teardown_record(void **state) {
  rec_fixture *f = *state;
  lv__buf_free(&f->rec);
  lv__memzero(f, sizeof *f);
  free(f);
  return 0;
}

/* ---- records ----------------------------------------------------------- */

static void license_decode_round_trips_every_field(void **state) {
  rec_fixture *f = *state;
  lv__license d;
  assert_int_equal(f->rec.len, LV__LIC_MIN + f->lic.title_len);
  assert_int_equal(lv__license_decode(&d, f->rec.data, f->rec.len), LV_OK);
  assert_memory_equal(d.lid, f->lic.lid, LV_LID_LEN);
  assert_memory_equal(d.kid, f->lic.kid, LV_KID_LEN);
  assert_memory_equal(d.issuer_id, f->lic.issuer_id, LV__KEYID);
  assert_memory_equal(d.machine_id, f->lic.machine_id, LV__MACHINE_ID);
  assert_int_equal(d.issued_at, NOW);
  assert_rights_equal(&d.rights, &f->rights);
  assert_memory_equal(d.eph_pk, f->lic.eph_pk, LV__BOX_PK);
  assert_memory_equal(d.wrapped, f->lic.wrapped, LV__WRAPPED);
  assert_int_equal(d.title_len, f->lic.title_len);
  assert_string_equal(d.title, f->lic.title);
  assert_int_equal(d.title[d.title_len], '\0');
  assert_memory_equal(d.sig, f->rec.data + f->rec.len - LV__SIG, LV__SIG);
}

static void license_record_has_documented_layout(void **state) {
  rec_fixture *f = *state;
  const uint8_t *p = f->rec.data;
  assert_memory_equal(p, "LVLC", 4);
  assert_int_equal(p[4], LV__LIC_VERSION);
  assert_int_equal(p[5], 0);
  assert_int_equal(p[6] | p[7] << 8, f->lic.title_len);
  assert_memory_equal(p + 8, f->lic.lid, LV_LID_LEN);
  assert_memory_equal(p + 24, f->lic.kid, LV_KID_LEN);
  assert_memory_equal(p + 40, f->lic.issuer_id, LV__KEYID);
  assert_memory_equal(p + 48, f->lic.machine_id, LV__MACHINE_ID);
  assert_int_equal(lv__load_u64(p + 64), (uint64_t)NOW);
  assert_int_equal(lv__load_u32(p + 72), f->rights.flags);
  assert_int_equal(lv__load_u32(p + 76), f->rights.playcount);
  assert_int_equal(lv__load_u64(p + 80), (uint64_t)f->rights.begin_date);
  assert_int_equal(lv__load_u64(p + 88), (uint64_t)f->rights.expiration_date);
  assert_int_equal(lv__load_u32(p + 96), f->rights.expire_after_first_use);
  assert_int_equal(lv__load_u32(p + 100), f->rights.burn_to_cd_count);
  assert_int_equal(lv__load_u32(p + 104), f->rights.transfer_count);
  assert_int_equal(lv__load_u32(p + 108), f->rights.min_app_security);
  assert_memory_equal(p + 112, f->lic.eph_pk, LV__BOX_PK);
  assert_memory_equal(p + 144, f->lic.wrapped, LV__WRAPPED);
  assert_memory_equal(p + LV__LIC_FIXED, f->lic.title, f->lic.title_len);
}

static void license_decode_empty_and_max_titles(void **state) {
  rec_fixture *f = *state;
  char title[LV_TITLE_MAX + 1];
  lv__license l, d;
  lv__buf b;
  uint8_t ckey[LV__CKEY];
  make_license(&l, &f->k, NULL, &f->rights, ckey);
  make_record(&b, &l, f->k.isk);
  assert_int_equal(b.len, LV__LIC_MIN);
  assert_int_equal(lv__license_decode(&d, b.data, b.len), LV_OK);
  assert_int_equal(d.title_len, 0);
  assert_string_equal(d.title, "");
  assert_int_equal(lv__license_verify(b.data, b.len, f->k.ipk), LV_OK);
  lv__buf_free(&b);
  memset(title, 'x', LV_TITLE_MAX);
  title[LV_TITLE_MAX] = '\0';
  make_license(&l, &f->k, title, &f->rights, ckey);
  make_record(&b, &l, f->k.isk);
  assert_int_equal(b.len, LV__LIC_MAX);
  assert_int_equal(lv__license_decode(&d, b.data, b.len), LV_OK);
  assert_int_equal(d.title_len, LV_TITLE_MAX);
  assert_string_equal(d.title, title);
  lv__buf_free(&b);
}

static void license_verify_accepts_and_rejects_other_issuer(void **state) {
  rec_fixture *f = *state;
  uint8_t pk[LV__SIGN_PK], sk[LV__SIGN_SK];
  assert_int_equal(lv__license_verify(f->rec.data, f->rec.len, f->k.ipk), LV_OK);
  assert_int_equal(lv__sign_keypair(pk, sk), LV_OK);
  assert_int_equal(lv__license_verify(f->rec.data, f->rec.len, pk), LV_E_BAD_SIGNATURE);
  assert_int_equal(lv__license_verify(f->rec.data, LV__LIC_MIN - 1, f->k.ipk),
                   LV_E_LICENSE_CORRUPT);
  assert_int_equal(lv__license_verify(f->rec.data, 0, f->k.ipk), LV_E_LICENSE_CORRUPT);
  /* a record cut short still fails (the signature moves) */
  assert_int_equal(lv__license_verify(f->rec.data, f->rec.len - 1, f->k.ipk),
                   LV_E_BAD_SIGNATURE);
}

/* Never both decode and verify after any single changed byte. */
static void license_any_flipped_byte_fails_decode_or_verify(void **state) {
  rec_fixture *f = *state;
  static const uint8_t masks[] = {0x01, 0x80, 0xFF};
  uint8_t *p = f->rec.data;
  for (size_t off = 0; off < f->rec.len; off++)
    for (size_t m = 0; m < sizeof masks; m++) {
      lv__license d;
      p[off] ^= masks[m];
      lv_status dec = lv__license_decode(&d, p, f->rec.len);
      lv_status ver = lv__license_verify(p, f->rec.len, f->k.ipk);
      p[off] ^= masks[m];
      if (dec == LV_OK && ver == LV_OK)
        fail_msg("byte %zu ^ 0x%02x: decodes and verifies", off, masks[m]);
      assert_true(dec == LV_OK || dec == LV_E_LICENSE_CORRUPT || dec == LV_E_LICENSE_VERSION);
      assert_true(ver == LV_OK || ver == LV_E_BAD_SIGNATURE);
    }
  lv__license d;
  assert_int_equal(lv__license_decode(&d, p, f->rec.len), LV_OK);
  assert_int_equal(lv__license_verify(p, f->rec.len, f->k.ipk), LV_OK);
}

static void license_decode_rejects_unknown_version(void **state) {
  rec_fixture *f = *state;
  static const uint8_t versions[] = {0, 2, 3, 0x7F, 0xFF};
  lv__license d;
  for (size_t i = 0; i < sizeof versions; i++) {
    f->rec.data[4] = versions[i];
    resign(f->rec.data, f->rec.len, f->k.isk); /* well signed, still refused */
    assert_int_equal(lv__license_decode(&d, f->rec.data, f->rec.len), LV_E_LICENSE_VERSION);
  }
  /* the version is judged before the length: a short v2 is still "v2" */
  assert_int_equal(lv__license_decode(&d, f->rec.data, 5), LV_E_LICENSE_VERSION);
  f->rec.data[4] = LV__LIC_VERSION;
  resign(f->rec.data, f->rec.len, f->k.isk);
  assert_int_equal(lv__license_decode(&d, f->rec.data, f->rec.len), LV_OK);
}

static void license_decode_rejects_bad_magic(void **state) {
  rec_fixture *f = *state;
  lv__license d;
  for (int i = 0; i < 4; i++) {
    f->rec.data[i] ^= 0x20;
    assert_int_equal(lv__license_decode(&d, f->rec.data, f->rec.len), LV_E_LICENSE_CORRUPT);
    f->rec.data[i] ^= 0x20;
  }
}

static void license_decode_rejects_every_wrong_length(void **state) {
  rec_fixture *f = *state;
  lv__license d;
  uint8_t *longer = malloc(f->rec.len + 1);
  assert_non_null(longer);
  for (size_t n = 0; n < f->rec.len; n++)
    if (lv__license_decode(&d, f->rec.data, n) != LV_E_LICENSE_CORRUPT)
      fail_msg("record cut to %zu bytes not refused as corrupt", n);
  memcpy(longer, f->rec.data, f->rec.len);
  longer[f->rec.len] = 0;
  assert_int_equal(lv__license_decode(&d, longer, f->rec.len + 1), LV_E_LICENSE_CORRUPT);
  free(longer);
}

static void license_decode_rejects_title_len_mismatch(void **state) {
  rec_fixture *f = *state;
  lv__license d;
  uint16_t tl = f->lic.title_len;
  static const int deltas[] = {-1, 1, -(int)0x100, 0x100};
  for (size_t i = 0; i < sizeof deltas / sizeof deltas[0]; i++) {
    uint16_t v = (uint16_t)(tl + deltas[i]);
    f->rec.data[6] = (uint8_t)v;
    f->rec.data[7] = (uint8_t)(v >> 8);
    resign(f->rec.data, f->rec.len, f->k.isk);
    assert_int_equal(lv__license_decode(&d, f->rec.data, f->rec.len), LV_E_LICENSE_CORRUPT);
  }
}

static void license_decode_rejects_title_over_max(void **state) {
  rec_fixture *f = *state;
  size_t n = LV__LIC_MIN + LV_TITLE_MAX + 1;
  uint8_t *p = malloc(n);
  lv__license d;
  assert_non_null(p);
  memcpy(p, f->rec.data, LV__LIC_FIXED);
  memset(p + LV__LIC_FIXED, 'x', LV_TITLE_MAX + 1);
  p[6] = (uint8_t)(LV_TITLE_MAX + 1);
  p[7] = (uint8_t)((LV_TITLE_MAX + 1) >> 8);
  resign(p, n, f->k.isk);
  assert_int_equal(lv__license_decode(&d, p, n), LV_E_LICENSE_CORRUPT);
  free(p);
}

/* Encodes l with a raw title (bypassing the issuer's checks), signs it and
 * returns what decode says. */
static lv_status decode_with_title(rec_fixture *f, const char *title, size_t tl) {
  lv__license l = f->lic, d;
  lv__buf b;
  memset(l.title, 0, sizeof l.title);
  memcpy(l.title, title, tl);
  l.title_len = (uint16_t)tl;
  make_record(&b, &l, f->k.isk);
  lv_status rc = lv__license_decode(&d, b.data, b.len);
  if (rc == LV_OK) assert_int_equal(lv__license_verify(b.data, b.len, f->k.ipk), LV_OK);
  lv__buf_free(&b);
  return rc;
}

static void license_decode_rejects_invalid_utf8_title(void **state) {
  rec_fixture *f = *state;
  assert_int_equal(decode_with_title(f, "ok \xc3\xa9", 5), LV_OK);
  assert_int_equal(decode_with_title(f, "\xff\xfe", 2), LV_E_LICENSE_CORRUPT);
  assert_int_equal(decode_with_title(f, "bad \xc3", 5), LV_E_LICENSE_CORRUPT);
  assert_int_equal(decode_with_title(f, "\xc0\xaf", 2), LV_E_LICENSE_CORRUPT);
  assert_int_equal(decode_with_title(f, "\xed\xa0\x80", 3), LV_E_LICENSE_CORRUPT);
  assert_int_equal(decode_with_title(f, "nul\0in", 6), LV_E_LICENSE_CORRUPT);
  assert_int_equal(decode_with_title(f, "line\nbreak", 10), LV_E_LICENSE_CORRUPT);
}

/* SPEC MISMATCH (src/core/encoding.c, lv__utf8_valid_text, used by
 * lv__license_decode): docs/license-format.md says a title is "UTF-8, no
 * control characters", but only C0 controls and DEL are refused; the C1
 * controls U+0080..U+009F (e.g. U+009B CSI, a terminal escape introducer)
 * pass. Enable once the code (or the doc) is settled. */
static void license_decode_rejects_c1_control_in_title(void **state) {
  rec_fixture *f = *state;
  lv_status rc = decode_with_title(f, "a\xc2\x9b" "31mred", 9);
  assert_int_equal(rc, LV_E_LICENSE_CORRUPT);
  assert_int_equal(decode_with_title(f, "\xc2\x85", 2), LV_E_LICENSE_CORRUPT);
}

/* Sets a u32 or u64 field of the record, re-signs, and decodes. */
static lv_status decode_with_u32(rec_fixture *f, size_t off, uint32_t v) {
  lv__license d;
  lv__store_u32(f->rec.data + off, v);
  resign(f->rec.data, f->rec.len, f->k.isk);
  return lv__license_decode(&d, f->rec.data, f->rec.len);
}

static lv_status decode_with_u64(rec_fixture *f, size_t off, uint64_t v) {
  lv__license d;
  lv__store_u64(f->rec.data + off, v);
  resign(f->rec.data, f->rec.len, f->k.isk);
  return lv__license_decode(&d, f->rec.data, f->rec.len);
}

#define OFF_ISSUED 64
#define OFF_FLAGS 72
#define OFF_BEGIN 80
#define OFF_EXP 88

static void license_decode_rejects_unknown_rights_bits(void **state) {
  rec_fixture *f = *state;
  for (int bit = 7; bit < 32; bit++)
    assert_int_equal(decode_with_u32(f, OFF_FLAGS, LV_RIGHT_PLAY | 1u << bit),
                     LV_E_LICENSE_CORRUPT);
  assert_int_equal(decode_with_u32(f, OFF_FLAGS, LV_RIGHT__ALL & ~LV_RIGHT_DISABLE_ON_ROLLBACK),
                   LV_OK);
  assert_int_equal(decode_with_u32(f, OFF_FLAGS, 0), LV_OK); /* no rights is valid */
}

static void license_decode_rejects_both_rollback_flags(void **state) {
  rec_fixture *f = *state;
  assert_int_equal(decode_with_u32(f, OFF_FLAGS,
                                   LV_RIGHT_PLAY | LV_RIGHT_DELETE_ON_ROLLBACK |
                                       LV_RIGHT_DISABLE_ON_ROLLBACK),
                   LV_E_LICENSE_CORRUPT);
  assert_int_equal(decode_with_u32(f, OFF_FLAGS, LV_RIGHT_PLAY | LV_RIGHT_DISABLE_ON_ROLLBACK),
                   LV_OK);
  assert_int_equal(decode_with_u32(f, OFF_FLAGS, LV_RIGHT_PLAY | LV_RIGHT_DELETE_ON_ROLLBACK),
                   LV_OK);
}

static void license_decode_rejects_bad_dates(void **state) {
  rec_fixture *f = *state;
  /* begin after expiration */
  assert_int_equal(decode_with_u64(f, OFF_BEGIN, (uint64_t)(f->rights.expiration_date + 1)),
                   LV_E_LICENSE_CORRUPT);
  assert_int_equal(decode_with_u64(f, OFF_BEGIN, (uint64_t)f->rights.expiration_date), LV_OK);
  /* negative dates (top bit set) */
  assert_int_equal(decode_with_u64(f, OFF_BEGIN, UINT64_MAX), LV_E_LICENSE_CORRUPT);
  assert_int_equal(decode_with_u64(f, OFF_BEGIN, 0), LV_OK);
  assert_int_equal(decode_with_u64(f, OFF_EXP, UINT64_C(1) << 63), LV_E_LICENSE_CORRUPT);
  assert_int_equal(decode_with_u64(f, OFF_EXP, 0), LV_OK); /* never expires */
  assert_int_equal(decode_with_u64(f, OFF_BEGIN, (uint64_t)NOW * 2), LV_OK);
  assert_int_equal(decode_with_u64(f, OFF_ISSUED, UINT64_MAX), LV_E_LICENSE_CORRUPT);
  assert_int_equal(decode_with_u64(f, OFF_ISSUED, 0), LV_OK);
}

static void license_decode_rejects_nonzero_reserved_byte(void **state) {
  rec_fixture *f = *state;
  lv__license d;
  f->rec.data[5] = 1;
  resign(f->rec.data, f->rec.len, f->k.isk);
  assert_int_equal(lv__license_decode(&d, f->rec.data, f->rec.len), LV_E_LICENSE_CORRUPT);
}

static void license_encode_rejects_long_title_and_small_buffer(void **state) {
  rec_fixture *f = *state;
  lv__license l = f->lic;
  lv__buf b;
  lv__buf_init(&b, LV__LIC_MAX);
  l.title_len = LV_TITLE_MAX + 1;
  assert_int_equal(lv__license_encode_body(&b, &l), LV_E_INVALID_ARG);
  assert_int_equal(b.len, 0);
  lv__buf_free(&b);
  lv__buf_init(&b, LV__LIC_FIXED + f->lic.title_len - 1);
  assert_int_equal(lv__license_encode_body(&b, &f->lic), LV_E_TOO_LARGE);
  assert_int_equal(b.len, 0);
  lv__buf_free(&b);
}

static void license_unwrap_with_machine_key_works(void **state) {
  rec_fixture *f = *state;
  lv__license d;
  uint8_t ckey[LV__CKEY];
  assert_memory_equal(f->k.issuer_key, f->k.machine_key, LV__KEY);
  assert_int_equal(lv__license_decode(&d, f->rec.data, f->rec.len), LV_OK);
  assert_int_equal(lv__license_unwrap(ckey, &d, f->k.machine_key), LV_OK);
  assert_memory_equal(ckey, f->ckey, LV__CKEY);
}

static void license_unwrap_with_other_key_fails(void **state) {
  rec_fixture *f = *state;
  lv__license d;
  uint8_t ckey[LV__CKEY], other[LV__KEY], o_pk[LV__BOX_PK], o_sk[LV__BOX_SK];
  assert_int_equal(lv__license_decode(&d, f->rec.data, f->rec.len), LV_OK);
  lv__random(other, sizeof other);
  assert_int_equal(lv__license_unwrap(ckey, &d, other), LV_E_DECRYPT);
  /* another computer derives another file key */
  assert_int_equal(lv__box_keypair(o_pk, o_sk), LV_OK);
  assert_int_equal(lv__license_file_key(other, o_sk, f->k.eph_pk, f->k.eph_pk, o_pk), LV_OK);
  assert_int_equal(lv__license_unwrap(ckey, &d, other), LV_E_DECRYPT);
  /* so does this computer when it names the wrong exchange */
  assert_int_equal(
      lv__license_file_key(other, f->k.m_sk, f->k.eph_pk, f->k.eph_pk, o_pk), LV_OK);
  assert_int_equal(lv__license_unwrap(ckey, &d, other), LV_E_DECRYPT);
}

static void license_wrapped_key_is_bound_to_lid_and_kid(void **state) {
  rec_fixture *f = *state;
  lv__license d;
  uint8_t ckey[LV__CKEY];
  assert_int_equal(lv__license_decode(&d, f->rec.data, f->rec.len), LV_OK);
  d.lid[0] ^= 1;
  assert_int_equal(lv__license_unwrap(ckey, &d, f->k.machine_key), LV_E_DECRYPT);
  d.lid[0] ^= 1;
  d.kid[15] ^= 1;
  assert_int_equal(lv__license_unwrap(ckey, &d, f->k.machine_key), LV_E_DECRYPT);
  d.kid[15] ^= 1;
  for (size_t i = 0; i < LV__WRAPPED; i++) {
    d.wrapped[i] ^= 0x40;
    assert_int_equal(lv__license_unwrap(ckey, &d, f->k.machine_key), LV_E_DECRYPT);
    d.wrapped[i] ^= 0x40;
  }
  assert_int_equal(lv__license_unwrap(ckey, &d, f->k.machine_key), LV_OK);
}

/* docs/license-format.md: file_key = kx with "licvault license file v1";
 * wrap_key = BLAKE2b-256(key=file_key, "licvault license key v1" 0 LID);
 * wrapped = nonce || AEAD(wrap_key, content key, ad = LID || KID). */
static void license_wrap_matches_documented_derivation(void **state) {
  rec_fixture *f = *state;
  uint8_t fk[LV__KEY], wk[LV__KEY], ad[LV_LID_LEN + LV_KID_LEN], ckey[LV__CKEY];
  assert_int_equal(lv__kx(fk, f->k.m_sk, f->k.eph_pk, f->k.eph_pk, f->k.m_pk,
                          "licvault license file v1"),
                   LV_OK);
  assert_memory_equal(fk, f->k.machine_key, LV__KEY);
  lv__kdf(wk, fk, "licvault license key v1", f->lic.lid, LV_LID_LEN);
  memcpy(ad, f->lic.lid, LV_LID_LEN);
  memcpy(ad + LV_LID_LEN, f->lic.kid, LV_KID_LEN);
  assert_int_equal(lv__aead_open(ckey, f->lic.wrapped, LV__WRAPPED, ad, sizeof ad, wk), LV_OK);
  assert_memory_equal(ckey, f->ckey, LV__CKEY);
}

static void license_info_is_public_view(void **state) {
  rec_fixture *f = *state;
  lv_license_info info;
  char lid[LV_LID_STRLEN], kid[LV_KID_STRLEN], iss[LV_KEYID_STRLEN];
  lv__license_info(&info, &f->lic);
  lv__hex_encode(lid, f->lic.lid, LV_LID_LEN);
  lv__b64_encode(kid, f->lic.kid, LV_KID_LEN);
  lv__hex_encode(iss, f->lic.issuer_id, LV__KEYID);
  assert_string_equal(info.lid, lid);
  assert_string_equal(info.kid, kid);
  assert_string_equal(info.issuer, iss);
  assert_int_equal(info.issued_at, NOW);
  assert_rights_equal(&info.rights, &f->rights);
  assert_string_equal(info.title, f->lic.title);
  assert_int_equal(info.plays_used, 0);
  assert_int_equal(info.first_use, 0);
  assert_int_equal(lv_kid_check(info.kid), LV_OK);
}

static void kid_check_accepts_only_base64_of_16_bytes(void **state) {
  (void)state;
  assert_int_equal(lv_kid_check("AAECAwQFBgcICQoLDA0ODw=="), LV_OK);
  assert_int_equal(lv_kid_check("AAECAwQFBgcICQoLDA0ODx=="), LV_E_INVALID_ARG);
  assert_int_equal(lv_kid_check("AAECAwQFBgcICQoLDA0ODw="), LV_E_INVALID_ARG);
  assert_int_equal(lv_kid_check("AAECAwQFBgcICQoLDA0ODw"), LV_E_INVALID_ARG);
  assert_int_equal(lv_kid_check("AAECAwQFBgcICQoLDA0OD-=="), LV_E_INVALID_ARG);
  assert_int_equal(lv_kid_check(""), LV_E_INVALID_ARG);
  assert_int_equal(lv_kid_check(NULL), LV_E_INVALID_ARG);
}

#define R(fn) cmocka_unit_test_setup_teardown(fn, setup_record, teardown_record)

int main(void) {
  const struct CMUnitTest tests[] = {
      R(license_decode_round_trips_every_field),
      R(license_record_has_documented_layout),
      R(license_decode_empty_and_max_titles),
      R(license_verify_accepts_and_rejects_other_issuer),
      R(license_any_flipped_byte_fails_decode_or_verify),
      R(license_decode_rejects_unknown_version),
      R(license_decode_rejects_bad_magic),
      R(license_decode_rejects_every_wrong_length),
      R(license_decode_rejects_title_len_mismatch),
      R(license_decode_rejects_title_over_max),
      R(license_decode_rejects_invalid_utf8_title),
      R(license_decode_rejects_c1_control_in_title),
      R(license_decode_rejects_unknown_rights_bits),
      R(license_decode_rejects_both_rollback_flags),
      R(license_decode_rejects_bad_dates),
      R(license_decode_rejects_nonzero_reserved_byte),
      R(license_encode_rejects_long_title_and_small_buffer),
      R(license_unwrap_with_machine_key_works),
      R(license_unwrap_with_other_key_fails),
      R(license_wrapped_key_is_bound_to_lid_and_kid),
      R(license_wrap_matches_documented_derivation),
      R(license_info_is_public_view),
      cmocka_unit_test(kid_check_accepts_only_base64_of_16_bytes),
  };
  if (lv__crypto_init() < 0) return 1;
  return cmocka_run_group_tests(tests, NULL, NULL);
}
