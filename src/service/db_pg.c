/* db_pg.c - the service's PostgreSQL backend (libpq). Many licvaultd
 * processes may share one database: exactness comes from the database, not
 * from this process. Every decision is one READ COMMITTED transaction that
 * first locks the rows of the licenses it counts (SELECT ... FOR UPDATE, in
 * key order), so two decisions about one license are serialized by
 * PostgreSQL whichever process makes them; the answer is stored in the same
 * transaction. Serialization failures, deadlocks and a lost race on a
 * request id are retried; a dropped connection is reset and the request
 * retried (safe: a transaction that did commit is found again by its request
 * id and replayed, charging nothing), and fails with
 * LV_E_SERVICE_UNAVAILABLE (503) when the database stays away.
 * A small bounded pool of connections (mutex + condvar); each connection
 * has the statements prepared once. The schema is created by versioned
 * migrations at open, under a transaction-scoped advisory lock, so two
 * processes starting at once do not race. */
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "service/svc_db.h"

#define POOL 4
#define TRIES 12         /* serialization failures / deadlocks per request */
#define CONN_TRIES 3     /* connection resets per request */
#define MIGRATE_LOCK 0x6c7661756c74LL /* "lvault": the migrations' advisory lock */

/* ---- the schema, by version ---- */

static const char *const migrations[] = {
    /* 1: the same records as the SQLite backend; licenses: one row per
     * license key, the row a decision locks */
    "CREATE TABLE machines(id bytea PRIMARY KEY, sign_pk bytea NOT NULL,"
    "  first_seen bigint NOT NULL);"
    "CREATE TABLE licenses(lid bytea PRIMARY KEY);"
    "CREATE TABLE holders(lid bytea NOT NULL, machine bytea NOT NULL,"
    "  granted_at bigint NOT NULL, original integer NOT NULL,"
    "  PRIMARY KEY(lid, machine));"
    "CREATE TABLE revoked(kind text NOT NULL, value bytea NOT NULL, at bigint NOT NULL,"
    "  PRIMARY KEY(kind, value));"
    "CREATE TABLE answers(id bigserial PRIMARY KEY, rid bytea NOT NULL UNIQUE,"
    "  req_hash bytea NOT NULL, body bytea NOT NULL, at bigint NOT NULL);"
    "CREATE TABLE notes(token text PRIMARY KEY, body text NOT NULL, at bigint NOT NULL);",
};
#define NMIGRATIONS (int)(sizeof migrations / sizeof *migrations)

/* ---- prepared statements ---- */

enum {
  Q_PIN_INS,
  Q_PIN_GET,
  Q_ANSWER_GET,
  Q_ANY_REVOKED,
  Q_REVOKED,
  Q_LIC_INS,
  Q_LIC_LOCK,
  Q_HOLDERS,
  Q_GRANT,
  Q_ANSWER_PUT,
  Q_REVOKE,
  Q_NOTE_PUT,
  Q_NOTE_GET,
  Q_STATS,
  NQ
};

