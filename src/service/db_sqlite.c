/* db_sqlite.c - the service's SQLite backend. One connection, owned by a
 * writer thread that takes every waiting decision into one transaction
 * (group commit: one fsync for many requests), each decision in its own
 * savepoint so one failure does not sink the others.
 *
 * The fsync is not the writer's: SQLite commits without it
 * (synchronous=NORMAL) and a syncer thread fdatasyncs the WAL for every
 * group committed since its last one before any of their jobs is told it
 * is done, so no grant is answered before it is on disk, while the writer
 * already runs the next group (it spent ~2/3 of its time in the commit's
 * fsync). After a failed sync nothing is answered until a full checkpoint
 * has written every committed page again, into the database, and synced it.
 *
 * Grants are an append-only log (sequential pages: a batch of 1,000 grants
 * writes a few pages, where a B-tree keyed by license dirtied ~1,000), and
 * the policy reads who holds what from an index in memory (holder_index.h)
 * built from that log. The index follows the log: on first use it is
 * loaded; when another process committed (PRAGMA data_version moved: a
 * second licvaultd on the same file) the rows after the last one seen are
 * applied; after any rollback it is loaded again from what is committed. */
#define _GNU_SOURCE /* pthread_setname_np */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/fault.h"
#include "core/file.h"
#include "service/holder_index.h"
#include "service/svc_db.h"

#define GROUP_MAX 256

typedef struct job {
  enum { J_DECIDE, J_PIN, J_REVOKE, J_STATS, J_NOTE_PUT, J_NOTE_GET } kind;
  lv__decide *d;
  const uint8_t *id, *pk, *v;
  size_t vn;
  const char *kind_s, *token, *json;
  int64_t now;
  lv__svc_stats *stats;
  lv__buf *out;
  lv_status rc;
  bool done;
  pthread_cond_t cv; /* its own: only its waiter wakes when it is done */
  struct job *next;
} job;

typedef struct sq {
  lv__svc_db base;
  sqlite3 *db;
  pthread_t th, sync_th;
  pthread_mutex_t mu;
  pthread_cond_t cv_work, cv_sync;
  job *head, *tail;           /* waiting for the writer */
  job *sync_head, *sync_tail; /* committed, waiting for the WAL's fdatasync */
  bool stop, sync_stop;
  bool unsynced; /* a WAL sync failed: nothing is answered until a checkpoint succeeds */
  /* opened with the database, then the syncer thread's only: */
  char *wal_path;
  int wal_fd;
  /* writer thread only: */
  lv__hidx *idx;
  bool idx_ok;      /* idx holds exactly the committed log up to last_seq */
  int64_t last_seq; /* the last grants row applied to idx */
  int64_t data_ver; /* PRAGMA data_version when idx was last brought up to date */
  uint64_t job_grants; /* grants the current job put in idx (a rollback undoes them) */
  /* what a write transaction learns once for all its jobs (it holds the
   * write lock: no other process commits meanwhile) */
  bool tx_checked;  /* data_version read in this transaction */
  int64_t tx_nrev;  /* rows in revoked, or -1 when not counted yet */
} sq;

static lv_status st_of(int rc) {
  switch (rc & 0xff) {
  case SQLITE_OK:
  case SQLITE_DONE:
  case SQLITE_ROW: return LV_OK;
  case SQLITE_BUSY:
  case SQLITE_LOCKED: return LV_E_BUSY;
  case SQLITE_FULL: return LV_E_NOSPACE;
  case SQLITE_NOMEM: return LV_E_NOMEM;
  case SQLITE_CANTOPEN: return LV_E_NO_FILE;
  default: return LV_E_IO;
  }
}

static lv_status exec(sqlite3 *db, const char *sql) {
  return st_of(sqlite3_exec(db, sql, NULL, NULL, NULL));
}

/* ---- the work, on the writer thread ---- */

/* Prepared statements, kept for the connection's life: the SQL strings are
 * literals, so their addresses identify them. Each backend's connection has
 * its own writer thread, so the cache is per thread. */
#define NSTMT 24
static _Thread_local struct {
  sqlite3 *db;
  const char *sql[NSTMT];
  sqlite3_stmt *st[NSTMT];
} cache;

