/* issuer.c - the issuer's side: key generation and license files for one
 * computer. One ephemeral X25519 key per file, so the computer does one key
 * agreement per file however many licenses it carries. */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/encoding.h"
#include "core/file.h"
#include "core/timeutil.h"
#include "license/license.h"

struct lv_issuer {
  lv__keyfile key; /* in guarded memory: see lv_issuer_open */
};

struct lv_licfile_writer {
  lv_issuer *iss;
  lv__afile *out;
  uint8_t machine_id[LV__MACHINE_ID];
  uint8_t eph_pk[LV__BOX_PK];
  uint8_t file_key[LV__KEY];
  uint64_t count;
  lv__hash_state hash;
  lv__buf rec;
};

lv_status lv_issuer_keygen(const char *dir, char id_out[LV_KEYID_STRLEN]) {
  lv__keyfile k;
  if (!dir || !*dir) return LV_E_INVALID_ARG;
  lv_status rc = lv__keyfile_generate(&k, LV__KEY_ISSUER);
  if (rc == LV_OK) rc = lv__keyfile_save_pair(&k, dir, "issuer");
  if (rc == LV_OK && id_out) lv__hex_encode(id_out, k.id, LV__KEYID);
  lv__keyfile_wipe(&k);
  return rc;
}

lv_status lv_issuer_open(lv_issuer **out, const char *keyfile) {
  lv_status rc;
  if (!out || !keyfile) return LV_E_INVALID_ARG;
  if ((rc = lv__crypto_init()) < 0) return rc;
  lv_issuer *iss = lv__secure_alloc(sizeof *iss);
  if (!iss) return LV_E_NOMEM;
  rc = lv__keyfile_load(&iss->key, keyfile);
  if (rc == LV_OK && (iss->key.kind != LV__KEY_ISSUER || !iss->key.has_secret))
    rc = LV_E_KEY_FILE;
  if (rc < 0) {
    lv_issuer_free(iss);
    return rc;
  }
  *out = iss;
  return LV_OK;
}

void lv_issuer_free(lv_issuer *iss) {
  if (iss) lv__secure_free(iss); /* sodium_free wipes */
}

lv_status lv_licfile_create(lv_licfile_writer **out, lv_issuer *iss,
                            const char *identity_file, const char *path) {
  lv__keyfile id;
  uint8_t eph_sk[LV__BOX_SK];
  uint8_t head[LV__LICFILE_HEADER] = {'L', 'V', 'L', 'F', LV__LICFILE_VERSION, 0, 0, 0};
  lv_status rc;
  if (!out || !iss || !identity_file || !path) return LV_E_INVALID_ARG;
  if ((rc = lv__keyfile_load(&id, identity_file)) < 0) return rc;
  if (id.kind != LV__KEY_MACHINE) return LV_E_KEY_FILE;
  lv_licfile_writer *w = lv__secure_alloc(sizeof *w);
  if (!w) return LV_E_NOMEM;
  memset(w, 0, sizeof *w);
  w->iss = iss;
  lv__buf_init(&w->rec, LV__LIC_MAX);
  memcpy(w->machine_id, id.machine_id, LV__MACHINE_ID);
  rc = lv__box_keypair(w->eph_pk, eph_sk);
  if (rc == LV_OK)
    rc = lv__license_file_key(w->file_key, eph_sk, id.box_pk, w->eph_pk, id.box_pk);
  lv__memzero(eph_sk, sizeof eph_sk); /* forgotten at once: forward secrecy */
  if (rc == LV_OK) rc = lv__afile_open(&w->out, path, 0644);
  if (rc == LV_OK) rc = lv__afile_write(w->out, head, sizeof head);
  if (rc < 0) {
    lv_licfile_abort(w);
    return rc;
  }
  lv__hash_init(&w->hash);
  lv__hash_update(&w->hash, head, sizeof head);
  *out = w;
  return LV_OK;
}

static lv_status fill(lv__license *l, lv_licfile_writer *w, const char *kid,
                      const char *title, const lv_rights *rights) {
  memset(l, 0, sizeof *l);
  lv__random(l->lid, LV_LID_LEN);
  if (kid) {
    if (lv__b64_decode(l->kid, LV_KID_LEN, kid, strlen(kid)) < 0) return LV_E_INVALID_ARG;
  } else {
    lv__random(l->kid, LV_KID_LEN);
  }
  size_t tl = title ? strlen(title) : 0;
  if (tl > LV_TITLE_MAX || !lv__utf8_valid_text((const uint8_t *)title, tl))
    return LV_E_INVALID_ARG;
  if (!lv__rights_valid(rights)) return LV_E_INVALID_ARG;
  l->title_len = (uint16_t)tl;
  if (tl) memcpy(l->title, title, tl);
  memcpy(l->issuer_id, w->iss->key.id, LV__KEYID);
  memcpy(l->machine_id, w->machine_id, LV__MACHINE_ID);
  memcpy(l->eph_pk, w->eph_pk, LV__BOX_PK);
  l->issued_at = lv__time_now();
  l->rights = *rights;
  return LV_OK;
}

lv_status lv_licfile_add(lv_licfile_writer *w, const char *kid, const char *title,
                         const lv_rights *rights, char kid_out[LV_KID_STRLEN]) {
  lv__license l;
  uint8_t ckey[LV__CKEY], len[4];
  lv_status rc;
  if (!w || !rights) return LV_E_INVALID_ARG;
  if ((rc = fill(&l, w, kid, title, rights)) < 0) return rc;
  lv__random(ckey, sizeof ckey); /* the content key this license unlocks */
  rc = lv__license_wrap(&l, ckey, w->file_key);
  lv__memzero(ckey, sizeof ckey);
  lv__buf_reset(&w->rec);
  if (rc == LV_OK) rc = lv__license_encode_body(&w->rec, &l);
  if (rc == LV_OK) rc = lv__buf_reserve(&w->rec, LV__SIG);
  if (rc < 0) return rc;
  lv__sign(w->rec.data + w->rec.len, w->rec.data, w->rec.len, w->iss->key.sign_sk);
  w->rec.len += LV__SIG;
  lv__store_u32(len, (uint32_t)w->rec.len);
  lv__hash_update(&w->hash, len, 4);
  lv__hash_update(&w->hash, w->rec.data, w->rec.len);
  if ((rc = lv__afile_write(w->out, len, 4)) < 0 ||
      (rc = lv__afile_write(w->out, w->rec.data, w->rec.len)) < 0)
    return rc;
  w->count++;
  if (kid_out) lv__b64_encode(kid_out, l.kid, LV_KID_LEN);
  return LV_OK;
}

lv_status lv_licfile_commit(lv_licfile_writer *w) {
  uint8_t t[LV__LICFILE_TRAILER];
  if (!w) return LV_E_INVALID_ARG;
  memset(t, 0, 4);
  lv__store_u64(t + 4, w->count);
  lv__hash_update(&w->hash, t, 4 + 8);
  lv__hash_final(&w->hash, t + 12);
  lv_status rc = lv__afile_write(w->out, t, sizeof t);
  if (rc == LV_OK) {
    rc = lv__afile_commit(w->out);
    w->out = NULL; /* commit freed it, on success and failure alike */
  }
  lv_licfile_abort(w);
  return rc;
}

void lv_licfile_abort(lv_licfile_writer *w) {
  if (!w) return;
  lv__afile_abort(w->out);
  lv__buf_free(&w->rec);
  lv__secure_free(w);
}