static const char *const q_sql[NQ] = {
    [Q_PIN_INS] = "INSERT INTO machines(id, sign_pk, first_seen) VALUES($1::bytea, $2::bytea,"
                  " $3::bigint) ON CONFLICT (id) DO NOTHING",
    [Q_PIN_GET] = "SELECT sign_pk FROM machines WHERE id = $1::bytea",
    [Q_ANSWER_GET] = "SELECT req_hash, body FROM answers WHERE rid = $1::bytea",
    [Q_ANY_REVOKED] = "SELECT EXISTS(SELECT 1 FROM revoked)",
    [Q_REVOKED] = "SELECT 1 FROM revoked WHERE kind = $1::text AND value = $2::bytea",
    [Q_LIC_INS] = "INSERT INTO licenses(lid) SELECT unnest($1::bytea[]) ON CONFLICT (lid) DO NOTHING",
    [Q_LIC_LOCK] = "SELECT lid FROM licenses WHERE lid = ANY($1::bytea[]) ORDER BY lid FOR UPDATE",
    /* holders other than the computer it was issued to, inside the window,
     * and whether the asking computer is one of them */
    [Q_HOLDERS] = "SELECT count(*) FILTER (WHERE machine <> $2::bytea AND granted_at >= $3::bigint),"
                  " coalesce(bool_or(machine = $4::bytea), false) FROM holders WHERE lid = $1::bytea",
    [Q_GRANT] = "INSERT INTO holders(lid, machine, granted_at, original) VALUES($1::bytea, $2::bytea,"
                " $3::bigint, 0) ON CONFLICT (lid, machine) DO UPDATE SET"
                " granted_at = excluded.granted_at, original = 0",
    [Q_ANSWER_PUT] = "INSERT INTO answers(rid, req_hash, body, at) VALUES($1::bytea, $2::bytea,"
                     " $3::bytea, $4::bigint)",
    [Q_REVOKE] = "INSERT INTO revoked(kind, value, at) VALUES($1::text, $2::bytea, $3::bigint)"
                 " ON CONFLICT (kind, value) DO NOTHING",
    [Q_NOTE_PUT] = "INSERT INTO notes(token, body, at) VALUES($1::text, $2::text, $3::bigint)"
                   " ON CONFLICT (token) DO UPDATE SET body = excluded.body, at = excluded.at",
    [Q_NOTE_GET] = "SELECT body FROM notes WHERE token = $1::text",
    [Q_STATS] = "SELECT (SELECT count(*) FROM machines), (SELECT count(DISTINCT lid) FROM holders),"
                " (SELECT count(*) FROM holders WHERE original = 0), (SELECT count(*) FROM revoked),"
                " (SELECT count(*) FROM answers)",
};

static const char *q_name(int q) {
  static const char *const n[NQ] = {"pin_ins", "pin_get", "ans_get", "any_rev", "revoked",
                                    "lic_ins", "lic_lock", "holders", "grant", "ans_put",
                                    "revoke", "note_put", "note_get", "stats"};
  return n[q];
}

/* ---- the pool ---- */

typedef struct pgc {
  PGconn *conn;
  bool ready; /* connected, statements prepared */
  bool busy;
} pgc;

typedef struct pg {
  lv__svc_db base;
  char *url;
  pgc c[POOL];
  pthread_mutex_t mu;
  pthread_cond_t cv;
} pg;

static bool conn_ok(pgc *c) { return c->conn && PQstatus(c->conn) == CONNECTION_OK; }

/* (Re)connects and prepares the statements. */
static lv_status conn_up(pg *p, pgc *c, bool prepare) {
  if (c->ready && conn_ok(c)) return LV_OK;
  c->ready = false;
  bool fresh = !conn_ok(c);
  if (c->conn && PQstatus(c->conn) != CONNECTION_OK) PQreset(c->conn);
  if (!c->conn) c->conn = PQconnectdb(p->url);
  if (!c->conn) return LV_E_NOMEM;
  if (PQstatus(c->conn) != CONNECTION_OK) {
    PQfinish(c->conn);
    c->conn = NULL;
    return LV_E_SERVICE_UNAVAILABLE;
  }
  PGresult *r = PQexec(c->conn, fresh ? "SET synchronous_commit = on; SET client_min_messages = warning"
                                      : "DEALLOCATE ALL");
  bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  PQclear(r);
  if (!prepare) return ok ? LV_OK : conn_ok(c) ? LV_E_IO : LV_E_SERVICE_UNAVAILABLE;
  for (int q = 0; ok && q < NQ; q++) {
    r = PQprepare(c->conn, q_name(q), q_sql[q], 0, NULL);
    ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok) fprintf(stderr, "licvaultd: pg: prepare %s: %s", q_name(q), PQerrorMessage(c->conn));
    PQclear(r);
  }
  if (!ok) return conn_ok(c) ? LV_E_IO : LV_E_SERVICE_UNAVAILABLE;
  c->ready = true;
  return LV_OK;
}

