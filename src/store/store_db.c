/* store_db.c - SQLite plumbing of the license store: opening with the right
 * pragmas and file modes, the schema, transactions, and the meta table. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/encoding.h"
#include "core/fault.h"
#include "core/file.h"
#include "store/store.h"

#ifndef LV__STORE_PAGE_SIZE /* bytes; a -D may try another for a benchmark */
#define LV__STORE_PAGE_SIZE "65536"
#endif

lv_status lv__sqlite_status(int rc) {
  switch (rc & 0xff) {
  case SQLITE_OK:
  case SQLITE_DONE:
  case SQLITE_ROW: return LV_OK;
  case SQLITE_BUSY:
  case SQLITE_LOCKED: return LV_E_BUSY;
  case SQLITE_FULL: return LV_E_NOSPACE;
  case SQLITE_NOMEM: return LV_E_NOMEM;
  case SQLITE_CORRUPT:
  case SQLITE_NOTADB:
  case SQLITE_FORMAT: return LV_E_STORE_CORRUPT;
  case SQLITE_READONLY:
  case SQLITE_PERM:
  case SQLITE_AUTH: return LV_E_ACCESS;
  case SQLITE_CANTOPEN: return LV_E_NO_FILE;
  default: return LV_E_IO;
  }
}

lv_status lv__db_exec(sqlite3 *db, const char *sql) {
  return lv__sqlite_status(sqlite3_exec(db, sql, NULL, NULL, NULL));
}

lv_status lv__db_open(sqlite3 **out, const char *dir, bool create) {
  char *path = lv__path_join(dir, LV__STORE_DB);
  sqlite3 *db = NULL;
  lv_status rc = LV_OK;
  if (!path) return LV_E_NOMEM;
  if (create) {
    /* create the file ourselves so it is 0600 from its first byte; SQLite
     * gives its -wal and -shm files the same mode */
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) rc = lv__errno_status(errno);
    else close(fd);
  } else if (access(path, F_OK) < 0) {
    rc = errno == ENOENT ? LV_E_NEEDS_INDIV : lv__errno_status(errno);
  }
  lv__fault_sqlite_install(); /* test builds: writes and syncs can fail */
  if (rc == LV_OK)
    /* an lv_store is used by one thread at a time (store.h): no SQLite
     * mutexes needed on it */
    rc = lv__sqlite_status(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL));
  free(path);
  if (rc == LV_OK) {
    sqlite3_busy_timeout(db, 10000);
    /* A new store gets large pages (an existing one keeps its own: SQLite
     * fixes the size when the first table is made). Bulk loads and
     * backups move hundreds of megabytes page by page, and a system call
     * per page costs more on a VM than the copy: 64 KiB pages took an
     * import's closing index build and commit from 2.3 s to 1.6 s at
     * 500,000 licenses (docs/performance.md, session 6). */
    if (create) rc = lv__db_exec(db, "PRAGMA page_size=" LV__STORE_PAGE_SIZE);
  }
  if (rc == LV_OK) {
    rc = lv__db_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                         "PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON;");
  }
  if (rc < 0) {
    sqlite3_close(db);
    return rc;
  }
  *out = db;
  return LV_OK;
}

/* Whether one row of sql (a count) is non-zero. */
static lv_status one_bool(sqlite3 *db, const char *sql, bool *out) {
  sqlite3_stmt *st;
  int src = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
  if (src != SQLITE_OK) return lv__sqlite_status(src);
  src = sqlite3_step(st);
  *out = src == SQLITE_ROW && sqlite3_column_int64(st, 0) != 0;
  sqlite3_finalize(st);
  return src == SQLITE_ROW ? LV_OK : lv__sqlite_status(src);
}

lv_status lv__db_schema(sqlite3 *db) {
  /* lid's uniqueness is a named index, which a bulk load may drop and
   * build again (lv__db_bulk_begin); stores made before it keep the
   * table's own UNIQUE constraint (and load without the bulk path) */
  bool old = false;
  lv_status rc = one_bool(db, "SELECT count(*) FROM sqlite_master WHERE name ="
                              " 'sqlite_autoindex_licenses_1'", &old);
  if (rc < 0) return rc;
  rc = lv__db_exec(
      db,
      "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v BLOB NOT NULL);"
      "CREATE TABLE IF NOT EXISTS issuers(id TEXT PRIMARY KEY,"
      "  sign_pk BLOB NOT NULL, added_at INTEGER NOT NULL);"
      "CREATE TABLE IF NOT EXISTS licenses(id INTEGER PRIMARY KEY,"
      "  lid BLOB NOT NULL, kid BLOB NOT NULL,"
      "  body BLOB NOT NULL, ckey BLOB NOT NULL, imported_at INTEGER NOT NULL,"
      "  plays_used INTEGER NOT NULL DEFAULT 0,"
      "  first_use INTEGER NOT NULL DEFAULT 0,"
      /* 1: came by restore, rebound here (its record names the computer it
       * was issued to) */
      "  restored INTEGER NOT NULL DEFAULT 0);"
      "CREATE INDEX IF NOT EXISTS licenses_kid ON licenses(kid);");
  if (rc == LV_OK && !old)
    rc = lv__db_exec(db, "CREATE UNIQUE INDEX IF NOT EXISTS licenses_lid ON licenses(lid);");
  return rc;
}

