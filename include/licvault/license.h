/* licvault/license.h - licenses: rights, the public view of a license, and
 * the issuer's tools (keys, writing license files for one computer).
 * The byte format is specified in docs/license-format.md.
 *
 * Thread safety: an lv_issuer or lv_licfile_writer is used by one thread at
 * a time; distinct objects are independent. */
#ifndef LICVAULT_LICENSE_H
#define LICVAULT_LICENSE_H

#include <stdint.h>

#include "licvault/common.h"
#include "licvault/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LV_KID_LEN 16
#define LV_LID_LEN 16
#define LV_KID_STRLEN 25    /* base64 of 16 bytes + NUL, the SDK's KID form */
#define LV_LID_STRLEN 33    /* hex of 16 bytes + NUL */
#define LV_KEYID_STRLEN 17  /* hex of 8 bytes + NUL */
#define LV_TITLE_MAX 512    /* bytes of UTF-8 */

/* Rights, after Windows Media Rights Manager's WMRMRights. */
#define LV_RIGHT_PLAY 0x01u
#define LV_RIGHT_BACKUP_RESTORE 0x02u
#define LV_RIGHT_BURN_TO_CD 0x04u
#define LV_RIGHT_TRANSFER_SDMI 0x08u
#define LV_RIGHT_TRANSFER_NONSDMI 0x10u
#define LV_RIGHT_DELETE_ON_ROLLBACK 0x20u
#define LV_RIGHT_DISABLE_ON_ROLLBACK 0x40u
#define LV_RIGHT__ALL 0x7Fu

/* The application security level licvault claims (WMRM's scale). */
#define LV_APP_SECURITY 2000u

typedef struct lv_rights {
  uint32_t flags;             /* LV_RIGHT_* */
  uint32_t playcount;         /* 0 = unlimited */
  int64_t begin_date;         /* 0 = effective at once */
  int64_t expiration_date;    /* 0 = never */
  uint32_t expire_after_first_use; /* hours; 0 = no such expiry */
  uint32_t burn_to_cd_count;  /* 0 = unlimited */
  uint32_t transfer_count;    /* 0 = unlimited */
  uint32_t min_app_security;  /* default 1000 */
} lv_rights;

/* WMRM's defaults: AllowPlay, MinimumAppSecurity 1000, everything else off
 * (AllowBackupRestore defaults to false). */
LV_EXTERN void lv_rights_init(lv_rights *r);

/* A stored license as applications see it; never holds key material. */
typedef struct lv_license_info {
  char lid[LV_LID_STRLEN];
  char kid[LV_KID_STRLEN];
  char issuer[LV_KEYID_STRLEN];
  int64_t issued_at;
  lv_rights rights;
  char title[LV_TITLE_MAX + 1]; /* "" when the license has none */
  uint32_t plays_used;
  int64_t first_use; /* 0 = never used */
} lv_license_info;

/* ---- issuers ---------------------------------------------------------- */

typedef struct lv_issuer lv_issuer;
typedef struct lv_licfile_writer lv_licfile_writer;

/* Creates an issuer key pair: dir/issuer.key (0600) and dir/issuer.pub.
 * Writes the key id (16 hex digits) to id_out when not NULL. */
LV_EXTERN lv_status lv_issuer_keygen(const char *dir, char id_out[LV_KEYID_STRLEN]);

/* Loads an issuer's secret key file. *out is owned by the caller: free it
 * with lv_issuer_free (which wipes the key). */
LV_EXTERN lv_status lv_issuer_open(lv_issuer **out, const char *keyfile);
LV_EXTERN void lv_issuer_free(lv_issuer *iss);

/* Starts a license file at path for the computer whose public identity is
 * in identity_file. One key agreement serves the whole file. The file only
 * appears at path on lv_licfile_commit. iss must outlive the writer. */
LV_EXTERN lv_status lv_licfile_create(lv_licfile_writer **out, lv_issuer *iss,
                                      const char *identity_file, const char *path);
/* Adds one license. kid: the KID in base64 form, or NULL for a random one;
 * title: UTF-8 or NULL. The KID used is written to kid_out when not NULL. */
LV_EXTERN lv_status lv_licfile_add(lv_licfile_writer *w, const char *kid, const char *title,
                                   const lv_rights *rights, char kid_out[LV_KID_STRLEN]);
/* Seals the file (trailer, fsync, rename) and frees w. */
LV_EXTERN lv_status lv_licfile_commit(lv_licfile_writer *w);
/* Discards the file and frees w; accepts NULL. */
LV_EXTERN void lv_licfile_abort(lv_licfile_writer *w);

/* Checks a KID's text form (base64 of 16 bytes). */
LV_EXTERN lv_status lv_kid_check(const char *kid);

#ifdef __cplusplus
}
#endif
#endif
