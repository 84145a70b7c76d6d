/* licvault/restorer.h - the backup restorer object (the native side of the
 * SDK's WMCreateBackupRestorer): string properties, one asynchronous
 * operation at a time on a worker thread, events to a callback, cancel.
 *
 * Thread contract (docs/threading.md):
 * - Every function may be called from any thread; the object serializes
 *   them. A failed call returns its error and sends no event.
 * - An accepted operation runs on a thread of its own; every event of it is
 *   delivered on that thread, never the caller's, in this order: BEGIN;
 *   then per-license events (RESTRICTED, PROGRESS, ...); always exactly one
 *   END, last, carrying the final code. When END is delivered the object
 *   already accepts the next operation (also from inside the callback).
 * - lv_restorer_cancel may race with completion: if the operation had not
 *   passed its commit point it ends with LV_E_CANCELED and changes nothing;
 *   otherwise it ends with its own result. Cancelling when nothing runs is a
 *   no-op (LV_OK).
 * - lv_restorer_free while an operation runs cancels it and waits for its
 *   END to have been delivered, and joins every thread the object started:
 *   none is left when it returns. Called from inside the callback it does
 *   not wait: the object is freed once the operation's thread is done.
 * Ownership: lv_restorer_create gives the caller an object to release with
 * lv_restorer_free. Strings in an event live until the callback returns. */
#ifndef LICVAULT_RESTORER_H
#define LICVAULT_RESTORER_H

#include <stddef.h>
#include <stdint.h>

#include "licvault/common.h"
#include "licvault/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lv_restorer lv_restorer;

/* Property names. BackupPath / RestorePath are the SDK's; the others are
 * licvault's extensions (docs/threading.md lists all, with defaults). */
#define LV_PROP_BACKUP_PATH "BackupPath"   /* folder the set is written to */
#define LV_PROP_RESTORE_PATH "RestorePath" /* folder a set is read from */
#define LV_PROP_STORE_PATH "StorePath"     /* default: lv_default_store_dir() */
#define LV_PROP_MACHINE_PATH "MachinePath" /* default: lv_default_machine_file() */
#define LV_PROP_PART_SIZE "MaxPartBytes"   /* bytes per set file, 65536..2^30 (default 2^30) */
#define LV_PROP_PROGRESS "Progress"        /* "1": progress events to the SDK API too */
#define LV_PROP_SERVICE_URL "ServiceUrl"   /* restore: overrides the URL the set names */

/* Operation flags: the SDK's values. */
#define LV_BACKUP_OVERWRITE 0x1u
#define LV_RESTORE_INDIVIDUALIZE 0x2u
#define LV_RESTORE_DRY_RUN 0x100u /* licvault: ask the service, change nothing */

/* Event types carry the SDK's WMT_STATUS values where one exists. */
typedef enum lv_event_type {
  LV_EV_BEGIN = 21,         /* WMT_BACKUPRESTORE_BEGIN */
  LV_EV_END = 27,           /* WMT_BACKUPRESTORE_END: status = final code */
  LV_EV_CONNECTING = 28,    /* WMT_BACKUPRESTORE_CONNECTING */
  LV_EV_DISCONNECTING = 29, /* WMT_BACKUPRESTORE_DISCONNECTING */
  LV_EV_ERROR_WITHURL = 30, /* WMT_ERROR_WITHURL: url */
  LV_EV_RESTRICTED = 31,    /* WMT_RESTRICTED_LICENSE: kid, title */
  LV_EV_PROGRESS = 1000,    /* licvault: done of total */
  LV_EV_LICENSE = 1001      /* licvault, restore: one license's outcome */
} lv_event_type;

typedef enum lv_op { LV_OP_NONE = 0, LV_OP_BACKUP = 1, LV_OP_RESTORE = 2 } lv_op;

typedef struct lv_event {
  lv_event_type type;
  lv_op op;
  lv_status status; /* END: the final code; others: LV_OK or the event's own */
  const char *kid;  /* RESTRICTED: the license's KID (base64 text) */
  const char *title; /* RESTRICTED: its title, or NULL */
  const char *url;  /* ERROR_WITHURL */
  uint64_t done, total; /* PROGRESS (licenses); END: licenses written/restored */
  uint64_t restricted;  /* END: licenses skipped or refused */
  int outcome;      /* LICENSE: LV_OUTCOME_* */
  uint32_t left;    /* LICENSE: computers it may still go to */
} lv_event;