lv_status lv__db_bulk_begin(sqlite3 *db, bool *bulk) {
  *bulk = false;
  bool ok = false;
  lv_status rc = one_bool(db,
                          "SELECT (SELECT count(*) FROM sqlite_master"
                          "        WHERE name IN ('licenses_lid', 'licenses_kid')) = 2"
                          " AND NOT EXISTS (SELECT 1 FROM licenses)",
                          &ok);
  if (rc < 0 || !ok) return rc;
  rc = lv__db_exec(db, "DROP INDEX licenses_lid; DROP INDEX licenses_kid;");
  if (rc == LV_OK) *bulk = true;
  return rc;
}

lv_status lv__db_bulk_end(sqlite3 *db, uint64_t *dups) {
  *dups = 0;
  static const char make_lid[] = "CREATE UNIQUE INDEX licenses_lid ON licenses(lid);";
  int src = sqlite3_exec(db, make_lid, NULL, NULL, NULL);
  lv_status rc = lv__sqlite_status(src);
  if ((src & 0xff) == SQLITE_CONSTRAINT) {
    /* the input named a license twice: keep its first row, as the index
     * would have while loading */
    rc = lv__db_exec(db, "DELETE FROM licenses WHERE id NOT IN"
                         " (SELECT min(id) FROM licenses GROUP BY lid)");
    if (rc == LV_OK) *dups = (uint64_t)sqlite3_changes(db);
    if (rc == LV_OK) rc = lv__db_exec(db, make_lid);
  }
  if (rc == LV_OK) rc = lv__db_exec(db, "CREATE INDEX licenses_kid ON licenses(kid);");
  return rc;
}

lv_status lv__bind_kid(sqlite3_stmt *st, int idx, const char *kid) {
  uint8_t k[16];
  if (!kid || lv__b64_decode(k, sizeof k, kid, strlen(kid)) < 0) return LV_E_INVALID_ARG;
  return lv__sqlite_status(sqlite3_bind_blob(st, idx, k, sizeof k, SQLITE_TRANSIENT));
}

lv_status lv__db_cache_kib(sqlite3 *db, unsigned kib) {
  char sql[48];
  snprintf(sql, sizeof sql, "PRAGMA cache_size=-%u", kib);
  return lv__db_exec(db, sql);
}

lv_status lv__db_begin(sqlite3 *db) { return lv__db_exec(db, "BEGIN IMMEDIATE"); }
lv_status lv__db_commit(sqlite3 *db) { return lv__db_exec(db, "COMMIT"); }
void lv__db_rollback(sqlite3 *db) {
  if (!sqlite3_get_autocommit(db)) sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

lv_status lv__meta_put(sqlite3 *db, const char *k, const void *v, size_t n) {
  sqlite3_stmt *st;
  int rc = sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO meta(k,v) VALUES(?,?)", -1, &st, NULL);
  if (rc != SQLITE_OK) return lv__sqlite_status(rc);
  sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
  sqlite3_bind_blob(st, 2, v, (int)n, SQLITE_STATIC);
  rc = sqlite3_step(st);
  sqlite3_finalize(st);
  return lv__sqlite_status(rc);
}

lv_status lv__meta_put_int(sqlite3 *db, const char *k, int64_t v) {
  sqlite3_stmt *st;
  int rc = sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO meta(k,v) VALUES(?,?)", -1, &st, NULL);
  if (rc != SQLITE_OK) return lv__sqlite_status(rc);
  sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, v);
  rc = sqlite3_step(st);
  sqlite3_finalize(st);
  return lv__sqlite_status(rc);
}

static lv_status meta_row(sqlite3 *db, const char *k, sqlite3_stmt **st) {
  int rc = sqlite3_prepare_v2(db, "SELECT v FROM meta WHERE k=?", -1, st, NULL);
  if (rc != SQLITE_OK) return lv__sqlite_status(rc);
  sqlite3_bind_text(*st, 1, k, -1, SQLITE_STATIC);
  rc = sqlite3_step(*st);
  if (rc == SQLITE_ROW) return LV_OK;
  sqlite3_finalize(*st);
  *st = NULL;
  return rc == SQLITE_DONE ? LV_E_NOT_FOUND : lv__sqlite_status(rc);
}

lv_status lv__meta_get(sqlite3 *db, const char *k, void *v, size_t n) {
  sqlite3_stmt *st;
  lv_status rc = meta_row(db, k, &st);
  if (rc < 0) return rc;
  const void *p = sqlite3_column_blob(st, 0);
  if ((size_t)sqlite3_column_bytes(st, 0) != n || (n && !p)) rc = LV_E_STORE_CORRUPT;
  else if (n) memcpy(v, p, n);
  sqlite3_finalize(st);
  return rc;
}

lv_status lv__meta_get_str(sqlite3 *db, const char *k, char *v, size_t cap) {
  sqlite3_stmt *st;
  lv_status rc = meta_row(db, k, &st);
  if (rc < 0) return rc;
  const void *p = sqlite3_column_blob(st, 0);
  size_t n = (size_t)sqlite3_column_bytes(st, 0);
  if (n >= cap) rc = LV_E_STORE_CORRUPT;
  else {
    if (n) memcpy(v, p, n);
    v[n] = '\0';
  }
  sqlite3_finalize(st);
  return rc;
}

lv_status lv__meta_get_int(sqlite3 *db, const char *k, int64_t *v) {
  sqlite3_stmt *st;
  lv_status rc = meta_row(db, k, &st);
  if (rc < 0) return rc;
  if (sqlite3_column_type(st, 0) != SQLITE_INTEGER) rc = LV_E_STORE_CORRUPT;
  else *v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return rc;
}
