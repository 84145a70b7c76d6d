/* svc.h (internal) - the License Management Service: its configuration, the
 * request handler (independent of HTTP, for tests and fuzzing), metrics and
 * the HTTP front (libmicrohttpd). The service logs; the library does not. */
#ifndef LV_SERVICE_SVC_H
#define LV_SERVICE_SVC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"
#include "crypto/keyfile.h"
#include "service/secret_cache.h"
#include "service/svc_db.h"

typedef struct lv__svc_opts {
  const char *db;        /* SQLite path (or a postgresql:// URL, later) */
  const char *key_dir;   /* holds service.key */
  const char *listen;    /* "127.0.0.1:PORT" (PORT 0 picks a free one) */
  const char *public_url; /* how clients reach us (for the limit page's URL) */
  unsigned max_computers; /* default 4 */
  unsigned period_days;   /* 0 = no rolling window */
  unsigned max_connections; /* default 256 */
  unsigned timeout_s;       /* per connection, default 30 */
  bool quiet;               /* no per-request log lines */
} lv__svc_opts;

/* Counters for /metrics (Prometheus text). */
typedef struct lv__svc_metrics {
  atomic_ulong requests, errors, grants, already, refused_limit, refused_revoked, replays,
      bad_requests, latency_us_sum, latency_count;
  atomic_ulong latency_buckets[8]; /* <= 1, 2, 5, 10, 25, 50, 100 ms, +Inf */
} lv__svc_metrics;

typedef struct lv__svc {
  lv__svc_opts o;
  lv__keyfile key; /* the service's keys (secret) */
  lv__svc_db *db;
  lv__svc_metrics m;
  char public_url[512];
  lv__scache sets;    /* sealed S -> S */
  lv__scache answers; /* a computer's box key -> the answer key */
} lv__svc;

/* What a request becomes. */
typedef struct lv__answer {
  unsigned status;
  const char *ctype;
  lv__buf body;
  char sig[89]; /* "" when unsigned (health, metrics, pages) */
} lv__answer;

lv_status lv__svc_init(lv__svc *s, const lv__svc_opts *o);
void lv__svc_fini(lv__svc *s);
/* Handles one request. a->body must be lv__buf_init'ed by the caller. */
void lv__svc_handle(lv__svc *s, const char *method, const char *path, const uint8_t *body,
                    size_t n, const char *sig, lv__answer *a);

/* A signed error answer for a request the front refused itself (too
 * large); counted like any other request. */
void lv__svc_error(lv__svc *s, lv__answer *a, lv_status rc, const char *msg);

/* HTTP front. */
typedef struct lv__http lv__http;
lv_status lv__http_start(lv__http **out, lv__svc *s, uint16_t *port);
void lv__http_stop(lv__http *h);

/* The limit page (HTML) for a note's JSON. */
lv_status lv__limit_page(lv__buf *out, const char *note_json);

#endif
