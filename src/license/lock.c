/* lock.c - the key derivations that lock a backup set's licenses to the
 * License Management Service (docs/format.md, "Keys"). */
#include "license/lock.h"

#include <string.h>

_Static_assert(sizeof(lv__lic_ref) == 56, "lv__lic_ref is hashed as bytes");

void lv__lic_ref_of(lv__lic_ref *ref, const lv__license *l) {
  memcpy(ref->lid, l->lid, LV_LID_LEN);
  memcpy(ref->kid, l->kid, LV_KID_LEN);
  memcpy(ref->machine_id, l->machine_id, LV__MACHINE_ID);
  memcpy(ref->issuer_id, l->issuer_id, LV__KEYID);
}

void lv__set_stream_key(uint8_t key[LV__KEY], const uint8_t secret[LV__SECRET]) {
  lv__kdf(key, secret, "licvault backup stream v1", NULL, 0);
}

#define PAD_LABEL "licvault backup license v1"

void lv__set_license_pad(uint8_t pad[32], const uint8_t secret[LV__SECRET], const lv__lic_ref *ref) {
  lv__kdf(pad, secret, PAD_LABEL, ref, sizeof *ref);
}

lv_status lv__set_pads_new(lv__kdf_many **out, const uint8_t secret[LV__SECRET]) {
  return lv__kdf_many_new(out, secret, PAD_LABEL);
}

void lv__set_pad(const lv__kdf_many *pads, uint8_t pad[32], const lv__lic_ref *ref) {
  lv__kdf_many_derive(pads, pad, ref, sizeof *ref);
}
