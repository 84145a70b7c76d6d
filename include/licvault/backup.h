/* licvault/backup.h - backup sets on disk (docs/format.md): checking one
 * without the service or the source computer. Writing and restoring go
 * through the backup restorer object (licvault/restorer.h).
 * Thread safety: pure functions of the folder; any thread. */
#ifndef LICVAULT_BACKUP_H
#define LICVAULT_BACKUP_H

#include <stdint.h>

#include "licvault/common.h"
#include "licvault/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lv_backup_info {
  uint32_t version;
  uint32_t generation;
  int64_t created;
  char machine_id[33];      /* the source computer */
  char service_url[1024];   /* the service the set is locked to */
  char service_key[17];     /* its key id */
  uint64_t licenses;
  unsigned issuers;
  unsigned parts;
  uint64_t bytes; /* of all parts */
} lv_backup_info;

/* Called once per problem: file is the set file concerned (or NULL). */
typedef void (*lv_verify_cb)(const char *file, const char *problem, lv_status why, void *ctx);

/* Checks the set in dir: the manifest's structure and signature, that every
 * part is there with its exact size and hash, and that no file claims to be
 * part of the set without being listed. Returns LV_OK when the set is sound,
 * LV_E_BACKUP_CORRUPT when a problem was found (each reported), LV_E_NO_FILE
 * when dir holds no backup. info (may be NULL) is filled when the manifest
 * could be read. */
LV_EXTERN lv_status lv_backup_verify(const char *dir, lv_backup_info *info, lv_verify_cb report,
                                     void *ctx);

/* Reads what the set in dir says of itself, from its manifest alone
 * (structure and signature checked; the parts are not read, so this is
 * quick whatever the set's size, and no proof that its bytes are sound:
 * that is lv_backup_verify). LV_E_NO_FILE when dir holds no backup,
 * LV_E_BACKUP_CORRUPT for a damaged or unsigned manifest,
 * LV_E_LICENSE_VERSION for a set of another version; LV_E_IO, LV_E_ACCESS
 * or LV_E_NOMEM when the manifest cannot be read. */
LV_EXTERN lv_status lv_backup_info_read(const char *dir, lv_backup_info *info);

#ifdef __cplusplus
}
#endif
#endif