static sqlite3_stmt *stmt(sqlite3 *db, const char *sql) {
  if (cache.db != db) { /* one writer connection per process */
    for (int i = 0; i < NSTMT; i++) {
      sqlite3_finalize(cache.st[i]);
      cache.st[i] = NULL;
      cache.sql[i] = NULL;
    }
    cache.db = db;
  }
  int i;
  for (i = 0; i < NSTMT && cache.sql[i]; i++)
    if (cache.sql[i] == sql) {
      sqlite3_reset(cache.st[i]);
      sqlite3_clear_bindings(cache.st[i]);
      return cache.st[i];
    }
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) return NULL;
  if (i < NSTMT) {
    cache.sql[i] = sql;
    cache.st[i] = st;
  }
  return st; /* (beyond NSTMT: leaks one statement per call; NSTMT is ample) */
}

static void cache_drop(sqlite3 *db) {
  if (cache.db != db) return;
  for (int i = 0; i < NSTMT; i++) {
    sqlite3_finalize(cache.st[i]);
    cache.st[i] = NULL;
    cache.sql[i] = NULL;
  }
  cache.db = NULL;
}

static lv_status one_int(sqlite3 *db, const char *sql, const void *a, size_t an, const void *b,
                         size_t bn, int64_t c, int64_t *out) {
  sqlite3_stmt *st = stmt(db, sql);
  if (!st) return LV_E_IO;
  int np = sqlite3_bind_parameter_count(st);
  if (np >= 1) sqlite3_bind_blob(st, 1, a, (int)an, SQLITE_STATIC);
  if (np >= 2) sqlite3_bind_blob(st, 2, b, (int)bn, SQLITE_STATIC);
  if (np >= 3) sqlite3_bind_int64(st, 3, c);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW && out) *out = sqlite3_column_int64(st, 0);
  lv_status r = rc == SQLITE_ROW ? LV_OK : rc == SQLITE_DONE ? LV_E_NOT_FOUND : st_of(rc);
  sqlite3_reset(st);
  return r;
}

static lv_status run_sql(sqlite3 *db, const char *sql, const void *a, size_t an, const void *b,
                         size_t bn, int64_t c) {
  lv_status rc = one_int(db, sql, a, an, b, bn, c, NULL);
  return rc == LV_E_NOT_FOUND ? LV_OK : rc;
}

static const char q_revoked[] = "SELECT 1 FROM revoked WHERE kind = ?1 AND value = ?2";
static bool revoked(sqlite3 *db, const char *kind, const uint8_t *v) {
  return one_int(db, q_revoked, kind, strlen(kind), v, 16, 0, NULL) == LV_OK;
}

static const char q_grant[] = "INSERT INTO grants(lid, machine, granted_at) VALUES(?1, ?2, ?3)",
                  q_log_after[] = "SELECT seq, lid, machine, granted_at FROM grants WHERE seq > ?1"
                                  " ORDER BY seq",
                  q_data_version[] = "PRAGMA data_version";

/* Applies the log's rows after last_seq to the index, in order (a later
 * grant of the same holder re-dates it). */
static lv_status apply_log(sq *s) {
  sqlite3_stmt *st = stmt(s->db, q_log_after);
  if (!st) return LV_E_IO;
  sqlite3_bind_int64(st, 1, s->last_seq);
  lv_status r = LV_OK;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (sqlite3_column_bytes(st, 1) != LV__HASH || sqlite3_column_bytes(st, 2) != LV__MACHINE_ID) {
      r = LV_E_IO; /* a damaged database: not as licvaultd writes it */
      break;
    }
    r = lv__hidx_grant(s->idx, sqlite3_column_blob(st, 1), sqlite3_column_blob(st, 2),
                       sqlite3_column_int64(st, 3));
    if (r < 0) break;
    s->last_seq = sqlite3_column_int64(st, 0);
  }
  if (r == LV_OK && rc != SQLITE_DONE) r = st_of(rc);
  sqlite3_reset(st);
  return r;
}

/* Brings the index up to the committed log, inside the transaction (which
 * holds the write lock: nothing else commits until ours does). */
