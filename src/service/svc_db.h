/* svc_db.h (internal) - the service's storage behind one small interface,
 * so that SQLite (one process) and PostgreSQL (many processes) can sit
 * behind the same handlers. Every decision is one transaction that also
 * stores its answer: a grant is durable before it is answered, and a retried
 * request gets the stored answer and charges nothing.
 * Thread safety: every operation may be called from any thread. */
#ifndef LV_SERVICE_SVC_DB_H
#define LV_SERVICE_SVC_DB_H

#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"
#include "proto/proto.h"

typedef struct lv__svc_db lv__svc_db;

typedef struct lv__decide {
  /* in */
  const uint8_t *rid;  /* request id (idempotency key) */
  const uint8_t *hash; /* the request body's hash */
  const uint8_t *me;   /* the requesting computer */
  const uint8_t *pin_pk; /* its signing key: pinned in the same transaction (or NULL) */
  int64_t now;
  unsigned max_computers;
  unsigned period_days; /* 0 = no window */
  bool dry_run;
  const lv__item *items;
  size_t n;
  /* builds the answer body from the outcomes (called inside the
   * transaction; pure computation) */
  lv_status (*answer)(void *ctx, const lv__result *res, size_t n, bool limit_hit, lv__buf *body);
  void *ctx;
  /* out */
  lv__result *res; /* n entries */
  bool replayed;   /* the stored answer of an earlier identical request */
  lv__buf *body;   /* the answer body (new or stored) */
} lv__decide;

typedef struct lv__svc_stats {
  uint64_t machines, licenses, grants, revoked, answers;
} lv__svc_stats;

typedef struct lv__svc_db_ops {
  void (*close)(lv__svc_db *db);
  /* Binds a machine id to its signing key on first sight; LV_E_ACCESS when
   * the id is known with another key (a forged request). */
  lv_status (*pin_machine)(lv__svc_db *db, const uint8_t id[LV__MACHINE_ID],
                           const uint8_t pk[LV__SIGN_PK], int64_t now);
  /* The policy, durably: see lv__decide. LV_E_EXISTS when the request id
   * was used before for another body. */
  lv_status (*decide)(lv__svc_db *db, lv__decide *d);
  /* Revocation: kind "kid" (16 bytes), "lid" (16) or "machine" (16). */
  lv_status (*revoke)(lv__svc_db *db, const char *kind, const uint8_t *v, size_t n, int64_t now);
  lv_status (*stats)(lv__svc_db *db, lv__svc_stats *out);
  /* The limit page's note: which titles hit the limit, by token. */
  lv_status (*note_put)(lv__svc_db *db, const char *token, const char *json, int64_t now);
  lv_status (*note_get)(lv__svc_db *db, const char *token, lv__buf *json);
} lv__svc_db_ops;

struct lv__svc_db {
  const lv__svc_db_ops *ops;
};

/* The policy, shared by the backends (policy.c). A license is counted
 * under its key: BLAKE2b of its whole claimed identity, so a request that
 * lies about one is counted apart. held: computers other than the one it
 * was issued to that hold it inside the window (from lv__policy_since);
 * mine: the asking computer holds it. Fills r; true when a grant is to be
 * recorded. */
void lv__license_key(uint8_t out[LV__HASH], const lv__item *it);
int64_t lv__policy_since(const lv__decide *d);
bool lv__policy_decide(const lv__decide *d, const lv__item *it, int64_t held, bool mine,
                       lv__result *r);

/* Opens the backend a URL names: a path (SQLite, created when missing). */
lv_status lv__svc_db_open(lv__svc_db **out, const char *url);
lv_status lv__svc_db_open_sqlite(lv__svc_db **out, const char *path);

#endif
