/* client.h (internal) - the License Management Service client: signed
 * requests over HTTP (libcurl, one kept-alive connection), answers checked
 * against the service key pinned in the set or the store. A transient
 * failure is retried with the very same request, which the service answers
 * idempotently. Ownership: lv__client_free releases the handle. */
#ifndef LV_CLIENT_CLIENT_H
#define LV_CLIENT_CLIENT_H

#include <stdatomic.h>

#include "core/buf.h"
#include "proto/proto.h"

typedef struct lv__client lv__client;

lv_status lv__client_new(lv__client **out, const char *base_url,
                         const uint8_t service_sign_pk[LV__SIGN_PK], const uint8_t sign_sk[LV__SIGN_SK],
                         const atomic_int *cancel);
void lv__client_free(lv__client *c);

/* Posts body to path; on a 200 answer, *answer holds the verified body.
 * Errors: LV_E_SERVICE_UNAVAILABLE (unreachable, 5xx, timeouts after
 * retries), LV_E_BAD_NET_RESP (an answer not signed by the pinned key, or
 * garbage), LV_E_CANCELED, or the service's own code from its error body
 * (*err_msg gets its message when not NULL). */
lv_status lv__client_post(lv__client *c, const char *path, const lv__buf *body, lv__buf *answer,
                          char err_msg[256]);

#endif