static pgc *acquire(pg *p) {
  pthread_mutex_lock(&p->mu);
  for (;;) {
    for (int i = 0; i < POOL; i++)
      if (!p->c[i].busy) {
        p->c[i].busy = true;
        pthread_mutex_unlock(&p->mu);
        return &p->c[i];
      }
    pthread_cond_wait(&p->cv, &p->mu);
  }
}

static void release(pg *p, pgc *c) {
  pthread_mutex_lock(&p->mu);
  c->busy = false;
  pthread_cond_signal(&p->cv);
  pthread_mutex_unlock(&p->mu);
}

/* ---- statements ---- */

/* Internal outcomes beyond lv_status: LV_E_BUSY = retry the transaction
 * (serialization failure, deadlock, lost race on a unique key);
 * LV_E_SERVICE_UNAVAILABLE = the connection is gone. */
static lv_status err_of(pgc *c, PGresult *r) {
  if (!conn_ok(c)) return LV_E_SERVICE_UNAVAILABLE;
  const char *st = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
  if (!st) return LV_E_SERVICE_UNAVAILABLE;
  if (!strcmp(st, "40001") || !strcmp(st, "40P01") || !strcmp(st, "23505") ||
      !strcmp(st, "55P03"))
    return LV_E_BUSY;
  if (!strncmp(st, "08", 2) || !strncmp(st, "57P", 3) || !strcmp(st, "53300"))
    return LV_E_SERVICE_UNAVAILABLE; /* connection / shutdown / too many connections */
  if (!strcmp(st, "53100")) return LV_E_NOSPACE;
  fprintf(stderr, "licvaultd: pg: %s", PQresultErrorMessage(r));
  return LV_E_IO;
}

typedef struct par {
  int n;
  const char *v[4];
  int len[4];
  int fmt[4];
  uint8_t i64[4][8];
} par;

static void p_bin(par *a, const void *v, size_t n) {
  a->v[a->n] = v;
  a->len[a->n] = (int)n;
  a->fmt[a->n++] = 1;
}
static void p_str(par *a, const char *s) { p_bin(a, s, strlen(s)); }
static void p_i64(par *a, int64_t x) {
  uint64_t u = (uint64_t)x;
  for (int i = 0; i < 8; i++) a->i64[a->n][i] = (uint8_t)(u >> (56 - 8 * i));
  p_bin(a, a->i64[a->n], 8);
}
static void p_text(par *a, const char *s) { /* text format (arrays) */
  a->v[a->n] = s;
  a->len[a->n] = 0;
  a->fmt[a->n++] = 0;
}

/* Runs a prepared statement (binary results); *out receives the result on
 * success (PQclear it), else NULL. */
static lv_status run(pgc *c, int q, par *a, PGresult **out) {
  if (out) *out = NULL;
  PGresult *r = PQexecPrepared(c->conn, q_name(q), a ? a->n : 0, a ? a->v : NULL,
                               a ? a->len : NULL, a ? a->fmt : NULL, 1);
  ExecStatusType s = PQresultStatus(r);
  if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
    lv_status rc = err_of(c, r);
    PQclear(r);
    return rc;
  }
  if (out) *out = r;
  else PQclear(r);
  return LV_OK;
}

static lv_status simple(pgc *c, const char *sql) {
  PGresult *r = PQexec(c->conn, sql);
  ExecStatusType s = PQresultStatus(r);
  lv_status rc = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK ? LV_OK : err_of(c, r);
  PQclear(r);
  return rc;
}

static int64_t get_i64(PGresult *r, int row, int col) {
  const uint8_t *b = (const uint8_t *)PQgetvalue(r, row, col);
  int n = PQgetlength(r, row, col);
  uint64_t u = 0;
  for (int i = 0; i < n && i < 8; i++) u = u << 8 | b[i];
  return n == 8 ? (int64_t)u : n == 4 ? (int64_t)(int32_t)u : (int64_t)u;
}