static lv_status index_sync(sq *s) {
  if (s->idx_ok && s->tx_checked) return LV_OK;
  sqlite3_stmt *st = stmt(s->db, q_data_version);
  if (!st) return LV_E_IO;
  int rc = sqlite3_step(st);
  int64_t ver = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
  sqlite3_reset(st);
  if (rc != SQLITE_ROW) return st_of(rc);
  s->tx_checked = true;
  if (s->idx_ok && ver == s->data_ver) return LV_OK;
  if (!s->idx_ok) {
    if (!s->idx && lv__hidx_new(&s->idx) < 0) return LV_E_NOMEM;
    lv__hidx_clear(s->idx);
    s->last_seq = 0;
  }
  s->idx_ok = false; /* until every row is in */
  lv_status r = apply_log(s);
  if (r < 0) return r;
  s->idx_ok = true;
  s->data_ver = ver;
  return LV_OK;
}

/* Whether anything is revoked at all (most decisions then skip four
 * lookups per license), counted once per transaction. */
static lv_status revoked_count(sq *s, int64_t *n) {
  lv_status rc = LV_OK;
  if (s->tx_nrev < 0)
    rc = one_int(s->db, "SELECT count(*) FROM revoked", NULL, 0, NULL, 0, 0, &s->tx_nrev);
  *n = s->tx_nrev;
  return rc;
}

/* One license, by the policy of docs/protocol.md. */
static lv_status decide_one(sq *s, lv__decide *d, bool any_revoked, const lv__item *it,
                            lv__result *r) {
  sqlite3 *db = s->db;
  int64_t cnt = 0;
  bool mine = false;
  memcpy(r->lid, it->ref.lid, LV_LID_LEN);
  if (any_revoked && (revoked(db, "kid", it->ref.kid) || revoked(db, "lid", it->ref.lid) ||
                      revoked(db, "machine", it->ref.machine_id) || revoked(db, "machine", d->me))) {
    r->outcome = LV__OUT_REVOKED;
    return LV_OK;
  }
  uint8_t key[LV__HASH];
  lv__license_key(key, it);
  lv__hidx_count(s->idx, key, it->ref.machine_id, lv__policy_since(d), d->me, &cnt, &mine);
  if (!lv__policy_decide(d, it, cnt, mine, r)) return LV_OK;
  /* a computer whose grant left the window is granted again (re-dated):
   * the later row wins */
  lv_status rc = run_sql(db, q_grant, key, LV__HASH, d->me, LV__MACHINE_ID, d->now);
  if (rc < 0) return rc;
  if ((rc = lv__hidx_grant(s->idx, key, d->me, d->now)) < 0) return rc;
  s->job_grants++;
  s->last_seq = sqlite3_last_insert_rowid(db);
  return LV_OK;
}

static const char q_answer[] = "SELECT req_hash, body FROM answers WHERE rid = ?1";
static lv_status stored_answer(sqlite3 *db, lv__decide *d) {
  sqlite3_stmt *st = stmt(db, q_answer);
  int rc;
  if (!st) return LV_E_IO;
  sqlite3_bind_blob(st, 1, d->rid, LV__RID, SQLITE_STATIC);
  lv_status r = LV_E_NOT_FOUND;
  if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (sqlite3_column_bytes(st, 0) != LV__HASH || memcmp(sqlite3_column_blob(st, 0), d->hash, LV__HASH))
      r = LV_E_EXISTS; /* the same id for another request */
    else
      r = lv__buf_put(d->body, sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1));
    if (r == LV_OK) d->replayed = true;
  } else if (rc != SQLITE_DONE) {
    r = st_of(rc);
  }
  sqlite3_reset(st);
  return r;
}

static lv_status do_pin(sqlite3 *db, job *j);
static const char q_answer_put[] = "INSERT INTO answers(rid, req_hash, body, at) VALUES(?1,?2,?3,?4)";

static lv_status do_decide(sq *s, lv__decide *d) {
  sqlite3 *db = s->db;
  if (d->pin_pk) { /* the asking computer's key, pinned in the same transaction */
    job p = {.kind = J_PIN, .id = d->me, .pk = d->pin_pk, .now = d->now};
    lv_status prc = do_pin(db, &p);
    if (prc < 0) return prc;
  }
  /* a dry run is not stored, but may not reuse another request's id */
  lv_status rc = stored_answer(db, d);
  if (rc != LV_E_NOT_FOUND) return rc;
  bool limit = false;
  int64_t nrev = 0;
  if ((rc = index_sync(s)) < 0) return rc;
  if ((rc = revoked_count(s, &nrev)) < 0) return rc;
  for (size_t i = 0; i < d->n; i++) {
    if ((rc = decide_one(s, d, nrev > 0, &d->items[i], &d->res[i])) < 0) return rc;
    limit |= d->res[i].outcome == LV__OUT_LIMIT;
  }
  if ((rc = d->answer(d->ctx, d->res, d->n, limit, d->body)) < 0) return rc;
  if (d->dry_run) return LV_OK;
  sqlite3_stmt *st = stmt(db, q_answer_put);
  if (!st) return LV_E_IO;
  sqlite3_bind_blob(st, 1, d->rid, LV__RID, SQLITE_STATIC);
  sqlite3_bind_blob(st, 2, d->hash, LV__HASH, SQLITE_STATIC);
  sqlite3_bind_blob(st, 3, d->body->data, (int)d->body->len, SQLITE_STATIC);
  sqlite3_bind_int64(st, 4, d->now);
  int src = sqlite3_step(st);
  sqlite3_reset(st);
  return st_of(src);
}

