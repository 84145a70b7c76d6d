/* license.h (internal) - one license record: decode, encode, verify, and
 * the content key's unwrap. Record and file layouts: docs/license-format.md.
 * Knows nothing of stores, threads or HTTP. */
#ifndef LV_LICENSE_LICENSE_H
#define LV_LICENSE_LICENSE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"
#include "crypto/crypto.h"
#include "crypto/keyfile.h"
#include "licvault/license.h"

#define LV__LIC_MAGIC "LVLC"
#define LV__LIC_VERSION 1
#define LV__CKEY 32
#define LV__WRAPPED (LV__CKEY + LV__AEAD_OVERHEAD)
#define LV__LIC_FIXED 216 /* bytes before the title */
#define LV__LIC_MIN (LV__LIC_FIXED + LV__SIG)
#define LV__LIC_MAX (LV__LIC_MIN + LV_TITLE_MAX)

typedef struct lv__license {
  uint8_t lid[LV_LID_LEN];
  uint8_t kid[LV_KID_LEN];
  uint8_t issuer_id[LV__KEYID];
  uint8_t machine_id[LV__MACHINE_ID];
  int64_t issued_at;
  lv_rights rights;
  uint8_t eph_pk[LV__BOX_PK];
  uint8_t wrapped[LV__WRAPPED];
  uint16_t title_len;
  char title[LV_TITLE_MAX + 1]; /* NUL-terminated copy */
  uint8_t sig[LV__SIG];
} lv__license;

/* Decodes exactly one record of n bytes. LV_E_LICENSE_VERSION for another
 * version, LV_E_LICENSE_CORRUPT for anything else not canonical. Does not
 * verify the signature. */
lv_status lv__license_decode(lv__license *out, const uint8_t *p, size_t n);
/* Appends the signed body (everything but the signature). */
lv_status lv__license_encode_body(lv__buf *b, const lv__license *l);
/* Verifies the record's signature over its body bytes. */
lv_status lv__license_verify(const uint8_t *rec, size_t n, const uint8_t issuer_pk[LV__SIGN_PK]);

/* The key both sides derive for a license file: kx over (eph, machine). */
lv_status lv__license_file_key(uint8_t key[LV__KEY], const uint8_t box_sk[LV__BOX_SK],
                               const uint8_t peer_pk[LV__BOX_PK],
                               const uint8_t eph_pk[LV__BOX_PK],
                               const uint8_t machine_pk[LV__BOX_PK]);
/* Wraps / unwraps the content key of license l under the file key. */
lv_status lv__license_wrap(lv__license *l, const uint8_t ckey[LV__CKEY],
                           const uint8_t file_key[LV__KEY]);
lv_status lv__license_unwrap(uint8_t ckey[LV__CKEY], const lv__license *l,
                             const uint8_t file_key[LV__KEY]);

/* Fills the public view (no state). */
void lv__license_info(lv_license_info *out, const lv__license *l);

/* Evaluates the play right at time now. clock_high is the latest time the
 * store has seen (rollback detection). On LV_OK, *plays and *first_use are
 * advanced. *delete_it is set when the rights say to delete the license. */
lv_status lv__rights_use(const lv_rights *r, uint32_t *plays, int64_t *first_use,
                         int64_t now, int64_t clock_high, bool *delete_it);
/* Canonical-form check of rights decoded from outside. */
bool lv__rights_valid(const lv_rights *r);

/* ---- license files ---------------------------------------------------- */
#define LV__LICFILE_MAGIC "LVLF"
#define LV__LICFILE_VERSION 1
#define LV__LICFILE_HEADER 8
#define LV__LICFILE_TRAILER (4 + 8 + LV__HASH)

/* Streaming reader: header, records, trailer (count + hash of records). */
typedef struct lv__licfile_reader lv__licfile_reader;
lv_status lv__licfile_open(lv__licfile_reader **out, const char *path);
/* Next record: *rec points into the reader's buffer until the next call.
 * Returns LV_OK with *rec NULL at a verified end of file. */
lv_status lv__licfile_next(lv__licfile_reader *r, const uint8_t **rec, size_t *n);
uint64_t lv__licfile_index(const lv__licfile_reader *r); /* records read */
/* True once the end marker was read: a later error concerns the whole file
 * (count or hash), not one license. */
bool lv__licfile_in_trailer(const lv__licfile_reader *r);
void lv__licfile_close(lv__licfile_reader *r);

/* Parses a whole license file in memory (the fuzz entry point). */
lv_status lv__licfile_parse_mem(const uint8_t *p, size_t n, uint64_t *count);

#endif