/* ---- the work, inside a transaction ---- */

static lv_status do_pin(pgc *c, const uint8_t *id, const uint8_t *pk, int64_t now) {
  par a = {0};
  p_bin(&a, id, LV__MACHINE_ID), p_bin(&a, pk, LV__SIGN_PK), p_i64(&a, now);
  lv_status rc = run(c, Q_PIN_INS, &a, NULL);
  if (rc < 0) return rc;
  par b = {0};
  p_bin(&b, id, LV__MACHINE_ID);
  PGresult *r;
  if ((rc = run(c, Q_PIN_GET, &b, &r)) < 0) return rc;
  rc = PQntuples(r) == 1 && PQgetlength(r, 0, 0) == LV__SIGN_PK &&
               !memcmp(PQgetvalue(r, 0, 0), pk, LV__SIGN_PK)
           ? LV_OK
           : LV_E_ACCESS;
  PQclear(r);
  return rc;
}

static lv_status is_revoked(pgc *c, const char *kind, const uint8_t *v, bool *out) {
  par a = {0};
  p_str(&a, kind), p_bin(&a, v, 16);
  PGresult *r;
  lv_status rc = run(c, Q_REVOKED, &a, &r);
  if (rc < 0) return rc;
  *out = PQntuples(r) > 0;
  PQclear(r);
  return LV_OK;
}

/* The key a license is counted under: as the SQLite backend's (its whole
 * claimed identity), so both count the same way. */

/* One license, by the policy of docs/protocol.md (as db_sqlite.c). */
static lv_status decide_one(pgc *c, lv__decide *d, bool any_revoked, const lv__item *it,
                            const uint8_t key[LV__HASH], lv__result *res) {
  int64_t since = lv__policy_since(d), cnt = 0;
  bool mine = false;
  lv_status rc;
  memcpy(res->lid, it->ref.lid, LV_LID_LEN);
  if (any_revoked) {
    bool rv = false;
    if ((rc = is_revoked(c, "kid", it->ref.kid, &rv)) < 0) return rc;
    if (!rv && (rc = is_revoked(c, "lid", it->ref.lid, &rv)) < 0) return rc;
    if (!rv && (rc = is_revoked(c, "machine", it->ref.machine_id, &rv)) < 0) return rc;
    if (!rv && (rc = is_revoked(c, "machine", d->me, &rv)) < 0) return rc;
    if (rv) {
      res->outcome = LV__OUT_REVOKED;
      return LV_OK;
    }
  }
  par a = {0};
  p_bin(&a, key, LV__HASH), p_bin(&a, it->ref.machine_id, LV__MACHINE_ID), p_i64(&a, since),
      p_bin(&a, d->me, LV__MACHINE_ID);
  PGresult *r;
  if ((rc = run(c, Q_HOLDERS, &a, &r)) < 0) return rc;
  if (PQntuples(r) == 1) {
    cnt = get_i64(r, 0, 0);
    mine = PQgetlength(r, 0, 1) == 1 && PQgetvalue(r, 0, 1)[0] != 0;
  }
  PQclear(r);
  if (!lv__policy_decide(d, it, cnt, mine, res)) return LV_OK;
  par g = {0};
  p_bin(&g, key, LV__HASH), p_bin(&g, d->me, LV__MACHINE_ID), p_i64(&g, d->now);
  return run(c, Q_GRANT, &g, NULL);
}

static int key_cmp(const void *a, const void *b) { return memcmp(a, b, LV__HASH); }

/* Locks the licenses' rows (created when missing), in key order: decisions
 * about one license, from any process, run one after the other. */
