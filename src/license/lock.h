/* lock.h (internal) - how a backup set locks licenses to the License
 * Management Service: the set secret S, the stream key and each license's
 * pad derived from it. Shared by the backup writer, the restoring client and
 * the service, which is why it lives with the license record. */
#ifndef LV_LICENSE_LOCK_H
#define LV_LICENSE_LOCK_H

#include <stdint.h>

#include "license/license.h"

#define LV__SECRET 32 /* the set secret S */
#define LV__SEALED_SECRET (LV__SECRET + LV__SEAL_OVERHEAD)

/* What a pad binds: a license's LID, KID, the computer it was issued to and
 * its issuer, so that a restore request that lies about any of them gets a
 * useless pad. Hashed as these 56 bytes. */
typedef struct lv__lic_ref {
  uint8_t lid[LV_LID_LEN];
  uint8_t kid[LV_KID_LEN];
  uint8_t machine_id[LV__MACHINE_ID];
  uint8_t issuer_id[LV__KEYID];
} lv__lic_ref;

void lv__lic_ref_of(lv__lic_ref *ref, const lv__license *l);
/* stream key = BLAKE2b-256(key = S, "licvault backup stream v1" || 0) */
void lv__set_stream_key(uint8_t key[LV__KEY], const uint8_t secret[LV__SECRET]);
/* pad = BLAKE2b-256(key = S, "licvault backup license v1" || 0 || ref) */
void lv__set_license_pad(uint8_t pad[32], const uint8_t secret[LV__SECRET], const lv__lic_ref *ref);
/* The same pads, many of one set: S and the label absorbed once
 * (lv__kdf_many; worth it from about LV__PADS_MANY pads on). Free the
 * deriver with lv__kdf_many_free. */
#define LV__PADS_MANY 16
lv_status lv__set_pads_new(lv__kdf_many **out, const uint8_t secret[LV__SECRET]);
void lv__set_pad(const lv__kdf_many *pads, uint8_t pad[32], const lv__lic_ref *ref);

#endif
