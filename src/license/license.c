/* license.c - the canonical license record: decode, encode, verify, and
 * the wrap of its content key. One byte string per license, so that the
 * issuer's signature covers exactly what every reader understands. */
#include "license/license.h"

#include <string.h>

#include "core/encoding.h"

void lv_rights_init(lv_rights *r) {
  memset(r, 0, sizeof *r);
  r->flags = LV_RIGHT_PLAY;
  r->min_app_security = 1000;
}

bool lv__rights_valid(const lv_rights *r) {
  if (r->flags & ~LV_RIGHT__ALL) return false;
  /* WMRM: the two rollback reactions exclude each other */
  if ((r->flags & LV_RIGHT_DELETE_ON_ROLLBACK) && (r->flags & LV_RIGHT_DISABLE_ON_ROLLBACK))
    return false;
  if (r->begin_date < 0 || r->expiration_date < 0) return false;
  if (r->expiration_date && r->begin_date > r->expiration_date) return false;
  return true;
}

lv_status lv__license_encode_body(lv__buf *b, const lv__license *l) {
  lv_status rc;
  const lv_rights *r = &l->rights;
  if (l->title_len > LV_TITLE_MAX) return LV_E_INVALID_ARG;
  if ((rc = lv__buf_reserve(b, LV__LIC_FIXED + l->title_len)) < 0) return rc;
  lv__buf_put(b, LV__LIC_MAGIC, 4);
  lv__buf_put_u8(b, LV__LIC_VERSION);
  lv__buf_put_u8(b, 0);
  lv__buf_put_u16(b, l->title_len);
  lv__buf_put(b, l->lid, LV_LID_LEN);
  lv__buf_put(b, l->kid, LV_KID_LEN);
  lv__buf_put(b, l->issuer_id, LV__KEYID);
  lv__buf_put(b, l->machine_id, LV__MACHINE_ID);
  lv__buf_put_u64(b, (uint64_t)l->issued_at);
  lv__buf_put_u32(b, r->flags);
  lv__buf_put_u32(b, r->playcount);
  lv__buf_put_u64(b, (uint64_t)r->begin_date);
  lv__buf_put_u64(b, (uint64_t)r->expiration_date);
  lv__buf_put_u32(b, r->expire_after_first_use);
  lv__buf_put_u32(b, r->burn_to_cd_count);
  lv__buf_put_u32(b, r->transfer_count);
  lv__buf_put_u32(b, r->min_app_security);
  lv__buf_put(b, l->eph_pk, LV__BOX_PK);
  lv__buf_put(b, l->wrapped, LV__WRAPPED);
  return lv__buf_put(b, l->title, l->title_len);
}

lv_status lv__license_decode(lv__license *out, const uint8_t *p, size_t n) {
  lv__license l;
  lv__rd rd = lv__rd_make(p, n);
  uint8_t magic[4], version, reserved;
  uint64_t t, begin, exp;
  lv_rights *r = &l.rights;
  memset(&l, 0, sizeof l);
  if (!lv__rd_bytes(&rd, magic, 4) || memcmp(magic, LV__LIC_MAGIC, 4) ||
      !lv__rd_u8(&rd, &version))
    return LV_E_LICENSE_CORRUPT;
  if (version != LV__LIC_VERSION) return LV_E_LICENSE_VERSION;
  if (!lv__rd_u8(&rd, &reserved) || reserved || !lv__rd_u16(&rd, &l.title_len) ||
      l.title_len > LV_TITLE_MAX || n != LV__LIC_MIN + (size_t)l.title_len)
    return LV_E_LICENSE_CORRUPT;
  /* the length is now known to be exact, so the reads below cannot fail */
  lv__rd_bytes(&rd, l.lid, LV_LID_LEN);
  lv__rd_bytes(&rd, l.kid, LV_KID_LEN);
  lv__rd_bytes(&rd, l.issuer_id, LV__KEYID);
  lv__rd_bytes(&rd, l.machine_id, LV__MACHINE_ID);
  lv__rd_u64(&rd, &t);
  lv__rd_u32(&rd, &r->flags);
  lv__rd_u32(&rd, &r->playcount);
  lv__rd_u64(&rd, &begin);
  lv__rd_u64(&rd, &exp);
  lv__rd_u32(&rd, &r->expire_after_first_use);
  lv__rd_u32(&rd, &r->burn_to_cd_count);
  lv__rd_u32(&rd, &r->transfer_count);
  lv__rd_u32(&rd, &r->min_app_security);
  lv__rd_bytes(&rd, l.eph_pk, LV__BOX_PK);
  lv__rd_bytes(&rd, l.wrapped, LV__WRAPPED);
  lv__rd_bytes(&rd, l.title, l.title_len);
  lv__rd_bytes(&rd, l.sig, LV__SIG);
  l.issued_at = (int64_t)t;
  r->begin_date = (int64_t)begin;
  r->expiration_date = (int64_t)exp;
  if (l.issued_at < 0 || !lv__rights_valid(r) ||
      !lv__utf8_valid_text((const uint8_t *)l.title, l.title_len))
    return LV_E_LICENSE_CORRUPT;
  *out = l;
  return LV_OK;
}