static lv_status lock_licenses(pgc *c, const uint8_t (*keys)[LV__HASH], size_t n) {
  if (n == 0) return LV_OK;
  uint8_t(*k)[LV__HASH] = lv__calloc(n, LV__HASH);
  /* text array literal of bytea: {"\\x..","\\x.."} */
  char *lit = lv__calloc(1, n * (2 * LV__HASH + 8) + 4);
  if (!k || !lit) {
    free(k), free(lit);
    return LV_E_NOMEM;
  }
  memcpy(k, keys, n * LV__HASH);
  qsort(k, n, LV__HASH, key_cmp);
  static const char hx[] = "0123456789abcdef";
  char *w = lit;
  *w++ = '{';
  for (size_t i = 0; i < n; i++) {
    if (i && !memcmp(k[i], k[i - 1], LV__HASH)) continue;
    if (w[-1] != '{') *w++ = ',';
    memcpy(w, "\"\\\\x", 4), w += 4;
    for (int j = 0; j < LV__HASH; j++) *w++ = hx[k[i][j] >> 4], *w++ = hx[k[i][j] & 15];
    *w++ = '"';
  }
  *w++ = '}';
  *w = 0;
  par a = {0};
  p_text(&a, lit);
  lv_status rc = run(c, Q_LIC_INS, &a, NULL);
  if (rc == LV_OK) rc = run(c, Q_LIC_LOCK, &a, NULL);
  free(lit);
  free(k);
  return rc;
}

static lv_status stored_answer(pgc *c, lv__decide *d) {
  par a = {0};
  p_bin(&a, d->rid, LV__RID);
  PGresult *r;
  lv_status rc = run(c, Q_ANSWER_GET, &a, &r);
  if (rc < 0) return rc;
  rc = LV_E_NOT_FOUND;
  if (PQntuples(r) == 1) {
    if (PQgetlength(r, 0, 0) != LV__HASH || memcmp(PQgetvalue(r, 0, 0), d->hash, LV__HASH))
      rc = LV_E_EXISTS; /* the same id for another request */
    else
      rc = lv__buf_put(d->body, PQgetvalue(r, 0, 1), (size_t)PQgetlength(r, 0, 1));
    if (rc == LV_OK) d->replayed = true;
  }
  PQclear(r);
  return rc;
}

static lv_status do_decide(pgc *c, lv__decide *d) {
  lv_status rc;
  if (d->pin_pk && (rc = do_pin(c, d->me, d->pin_pk, d->now)) < 0) return rc;
  /* a dry run is not stored, but may not reuse another request's id */
  rc = stored_answer(c, d);
  if (rc != LV_E_NOT_FOUND) return rc;
  uint8_t(*keys)[LV__HASH] = d->n ? lv__calloc(d->n, LV__HASH) : NULL;
  if (d->n && !keys) return LV_E_NOMEM;
  for (size_t i = 0; i < d->n; i++) lv__license_key(keys[i], &d->items[i]);
  if (!d->dry_run && (rc = lock_licenses(c, (const uint8_t(*)[LV__HASH])keys, d->n)) < 0) goto out;
  PGresult *r;
  if ((rc = run(c, Q_ANY_REVOKED, NULL, &r)) < 0) goto out;
  bool any_rev = PQntuples(r) == 1 && PQgetlength(r, 0, 0) == 1 && PQgetvalue(r, 0, 0)[0];
  PQclear(r);
  bool limit = false;
  for (size_t i = 0; i < d->n; i++) {
    if ((rc = decide_one(c, d, any_rev, &d->items[i], keys[i], &d->res[i])) < 0) goto out;
    limit |= d->res[i].outcome == LV__OUT_LIMIT;
  }
  if ((rc = d->answer(d->ctx, d->res, d->n, limit, d->body)) < 0 || d->dry_run) goto out;
  par a = {0};
  p_bin(&a, d->rid, LV__RID), p_bin(&a, d->hash, LV__HASH),
      p_bin(&a, d->body->data, d->body->len), p_i64(&a, d->now);
  rc = run(c, Q_ANSWER_PUT, &a, NULL);
out:
  free(keys);
  return rc;
}

/* ---- transactions with retries ---- */