static const char q_pin[] = "INSERT INTO machines(id, sign_pk, first_seen) VALUES(?1,?2,?3)",
                  q_pinned[] = "SELECT sign_pk FROM machines WHERE id = ?1";
/* Looks first: a computer asks many times and is pinned once. */
static lv_status do_pin(sqlite3 *db, job *j) {
  sqlite3_stmt *st = stmt(db, q_pinned);
  if (!st) return LV_E_IO;
  sqlite3_bind_blob(st, 1, j->id, 16, SQLITE_STATIC);
  int src = sqlite3_step(st);
  lv_status rc = src == SQLITE_ROW ? (sqlite3_column_bytes(st, 0) == 32 &&
                                              !memcmp(sqlite3_column_blob(st, 0), j->pk, 32)
                                          ? LV_OK
                                          : LV_E_ACCESS)
                 : src == SQLITE_DONE ? LV_E_NOT_FOUND
                                      : st_of(src);
  sqlite3_reset(st);
  if (rc != LV_E_NOT_FOUND) return rc;
  return run_sql(db, q_pin, j->id, 16, j->pk, 32, j->now);
}

static lv_status do_stats(sqlite3 *db, lv__svc_stats *s) {
  int64_t v[5] = {0};
  static const char *const q[5] = {"SELECT count(*) FROM machines",
                                   "SELECT count(DISTINCT lid) FROM grants",
                                   "SELECT count(*) FROM (SELECT DISTINCT lid, machine FROM grants)",
                                   "SELECT count(*) FROM revoked", "SELECT count(*) FROM answers"};
  for (int i = 0; i < 5; i++) {
    lv_status rc = one_int(db, q[i], NULL, 0, NULL, 0, 0, &v[i]);
    if (rc < 0) return rc;
  }
  *s = (lv__svc_stats){(uint64_t)v[0], (uint64_t)v[1], (uint64_t)v[2], (uint64_t)v[3], (uint64_t)v[4]};
  return LV_OK;
}

static lv_status do_note_get(sqlite3 *db, job *j) {
  sqlite3_stmt *st;
  int src = sqlite3_prepare_v2(db, "SELECT body FROM notes WHERE token = ?1", -1, &st, NULL);
  if (src != SQLITE_OK) return st_of(src);
  sqlite3_bind_blob(st, 1, j->token, (int)strlen(j->token), SQLITE_STATIC); /* as put */
  lv_status rc = LV_E_NOT_FOUND;
  if (sqlite3_step(st) == SQLITE_ROW)
    rc = lv__buf_put(j->out, sqlite3_column_text(st, 0), (size_t)sqlite3_column_bytes(st, 0));
  sqlite3_finalize(st);
  return rc;
}

static lv_status do_job(sq *s, job *j) {
  sqlite3 *db = s->db;
  switch (j->kind) {
  case J_DECIDE: return do_decide(s, j->d);
  case J_PIN: return do_pin(db, j);
  case J_REVOKE:
    s->tx_nrev = -1;
    return run_sql(db, "INSERT OR IGNORE INTO revoked(kind, value, at) VALUES(?1, ?2, ?3)",
                   j->kind_s, strlen(j->kind_s), j->v, j->vn, j->now);
  case J_STATS: return do_stats(db, j->stats);
  case J_NOTE_PUT:
    return run_sql(db, "INSERT OR REPLACE INTO notes(token, body, at) VALUES(?1, ?2, ?3)", j->token,
                   strlen(j->token), j->json, strlen(j->json), j->now);
  case J_NOTE_GET: return do_note_get(db, j);
  }
  return LV_E_INTERNAL;
}

