/* stage.h - one background worker that processes items in order, with a
 * bounded queue: the caller prepares the next item while the last is
 * processed (a backup encrypts while the previous message is hashed and
 * written). fn runs on the worker only; the caller hands each item over and
 * must not touch it until lv__stage_drain returns or the item is known done:
 * with depth d, when the push of item N returns, item N - d and every one
 * before it are done (so a ring of d + 1 buffers can be reused in turn, the
 * next one taken only after the current one is pushed). */
#ifndef LV_CORE_STAGE_H
#define LV_CORE_STAGE_H

#include "licvault/status.h"

typedef struct lv__stage lv__stage;

/* Starts the worker. Without a thread (none could be started) items are
 * processed inline by lv__stage_push, so this only fails for memory. */
lv_status lv__stage_start(lv__stage **out, void (*fn)(void *ctx, void *item), void *ctx,
                          unsigned depth);
/* Queues an item; waits while depth items are queued or in process. */
void lv__stage_push(lv__stage *s, void *item);
/* Waits until every pushed item has been processed. */
void lv__stage_drain(lv__stage *s);
/* Drains, stops the worker and frees s; accepts NULL. */
void lv__stage_stop(lv__stage *s);

#endif