typedef struct job {
  enum { J_DECIDE, J_PIN, J_REVOKE, J_STATS, J_NOTE_PUT, J_NOTE_GET } kind;
  lv__decide *d;
  const uint8_t *id, *pk, *v;
  size_t vn;
  const char *kind_s, *token, *json;
  int64_t now;
  lv__svc_stats *stats;
  lv__buf *out;
} job;

static lv_status do_job(pgc *c, job *j) {
  par a = {0};
  PGresult *r;
  lv_status rc;
  switch (j->kind) {
  case J_DECIDE: return do_decide(c, j->d);
  case J_PIN: return do_pin(c, j->id, j->pk, j->now);
  case J_REVOKE:
    p_str(&a, j->kind_s), p_bin(&a, j->v, j->vn), p_i64(&a, j->now);
    return run(c, Q_REVOKE, &a, NULL);
  case J_STATS:
    if ((rc = run(c, Q_STATS, NULL, &r)) < 0) return rc;
    if (PQntuples(r) == 1)
      *j->stats = (lv__svc_stats){(uint64_t)get_i64(r, 0, 0), (uint64_t)get_i64(r, 0, 1),
                                  (uint64_t)get_i64(r, 0, 2), (uint64_t)get_i64(r, 0, 3),
                                  (uint64_t)get_i64(r, 0, 4)};
    else rc = LV_E_IO;
    PQclear(r);
    return rc;
  case J_NOTE_PUT:
    p_str(&a, j->token), p_str(&a, j->json), p_i64(&a, j->now);
    return run(c, Q_NOTE_PUT, &a, NULL);
  case J_NOTE_GET:
    p_str(&a, j->token);
    if ((rc = run(c, Q_NOTE_GET, &a, &r)) < 0) return rc;
    rc = PQntuples(r) == 1 ? lv__buf_put(j->out, PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0))
                           : LV_E_NOT_FOUND;
    PQclear(r);
    return rc;
  }
  return LV_E_INTERNAL;
}

static void backoff(int attempt) {
  uint32_t r;
  lv__random(&r, sizeof r); /* jitter, so racing retries spread out */
  struct timespec ts = {0, (long)(1 + r % (1u << (attempt < 6 ? attempt : 6))) * 1000000L};
  nanosleep(&ts, NULL);
}

static lv_status submit(pg *p, job *j) {
  pgc *c = acquire(p);
  lv_status rc = LV_E_SERVICE_UNAVAILABLE;
  int busy = 0, lost = 0;
  while (busy < TRIES && lost < CONN_TRIES) {
    if ((rc = conn_up(p, c, true)) < 0) {
      if (rc != LV_E_SERVICE_UNAVAILABLE) break;
      if (++lost < CONN_TRIES) backoff(lost + 4);
      continue;
    }
    if (j->kind == J_DECIDE) {
      lv__buf_reset(j->d->body);
      j->d->replayed = false;
    }
    rc = simple(c, "BEGIN");
    if (rc == LV_OK) rc = do_job(c, j);
    if (rc == LV_OK)
      rc = simple(c, "COMMIT");
    else if (conn_ok(c))
      simple(c, "ROLLBACK");
    if (rc == LV_E_BUSY) {
      backoff(++busy);
      continue;
    }
    if (rc == LV_E_SERVICE_UNAVAILABLE) {
      c->ready = false; /* reset at the next turn; a commit that did happen is
                         * found again by its request id */
      ++lost;
      continue;
    }
    break;
  }
  if (rc == LV_E_BUSY) rc = LV_E_SERVICE_UNAVAILABLE; /* too much contention: 503, retry */
  if (rc < 0 && j->kind == J_DECIDE) lv__buf_reset(j->d->body);
  release(p, c);
  return rc;
}

/* ---- migrations ---- */