/* Transaction control through the statement cache (parsed once). */
static lv_status tx(sqlite3 *db, const char *sql) {
  sqlite3_stmt *st = stmt(db, sql);
  if (!st) return LV_E_IO;
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  return rc == SQLITE_DONE ? LV_OK : st_of(rc);
}
static const char t_begin[] = "BEGIN IMMEDIATE", t_read[] = "BEGIN", t_commit[] = "COMMIT",
                  t_sp[] = "SAVEPOINT j",
                  t_rollback_to[] = "ROLLBACK TO j", t_release[] = "RELEASE j";

/* Loading the whole log takes a while (seconds for millions of grants): it
 * happens in a read transaction, so a second licvaultd on the file is not
 * kept from writing meanwhile; the write transaction then applies only
 * what was committed since. A failure here is retried there. */
static void preload(sq *s, const job *g) {
  while (g && g->kind != J_DECIDE) g = g->next;
  if (s->idx_ok || !g || tx(s->db, t_read) < 0) return;
  index_sync(s);
  if (tx(s->db, t_commit) < 0) {
    exec(s->db, "ROLLBACK");
    s->idx_ok = false;
  }
}

/* One transaction for everything that waits; a savepoint per job. True
 * when it committed a write transaction (then the WAL needs its sync). */
static bool run_group(sq *s, job *g) {
  preload(s, g);
  /* a group that only reads (status, the limit page) takes no write lock:
   * `licvaultd status` counting a large log must not stall the serving
   * licvaultd's grants */
  bool writes = false;
  for (const job *j = g; j; j = j->next) writes |= j->kind != J_STATS && j->kind != J_NOTE_GET;
  lv_status trc = tx(s->db, writes ? t_begin : t_read);
  bool began = trc == LV_OK;
  s->tx_checked = false;
  s->tx_nrev = -1;
  for (job *j = g; j; j = j->next) {
    if (trc < 0) {
      j->rc = trc;
      continue;
    }
    tx(s->db, t_sp);
    s->job_grants = 0;
    j->rc = do_job(s, j);
    if (j->rc < 0) {
      /* only a job that put grants in the index leaves it ahead of the
       * database after its rollback (a refused request must not cost a
       * reload: anyone can send one) */
      if (s->job_grants) s->idx_ok = false;
      if (sqlite3_get_autocommit(s->db)) {
        /* SQLite rolled the whole transaction back itself (disk full, an
         * I/O error): the jobs before this one are undone too, and the
         * ones after must not run in a transaction of their own */
        trc = j->rc;
        break;
      }
      tx(s->db, t_rollback_to);
      if (j->kind == J_DECIDE) lv__buf_reset(j->d->body);
    }
    tx(s->db, t_release);
  }
  if (trc == LV_OK && (trc = tx(s->db, t_commit)) < 0) exec(s->db, "ROLLBACK");
  if (trc < 0) {
    if (began) s->idx_ok = false;
    for (job *j = g; j; j = j->next) j->rc = trc; /* nothing of it happened */
  }
  return trc == LV_OK && writes;
}

/* After a failed WAL sync the committed pages may not be on disk, and a
 * second fdatasync would not say so (Linux reports a writeback error
 * once). A full checkpoint copies every committed page, as the page cache
 * holds it, into the database file and syncs it. (A kernel that dropped
 * the pages it failed to write would hand the checkpoint older bytes:
 * SQLite's own retry has the same exposure; docs/protocol.md says so.) */
static lv_status recover(sq *s) {
  int nlog = -1, nckpt = -1;
  int rc = sqlite3_wal_checkpoint_v2(s->db, "main", SQLITE_CHECKPOINT_FULL, &nlog, &nckpt);
  if (rc != SQLITE_OK) return st_of(rc) == LV_OK ? LV_E_IO : st_of(rc);
  return nlog == nckpt ? LV_OK : LV_E_BUSY; /* a reader of another process kept frames */
}

/* Tells every job of the list it is done (the caller holds s->mu). */
static void complete(job *g) {
  for (job *j = g, *n; j; j = n) {
    n = j->next; /* read before the waiter may leave with j */
    j->done = true;
    pthread_cond_signal(&j->cv);
  }
}

/* Not lv__errno_status: a failed sync is storage trouble (503) whatever
 * its errno; EACCES must not read as a machine's key refused (403). */