/* What the service decided for one license (LV_EV_LICENSE). */
#define LV_OUTCOME_RESTORE 1 /* restored (or, dry run: would be) */
#define LV_OUTCOME_ALREADY 2 /* this computer already had it: nothing charged */
#define LV_OUTCOME_LIMIT 3   /* refused: on as many computers as allowed */
#define LV_OUTCOME_REVOKED 4 /* refused: revoked */
#define LV_OUTCOME_PRESENT 5 /* already in this store: not asked for */

typedef void (*lv_event_cb)(const lv_event *ev, void *ctx);

LV_EXTERN lv_status lv_restorer_create(lv_restorer **out);
LV_EXTERN void lv_restorer_free(lv_restorer *r);

/* Properties: names and values are NUL-terminated UTF-8. Setting a name
 * again replaces its value. Names are matched exactly (case-sensitive). */
LV_EXTERN lv_status lv_restorer_set_prop(lv_restorer *r, const char *name, const char *value);
/* Copies the value (NUL included) into buf when it fits; *len gets the size
 * needed. LV_E_NOT_FOUND when the property is not set; LV_E_TOO_LARGE when
 * buf is too small (or NULL). */
LV_EXTERN lv_status lv_restorer_get_prop(lv_restorer *r, const char *name, char *buf,
                                         size_t *len);
LV_EXTERN lv_status lv_restorer_remove_prop(lv_restorer *r, const char *name);
LV_EXTERN lv_status lv_restorer_remove_all_props(lv_restorer *r);
LV_EXTERN size_t lv_restorer_prop_count(lv_restorer *r);
/* The idx-th property's name (in the order set): same buffer rules. */
LV_EXTERN lv_status lv_restorer_prop_name(lv_restorer *r, size_t idx, char *buf, size_t *len);

/* Backs up every license whose rights allow it to BackupPath.
 * Synchronous errors (no event follows): LV_E_INVALID_ARG (no callback or
 * unknown flags), LV_E_INVALID_PROPERTY (BackupPath not set or a bad
 * extension value), LV_E_OP_BUSY, LV_E_BACKUP_EXISTS (a backup is there and
 * LV_BACKUP_OVERWRITE is not set: it is left untouched), LV_E_NEEDS_INDIV,
 * LV_E_INVALID_MACHINE, LV_E_NO_SERVICE (no service is pinned to lock the
 * set to). A backup already running into the same folder (another object
 * or process) makes this one end with LV_E_OP_BUSY. Final codes in END: LV_OK (also when licenses were restricted:
 * see END.restricted), LV_E_CANCELED, or the error (the previous backup is
 * then intact). */
LV_EXTERN lv_status lv_restorer_backup(lv_restorer *r, uint32_t flags, lv_event_cb cb,
                                       void *ctx);

/* Restores the set in RestorePath through the License Management Service
 * it is locked to, onto this computer. Synchronous errors (no event):
 * LV_E_INVALID_ARG, LV_E_INVALID_PROPERTY (RestorePath unset),
 * LV_E_NO_FILE (no set there), LV_E_BACKUP_CORRUPT (its manifest is
 * damaged), LV_E_OP_BUSY, LV_E_NEEDS_INDIV (no identity and no
 * LV_RESTORE_INDIVIDUALIZE), LV_E_INVALID_MACHINE.
 * Events: BEGIN, CONNECTING, LICENSE and PROGRESS per batch, RESTRICTED per
 * refused license, DISCONNECTING, ERROR_WITHURL (the limit page) when a
 * license hit the limit, END. Final code: LV_OK when every license is now
 * on this computer; LV_S_PARTIAL when some were refused (the rest are
 * restored); LV_E_RESTORE_FRAUD when all were refused; else the error
 * (LV_E_SERVICE_UNAVAILABLE, LV_E_BACKUP_CORRUPT, LV_E_CANCELED, ...) and
 * the store is as before. Licenses are imported in one transaction at the
 * end, all or none, with their plays used and first use. */
LV_EXTERN lv_status lv_restorer_restore(lv_restorer *r, uint32_t flags, lv_event_cb cb, void *ctx);

/* Cancels the running operation (see the thread contract above). */
LV_EXTERN lv_status lv_restorer_cancel(lv_restorer *r);

/* Cancels the running operation only if it is of kind op (what the SDK's
 * CancelLicenseBackup / CancelLicenseRestore mean), in one step. */
LV_EXTERN lv_status lv_restorer_cancel_op(lv_restorer *r, lv_op op);

/* The operation running now (LV_OP_NONE when idle). */
LV_EXTERN lv_op lv_restorer_running(lv_restorer *r);

#ifdef __cplusplus
}
#endif
#endif