static lv_status migrate(pg *p) {
  pgc *c = acquire(p);
  lv_status rc = conn_up(p, c, false);
  if (rc < 0) goto out;
  char sql[128];
  snprintf(sql, sizeof sql, "BEGIN; SELECT pg_advisory_xact_lock(%lld)", (long long)MIGRATE_LOCK);
  if ((rc = simple(c, sql)) < 0) goto out;
  rc = simple(c, "CREATE TABLE IF NOT EXISTS lv_schema(version integer PRIMARY KEY,"
                 " applied_at timestamptz NOT NULL DEFAULT now())");
  int have = 0;
  if (rc == LV_OK) {
    PGresult *r = PQexec(c->conn, "SELECT coalesce(max(version), 0) FROM lv_schema");
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
      have = (int)strtol(PQgetvalue(r, 0, 0), NULL, 10);
    else rc = err_of(c, r);
    PQclear(r);
  }
  if (rc == LV_OK && have > NMIGRATIONS) {
    fprintf(stderr, "licvaultd: pg: the database's schema (%d) is newer than this build's (%d)\n",
            have, NMIGRATIONS);
    rc = LV_E_STORE_VERSION;
  }
  for (int v = have + 1; rc == LV_OK && v <= NMIGRATIONS; v++) {
    rc = simple(c, migrations[v - 1]);
    snprintf(sql, sizeof sql, "INSERT INTO lv_schema(version) VALUES(%d)", v);
    if (rc == LV_OK) rc = simple(c, sql);
  }
  if (rc == LV_OK) rc = simple(c, "COMMIT");
  else if (conn_ok(c)) simple(c, "ROLLBACK");
  c->ready = false; /* re-prepare against the migrated schema */
out:
  release(p, c);
  return rc;
}

/* ---- the interface ---- */

static void pg_close(lv__svc_db *db) {
  pg *p = (pg *)db;
  for (int i = 0; i < POOL; i++)
    if (p->c[i].conn) PQfinish(p->c[i].conn);
  pthread_cond_destroy(&p->cv);
  pthread_mutex_destroy(&p->mu);
  free(p->url);
  free(p);
}

static lv_status pg_pin(lv__svc_db *db, const uint8_t id[16], const uint8_t pk[32], int64_t now) {
  job j = {.kind = J_PIN, .id = id, .pk = pk, .now = now};
  return submit((pg *)db, &j);
}

static lv_status pg_decide(lv__svc_db *db, lv__decide *d) {
  job j = {.kind = J_DECIDE, .d = d};
  return submit((pg *)db, &j);
}

static lv_status pg_revoke(lv__svc_db *db, const char *kind, const uint8_t *v, size_t n, int64_t now) {
  job j = {.kind = J_REVOKE, .kind_s = kind, .v = v, .vn = n, .now = now};
  return submit((pg *)db, &j);
}

static lv_status pg_stats(lv__svc_db *db, lv__svc_stats *out) {
  job j = {.kind = J_STATS, .stats = out};
  return submit((pg *)db, &j);
}

static lv_status pg_note_put(lv__svc_db *db, const char *token, const char *json, int64_t now) {
  job j = {.kind = J_NOTE_PUT, .token = token, .json = json, .now = now};
  return submit((pg *)db, &j);
}

static lv_status pg_note_get(lv__svc_db *db, const char *token, lv__buf *json) {
  job j = {.kind = J_NOTE_GET, .token = token, .out = json};
  return submit((pg *)db, &j);
}

static const lv__svc_db_ops ops = {pg_close, pg_pin, pg_decide, pg_revoke, pg_stats, pg_note_put,
                                   pg_note_get};

lv_status lv__svc_db_open_pg(lv__svc_db **out, const char *url) {
  pg *p = lv__calloc(1, sizeof *p);
  if (!p) return LV_E_NOMEM;
  p->base.ops = &ops;
  p->url = strdup(url);
  if (!p->url) {
    free(p);
    return LV_E_NOMEM;
  }
  pthread_mutex_init(&p->mu, NULL);
  pthread_cond_init(&p->cv, NULL);
  lv_status rc = migrate(p);
  if (rc < 0) {
    pg_close(&p->base);
    return rc;
  }
  *out = &p->base;
  return LV_OK;
}
