/* licvault/store.h - this computer's identity and its license store.
 *
 * A store is a folder (mode 0700) holding one SQLite database (0600). Its
 * private keys and the key that encrypts content keys are sealed under a
 * binding key derived from this computer's binding secret (the file named by
 * LICVAULT_MACHINE) and the operating system's machine id, so a store copied
 * to another computer does not open there (LV_E_INVALID_MACHINE).
 *
 * Ownership: lv_store_create/lv_store_open give the caller an lv_store to
 * release with lv_store_free. Borrowed strings in callbacks live until the
 * callback returns.
 * Thread safety: one lv_store per thread; any number of processes may use
 * one store folder at once (SQLite locking; writers wait up to 10 s, then
 * LV_E_BUSY). */
#ifndef LICVAULT_STORE_H
#define LICVAULT_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "licvault/common.h"
#include "licvault/license.h"
#include "licvault/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lv_store lv_store;

/* Default locations, from the environment: the store folder
 * ($LICVAULT_STORE, else $XDG_DATA_HOME/licvault, else
 * ~/.local/share/licvault) and the binding secret ($LICVAULT_MACHINE, else
 * $XDG_CONFIG_HOME/licvault/machine.key, else ~/.config/licvault/machine.key).
 * Each returns a new string (free()) or NULL when no home is known. */
LV_EXTERN char *lv_default_store_dir(void);
LV_EXTERN char *lv_default_machine_file(void);

typedef struct lv_init_opts {
  const char *service_url;      /* may be NULL: pinned later */
  const char *service_key_file; /* the service's .pub; with service_url */
  const char *const *trust_files; /* issuers' .pub files */
  size_t ntrust;
} lv_init_opts;

/* Individualizes this computer: creates the store in dir with a fresh
 * identity, creating the binding secret file when it does not exist.
 * LV_E_ALREADY_INDIV when dir already holds a store. machine_file and dir
 * may be NULL for the defaults. */
LV_EXTERN lv_status lv_store_create(lv_store **out, const char *dir,
                                    const char *machine_file, const lv_init_opts *opts);

/* Opens an existing store: LV_E_NEEDS_INDIV when there is none,
 * LV_E_INVALID_MACHINE when it belongs to another computer. */
LV_EXTERN lv_status lv_store_open(lv_store **out, const char *dir, const char *machine_file);
LV_EXTERN void lv_store_free(lv_store *s);

typedef struct lv_store_info {
  char machine_id[33];
  char service_url[1024]; /* "" when none is pinned */
  char service_key[LV_KEYID_STRLEN];
  uint64_t licenses;
  unsigned issuers;
} lv_store_info;
LV_EXTERN lv_status lv_store_get_info(lv_store *s, lv_store_info *out);

/* The computer's public identity as key-file text (docs/keys.md), written
 * atomically to path. */
LV_EXTERN lv_status lv_store_export_identity(lv_store *s, const char *path);
/* The same text in a new string (free()). */
LV_EXTERN lv_status lv_store_identity_text(lv_store *s, char **out);

/* Trusts an issuer's public key file; writes its id to id_out. Trusting an
 * already trusted issuer is not an error. */
LV_EXTERN lv_status lv_store_trust_add(lv_store *s, const char *pubfile,
                                       char id_out[LV_KEYID_STRLEN]);
/* Pins (or changes) the License Management Service's URL and public key. */
LV_EXTERN lv_status lv_store_service_set(lv_store *s, const char *url, const char *pubfile);

/* Progress: called every few thousand items; return non-zero to cancel. */
typedef int (*lv_progress_cb)(uint64_t done, void *ctx);

typedef struct lv_import_result {
  uint64_t imported; /* new licenses stored */
  uint64_t present;  /* already in the store (same LID), left as they were */
  uint64_t failed_at; /* on failure: 1-based index of the bad license, 0 = file */
  char failed_kid[LV_KID_STRLEN]; /* its KID when known, else "" */
} lv_import_result;

/* Verifies and stores every license of a license file, all or nothing:
 * LV_E_LICENSE_CORRUPT (also truncated), LV_E_LICENSE_VERSION,
 * LV_E_BAD_SIGNATURE, LV_E_UNTRUSTED_ISSUER, LV_E_WRONG_MACHINE; on any
 * error the store is unchanged. res may be NULL. */
LV_EXTERN lv_status lv_store_import(lv_store *s, const char *path, lv_import_result *res,
                                    lv_progress_cb progress, void *ctx);

/* Calls cb once per license (import order); cb returns non-zero to stop.
 * kid NULL lists all, else only licenses with that KID (LV_E_NOT_FOUND when
 * there is none). Memory stays flat whatever the count. */
typedef int (*lv_license_cb)(const lv_license_info *info, void *ctx);
LV_EXTERN lv_status lv_store_list(lv_store *s, const char *kid, lv_license_cb cb, void *ctx);

/* Deletes every license with that KID; LV_E_NOT_FOUND when there is none. */
LV_EXTERN lv_status lv_store_delete(lv_store *s, const char *kid, unsigned *deleted);

typedef struct lv_use_result {
  char lid[LV_LID_STRLEN];
  uint32_t plays_used;
  uint32_t plays_left; /* UINT32_MAX = unlimited */
  int deleted;         /* the license deleted itself (rollback rule) */
} lv_use_result;

/* Plays content under a license with that KID: enforces the rights at the
 * current time, opens the content key (never returned), and records the new
 * state in one transaction. When several licenses share the KID, the first
 * one that allows the play is used. */
LV_EXTERN lv_status lv_store_use(lv_store *s, const char *kid, lv_use_result *res);

/* Verifies the store's integrity: SQLite's own check, then each license
 * (decodes, signature, trusted issuer, this computer, key opens, columns
 * agree). report is called once per problem found; *problems gets the count.
 * Returns LV_OK when the check ran (look at *problems). */
typedef void (*lv_report_cb)(const char *what, const char *kid, lv_status why, void *ctx);
LV_EXTERN lv_status lv_store_check(lv_store *s, lv_report_cb report, void *ctx,
                                   uint64_t *problems);

#ifdef __cplusplus
}
#endif
#endif