static lv_status errno_rc(int e) { return e == ENOSPC ? LV_E_NOSPACE : LV_E_IO; }

/* fdatasync of the WAL through a descriptor of our own (fsync is per
 * file, not per descriptor). The WAL lives as long as a connection is
 * open, ours included; should its path name another file (it cannot while
 * we hold the database open, but it costs two system calls to be sure),
 * the data is in that one. */
static lv_status wal_sync(sq *s) {
  int e = lv__fault_hit(LV_FAULT_FSYNC);
  if (e) return errno_rc(e);
  struct stat a, b;
  if (s->wal_fd >= 0 && (fstat(s->wal_fd, &a) < 0 || stat(s->wal_path, &b) < 0 ||
                         a.st_ino != b.st_ino || a.st_dev != b.st_dev)) {
    close(s->wal_fd);
    s->wal_fd = -1;
  }
  if (s->wal_fd < 0 && (s->wal_fd = open(s->wal_path, O_RDWR | O_CLOEXEC)) < 0) return errno_rc(errno);
  while (fdatasync(s->wal_fd) < 0)
    if (errno != EINTR) return errno_rc(errno);
  return LV_OK;
}

static void *syncer(void *arg) {
  sq *s = arg;
  pthread_setname_np(pthread_self(), "lv-db-sync");
  pthread_mutex_lock(&s->mu);
  for (;;) {
    while (!s->sync_head && !s->sync_stop) pthread_cond_wait(&s->cv_sync, &s->mu);
    if (!s->sync_head) break; /* stopping, and nothing left */
    job *g = s->sync_head;
    s->sync_head = s->sync_tail = NULL;
    bool bad = s->unsynced;
    pthread_mutex_unlock(&s->mu);
    /* one fdatasync for every group committed before it starts */
    lv_status rc = bad ? LV_E_IO : wal_sync(s);
    pthread_mutex_lock(&s->mu);
    if (rc < 0) {
      s->unsynced = true;
      for (job *j = g; j; j = j->next)
        if (j->rc == LV_OK) j->rc = rc; /* not known durable: not answered */
    }
    complete(g);
  }
  pthread_mutex_unlock(&s->mu);
  return NULL;
}

/* The syncer syncs what the writer committed, then exits; joined. */
static void stop_syncer(sq *s) {
  pthread_mutex_lock(&s->mu);
  s->sync_stop = true;
  pthread_cond_signal(&s->cv_sync);
  pthread_mutex_unlock(&s->mu);
  pthread_join(s->sync_th, NULL);
}

static void *writer(void *arg) {
  sq *s = arg;
  pthread_setname_np(pthread_self(), "lv-db-writer"); /* for top and perf */
  pthread_mutex_lock(&s->mu);
  for (;;) {
    while (!s->head && !s->stop) pthread_cond_wait(&s->cv_work, &s->mu);
    if (!s->head && s->stop) break;
    job *g = s->head, *last = g;
    for (int k = 1; k < GROUP_MAX && last->next; k++) last = last->next;
    s->head = last->next;
    if (!s->head) s->tail = NULL;
    last->next = NULL;
    bool recovering = s->unsynced;
    pthread_mutex_unlock(&s->mu);
    lv_status pre = recovering ? recover(s) : LV_OK;
    bool wrote = false;
    if (pre < 0)
      for (job *j = g; j; j = j->next) j->rc = pre;
    else
      wrote = run_group(s, g);
    pthread_mutex_lock(&s->mu);
    if (recovering && pre == LV_OK) s->unsynced = false;
    if (wrote) { /* answered once the WAL holding it is synced */
      if (s->sync_tail) s->sync_tail->next = g;
      else s->sync_head = g;
      while (g->next) g = g->next;
      s->sync_tail = g;
      pthread_cond_signal(&s->cv_sync);
    } else {
      complete(g);
    }
  }
  pthread_mutex_unlock(&s->mu);
  cache_drop(s->db); /* on the thread that owns the statements */
  return NULL;
}

static lv_status submit(sq *s, job *j) {
  pthread_mutex_lock(&s->mu);
  if (s->stop) {
    pthread_mutex_unlock(&s->mu);
    return LV_E_SERVICE_UNAVAILABLE;
  }
  j->next = NULL;
  if (s->tail) s->tail->next = j;
  else s->head = j;
  s->tail = j;
  pthread_cond_init(&j->cv, NULL);
  pthread_cond_signal(&s->cv_work);
  while (!j->done) pthread_cond_wait(&j->cv, &s->mu);
  pthread_mutex_unlock(&s->mu);
  pthread_cond_destroy(&j->cv);
  return j->rc;
}

