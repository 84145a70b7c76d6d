/* invariants.h - the one checker of what must hold after any operation,
 * failed, cancelled or killed (issue #7): used by the torture tests, the
 * crash campaigns (through tests/faults/invcheck.c) and the service suite.
 *
 *  - a store opens and its check is clean;
 *  - each license is wholly present or wholly absent, and the store as a
 *    whole is either as before the operation or as after it succeeded;
 *  - plays used never go down and never jump;
 *  - a backup folder holds a complete set that verifies, the old or the
 *    new, or none;
 *  - the service's records agree with every answer it gave, and no license
 *    is on more computers than allowed.
 * Each check returns true when it holds; otherwise false with the reason in
 * why (a caller-owned buffer). Snapshots own their memory (inv_snap_free). */
#ifndef LV_INVARIANTS_H
#define LV_INVARIANTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "licvault/licvault.h"

#define INV_WHY 512

typedef struct inv_lic {
  char lid[LV_LID_STRLEN], kid[LV_KID_STRLEN];
  uint32_t plays_used;
  int64_t first_use;
  uint8_t digest[32]; /* of everything else an application sees of it */
} inv_lic;

typedef struct inv_snap {
  inv_lic *v; /* sorted by LID */
  size_t n;
} inv_snap;

/* Opens the store (it must open), checks it (it must be clean) and lists
 * its licenses. */
bool inv_store_snap(inv_snap *out, const char *store, const char *machine, char why[INV_WHY]);
void inv_snap_free(inv_snap *s);
bool inv_snap_equal(const inv_snap *a, const inv_snap *b);

/* The store after an operation that may have failed or been killed: equal
 * to before or to want (the state a clean run gives), and plays moved by at
 * most max_step on any license. *which gets 0 (before) or 1 (want). */
bool inv_store_one_of(const inv_snap *after, const inv_snap *before, const inv_snap *want,
                      uint32_t max_step, int *which, char why[INV_WHY]);

/* Plays never go down nor rise by more than max_step, for every license in
 * both snapshots. */
bool inv_plays_monotonic(const inv_snap *before, const inv_snap *after, uint32_t max_step,
                         char why[INV_WHY]);

/* Which set a folder holds, as its signed manifest says: when it was
 * written (tests fix the clock) and how many licenses it carries. */
typedef struct inv_set {
  int64_t created;
  uint64_t licenses;
} inv_set;

/* Reads the set in dir; false when there is none or it does not verify. */
bool inv_set_of(const char *dir, inv_set *out);
/* dir holds a set that verifies and is old or new (either may be NULL: not
 * acceptable; both NULL: any set), or no set at all when none_ok (the part
 * files of an interrupted first backup may be there: no set; the next
 * backup removes them). */
bool inv_backup_one_of(const char *dir, const inv_set *old, const inv_set *new_set, bool none_ok,
                       char why[INV_WHY]);

/* The service's SQLite database: no license on more than max_computers
 * computers besides the one it was issued to; *grants gets the number of
 * recorded grants (may be NULL). */
bool inv_service_limits(const char *db, unsigned max_computers, uint64_t *grants,
                        char why[INV_WHY]);

#endif