lv_status lv__license_verify(const uint8_t *rec, size_t n, const uint8_t issuer_pk[LV__SIGN_PK]) {
  if (n < LV__LIC_MIN) return LV_E_LICENSE_CORRUPT;
  return lv__sign_verify(rec + n - LV__SIG, rec, n - LV__SIG, issuer_pk);
}

lv_status lv__license_file_key(uint8_t key[LV__KEY], const uint8_t box_sk[LV__BOX_SK],
                               const uint8_t peer_pk[LV__BOX_PK],
                               const uint8_t eph_pk[LV__BOX_PK],
                               const uint8_t machine_pk[LV__BOX_PK]) {
  return lv__kx(key, box_sk, peer_pk, eph_pk, machine_pk, "licvault license file v1");
}

/* The wrap key is per license (derived with the LID), and the AEAD binds the
 * LID and KID, so a wrapped key cannot be moved to another license. */
static void wrap_key_ad(uint8_t k[LV__KEY], uint8_t ad[LV_LID_LEN + LV_KID_LEN],
                        const lv__license *l, const uint8_t file_key[LV__KEY]) {
  lv__kdf(k, file_key, "licvault license key v1", l->lid, LV_LID_LEN);
  memcpy(ad, l->lid, LV_LID_LEN);
  memcpy(ad + LV_LID_LEN, l->kid, LV_KID_LEN);
}

lv_status lv__license_wrap(lv__license *l, const uint8_t ckey[LV__CKEY],
                           const uint8_t file_key[LV__KEY]) {
  uint8_t k[LV__KEY], ad[LV_LID_LEN + LV_KID_LEN];
  wrap_key_ad(k, ad, l, file_key);
  lv_status rc = lv__aead_seal(l->wrapped, ckey, LV__CKEY, ad, sizeof ad, k);
  lv__memzero(k, sizeof k);
  return rc;
}

lv_status lv__license_unwrap(uint8_t ckey[LV__CKEY], const lv__license *l,
                             const uint8_t file_key[LV__KEY]) {
  uint8_t k[LV__KEY], ad[LV_LID_LEN + LV_KID_LEN];
  wrap_key_ad(k, ad, l, file_key);
  lv_status rc = lv__aead_open(ckey, l->wrapped, LV__WRAPPED, ad, sizeof ad, k);
  lv__memzero(k, sizeof k);
  return rc;
}

void lv__license_info(lv_license_info *out, const lv__license *l) {
  memset(out, 0, sizeof *out);
  lv__hex_encode(out->lid, l->lid, LV_LID_LEN);
  lv__b64_encode(out->kid, l->kid, LV_KID_LEN);
  lv__hex_encode(out->issuer, l->issuer_id, LV__KEYID);
  out->issued_at = l->issued_at;
  out->rights = l->rights;
  memcpy(out->title, l->title, l->title_len);
  out->title[l->title_len] = '\0';
}

lv_status lv_kid_check(const char *kid) {
  uint8_t k[LV_KID_LEN];
  if (!kid) return LV_E_INVALID_ARG;
  return lv__b64_decode(k, sizeof k, kid, strlen(kid));
}