/* ---- the interface ---- */

static void sq_close(lv__svc_db *db) {
  sq *s = (sq *)db;
  pthread_mutex_lock(&s->mu);
  s->stop = true; /* the writer finishes what is queued, then exits */
  pthread_cond_broadcast(&s->cv_work);
  pthread_mutex_unlock(&s->mu);
  pthread_join(s->th, NULL);
  stop_syncer(s);
  lv__hidx_free(s->idx);
  sqlite3_close(s->db);
  if (s->wal_fd >= 0) close(s->wal_fd);
  free(s->wal_path);
  pthread_cond_destroy(&s->cv_sync);
  pthread_cond_destroy(&s->cv_work);
  pthread_mutex_destroy(&s->mu);
  free(s);
}

static lv_status sq_pin(lv__svc_db *db, const uint8_t id[16], const uint8_t pk[32], int64_t now) {
  job j = {.kind = J_PIN, .id = id, .pk = pk, .now = now};
  return submit((sq *)db, &j);
}

static lv_status sq_decide(lv__svc_db *db, lv__decide *d) {
  job j = {.kind = J_DECIDE, .d = d};
  return submit((sq *)db, &j);
}

static lv_status sq_revoke(lv__svc_db *db, const char *kind, const uint8_t *v, size_t n, int64_t now) {
  job j = {.kind = J_REVOKE, .kind_s = kind, .v = v, .vn = n, .now = now};
  return submit((sq *)db, &j);
}

static lv_status sq_stats(lv__svc_db *db, lv__svc_stats *out) {
  job j = {.kind = J_STATS, .stats = out};
  return submit((sq *)db, &j);
}

static lv_status sq_note_put(lv__svc_db *db, const char *token, const char *json, int64_t now) {
  job j = {.kind = J_NOTE_PUT, .token = token, .json = json, .now = now};
  return submit((sq *)db, &j);
}

static lv_status sq_note_get(lv__svc_db *db, const char *token, lv__buf *json) {
  job j = {.kind = J_NOTE_GET, .token = token, .out = json};
  return submit((sq *)db, &j);
}

static const lv__svc_db_ops ops = {sq_close, sq_pin, sq_decide, sq_revoke, sq_stats, sq_note_put,
                                   sq_note_get};

static const char schema[] =
    /* synchronous=NORMAL: commits do not sync; the syncer thread's
     * fdatasync of the WAL puts a grant on disk before its answer */
    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536;"
    "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v);"
    "INSERT OR IGNORE INTO meta VALUES('schema', 2);"
    "CREATE TABLE IF NOT EXISTS machines(id BLOB PRIMARY KEY, sign_pk BLOB NOT NULL,"
    "  first_seen INTEGER NOT NULL) WITHOUT ROWID;"
    /* the grant log, in the order granted; lid: the license's key, BLAKE2b
     * of its whole identity (see lv__license_key); a holder granted again
     * (its grant had left the window) has a later row, which wins. Rows
     * are never deleted: the index catches up on seq > the last it saw,
     * which a reused seq (no AUTOINCREMENT) would slip past */
    "CREATE TABLE IF NOT EXISTS grants(seq INTEGER PRIMARY KEY, lid BLOB NOT NULL,"
    "  machine BLOB NOT NULL, granted_at INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS revoked(kind TEXT NOT NULL, value BLOB NOT NULL,"
    "  at INTEGER NOT NULL, PRIMARY KEY(kind, value)) WITHOUT ROWID;"
    /* answers are appended in time order (rowid); large bodies do not
     * split a random-keyed B-tree */
    "CREATE TABLE IF NOT EXISTS answers(id INTEGER PRIMARY KEY, rid BLOB NOT NULL UNIQUE,"
    "  req_hash BLOB NOT NULL, body BLOB NOT NULL, at INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS notes(token TEXT PRIMARY KEY, body TEXT NOT NULL,"
    "  at INTEGER NOT NULL) WITHOUT ROWID;";

/* Schema 1 kept grants in a B-tree keyed by license: move them into the log
 * and drop it, in one transaction (all moved or none). */
