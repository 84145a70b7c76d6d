/* holder_index.h (internal) - which computers hold which licenses, in
 * memory, for the SQLite backend: the durable record is an append-only log
 * of grants (db_sqlite.c), and this index answers the policy's questions
 * without a random-keyed B-tree write per grant.
 *
 * A license is known by its key (lv__license_key, 32 bytes); each holder is
 * a machine id and the time of its latest grant.
 * Ownership: the index owns all its memory; lv__hidx_free releases it.
 * Thread safety: none; the backend's writer thread is its only user. */
#ifndef LV_SERVICE_HOLDER_INDEX_H
#define LV_SERVICE_HOLDER_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "licvault/status.h"

typedef struct lv__hidx lv__hidx;

lv_status lv__hidx_new(lv__hidx **out);
void lv__hidx_free(lv__hidx *h);
/* Forgets everything (to be loaded again from the log). */
void lv__hidx_clear(lv__hidx *h);

/* Of key's holders, how many other than `issued` were granted at or after
 * since (*held), and whether `me` is one of them, whenever granted (*mine). */
void lv__hidx_count(const lv__hidx *h, const uint8_t key[32], const uint8_t issued[16],
                    int64_t since, const uint8_t me[16], int64_t *held, bool *mine);

/* Records that `me` holds key since at: a new holder, or a holder's grant
 * re-dated. LV_E_NOMEM leaves the index as it was. */
lv_status lv__hidx_grant(lv__hidx *h, const uint8_t key[32], const uint8_t me[16], int64_t at);

/* Licenses with at least one holder, and holders in all. */
size_t lv__hidx_licenses(const lv__hidx *h);
size_t lv__hidx_holders(const lv__hidx *h);

#endif