static const char migrate_1[] =
    "INSERT INTO grants(lid, machine, granted_at)"
    "  SELECT lid, machine, granted_at FROM holders ORDER BY granted_at;"
    "DROP TABLE holders;"
    "UPDATE meta SET v = 2 WHERE k = 'schema';";

/* Looks and moves under one write lock: two licvaultd opening one file at
 * once migrate it once. A schema newer than this program's is refused:
 * its grants may be where this one would not count them. */
static lv_status migrate(sqlite3 *db) {
  sqlite3_stmt *st;
  lv_status rc = exec(db, "BEGIN IMMEDIATE");
  if (rc < 0) return rc;
  int64_t ver = 0;
  bool old = false;
  if (sqlite3_prepare_v2(db,
                         "SELECT (SELECT v FROM meta WHERE k = 'schema'),"
                         " EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'holders')",
                         -1, &st, NULL) != SQLITE_OK)
    rc = LV_E_IO;
  else if (sqlite3_step(st) == SQLITE_ROW) {
    ver = sqlite3_column_int64(st, 0);
    old = sqlite3_column_int64(st, 1) != 0;
  } else {
    rc = LV_E_IO;
  }
  sqlite3_finalize(st);
  if (rc == LV_OK && ver > 2) rc = LV_E_STORE_VERSION;
  if (rc == LV_OK && old) rc = exec(db, migrate_1);
  if (rc == LV_OK) rc = exec(db, "COMMIT");
  if (rc < 0) exec(db, "ROLLBACK");
  return rc;
}

lv_status lv__svc_db_open_sqlite(lv__svc_db **out, const char *path) {
  sq *s = lv__calloc(1, sizeof *s);
  if (!s) return LV_E_NOMEM;
  s->base.ops = &ops;
  lv__fault_sqlite_install(); /* test builds: writes and syncs can fail */
  /* the records say which computers hold which licenses: the database is
   * the service's alone (0600 from its first byte; SQLite gives its -wal
   * and -shm the same mode) */
  int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd >= 0) close(fd);
  int rc = sqlite3_open_v2(path, &s->db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL);
  lv_status r = st_of(rc);
  if (r == LV_OK) {
    sqlite3_busy_timeout(s->db, 10000);
    r = exec(s->db, schema);
    if (r == LV_OK) r = migrate(s->db);
  }
  /* the WAL where SQLite put it (a symlink or a file: URI resolves
   * elsewhere than PATH-wal), opened now, while SQLite holds it open: from
   * here on a writeback error of the file is reported to this descriptor
   * too. A database that will not tell is refused, not left unsynced */
  s->wal_fd = -1;
  const char *wal = r == LV_OK ? sqlite3_filename_wal(sqlite3_db_filename(s->db, "main")) : NULL;
  if (r == LV_OK && (!wal || !*wal)) r = LV_E_IO;
  if (r == LV_OK && !(s->wal_path = lv__strdup(wal))) r = LV_E_NOMEM;
  if (r == LV_OK && (s->wal_fd = open(s->wal_path, O_RDWR | O_CLOEXEC)) < 0) r = lv__errno_status(errno);
  if (r == LV_OK) {
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv_work, NULL);
    pthread_cond_init(&s->cv_sync, NULL);
    if (pthread_create(&s->sync_th, NULL, syncer, s) != 0) {
      r = LV_E_NOMEM;
    } else if (pthread_create(&s->th, NULL, writer, s) != 0) {
      stop_syncer(s);
      r = LV_E_NOMEM;
    }
    if (r < 0) {
      pthread_cond_destroy(&s->cv_sync);
      pthread_cond_destroy(&s->cv_work);
      pthread_mutex_destroy(&s->mu);
    }
  }
  if (r < 0) {
    sqlite3_close(s->db);
    if (s->wal_fd >= 0) close(s->wal_fd);
    free(s->wal_path);
    free(s);
    return r;
  }
  *out = &s->base;
  return LV_OK;
}

lv_status lv__svc_db_open_pg(lv__svc_db **out, const char *url); /* db_pg.c */

lv_status lv__svc_db_open(lv__svc_db **out, const char *url) {
  if (!out || !url || !*url) return LV_E_INVALID_ARG;
  if (!strncmp(url, "postgresql://", 13) || !strncmp(url, "postgres://", 11))
    return lv__svc_db_open_pg(out, url);
  return lv__svc_db_open_sqlite(out, url);
}
