/* test_service_database.c - licvaultd's SQLite database: its files' mode, two
 * services sharing one, a schema 1 database migrated, reads beside a writer. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "svc_fixture.h"

/* The records (which computer holds which license) are the service's
 * alone: its SQLite database and journal are 0600 from the first byte. */
static void database_is_the_services_alone(void **state) {
  svc_fx *f = *state;
  fx_start(f, "db-mode", 0, 0, 1800000000);
  if (pg_url()) return; /* PostgreSQL keeps its own files */
  comp c;
  set st;
  lv__item it;
  got g;
  comp_new(&c);
  set_new(&st, f->key.box_pk);
  lic_new(&it, c.who.machine_id, "T");
  fx_restore(f, &c, &st, &it, 1, false, &g); /* the WAL exists now */
  struct stat sb;
  assert_int_equal(stat(f->db, &sb), 0);
  assert_int_equal(sb.st_mode & 0777, 0600);
  size_t n = strlen(f->db) + 5;
  char *wal = malloc(n);
  assert_non_null(wal);
  snprintf(wal, n, "%s-wal", f->db);
  if (stat(wal, &sb) == 0) assert_int_equal(sb.st_mode & 0777, 0600);
  free(wal);
}

/* ---- one SQLite file, two licvaultd: each one's index follows the other's
 * grants (PRAGMA data_version), so the limit holds across both ---- */

/* A second service over f's database and keys, on its own port. */
static void fx_second(const svc_fx *f, svc_fx *g) {
  memset(g, 0, sizeof *g);
  g->key = f->key;
  lv__svc_opts o = {.db = f->db,
                    .key_dir = f->dir,
                    .listen = "127.0.0.1:0",
                    .public_url = PUBLIC_URL,
                    .max_computers = 4,
                    .quiet = true};
  assert_int_equal(lv__svc_init(&g->svc, &o), LV_OK);
  fx_listen(g);
}

static void two_services_on_one_database_share_the_limit(void **state) {
  svc_fx *f = *state, g;
  fx_start(f, "svc-two", 4, 0, T0);
  fx_second(f, &g);
  comp x, c[6];
  set s;
  lv__item L[3];
  got out;
  comp_new(&x);
  set_new(&s, f->key.box_pk);
  for (int i = 0; i < 3; i++) lic_new(&L[i], x.who.machine_id, NULL);
  for (int i = 0; i < 6; i++) comp_new(&c[i]);
  /* in turn through one service and the other: 3 computers besides X */
  fx_restore(f, &c[0], &s, L, 3, false, &out);
  fx_expect_all(&out, LV__OUT_RESTORE, 2);
  fx_restore(&g, &c[1], &s, L, 3, false, &out);
  fx_expect_all(&out, LV__OUT_RESTORE, 1);
  fx_restore(f, &c[2], &s, L, 2, false, &out);
  fx_expect_all(&out, LV__OUT_RESTORE, 0);
  fx_restore(&g, &c[3], &s, L, 3, false, &out);
  fx_expect(&out, 0, LV__OUT_LIMIT, 0);
  fx_expect(&out, 1, LV__OUT_LIMIT, 0);
  fx_expect(&out, 2, LV__OUT_RESTORE, 0); /* c[2] did not take the third */
  fx_restore(f, &c[4], &s, L, 3, false, &out);
  fx_expect_all(&out, LV__OUT_LIMIT, 0);
  /* what one service granted, the other knows as held */
  fx_restore(f, &c[1], &s, L, 3, false, &out);
  fx_expect_all(&out, LV__OUT_ALREADY, 0);
  fx_restore(&g, &c[0], &s, L, 3, false, &out);
  fx_expect_all(&out, LV__OUT_ALREADY, 0);
  lv__svc_stats st = stats_of(f);
  assert_int_equal(st.grants, 3 + 3 + 2 + 1);
  lv__http_stop(g.http);
  lv__svc_fini(&g.svc);
}

/* A database written by schema 1 (grants in a holders B-tree) is moved to
 * the log on open, and its grants still count. */
static void schema_1_database_is_migrated(void **state) {
  svc_fx *f = *state;
  fx_start(f, "svc-migrate", 4, 0, T0);
  if (pg_url()) return; /* PostgreSQL has its own schema */
  comp x, a, b, c, d;
  set s;
  lv__item L;
  got out;
  comp_new(&x), comp_new(&a), comp_new(&b), comp_new(&c), comp_new(&d);
  set_new(&s, f->key.box_pk);
  lic_new(&L, x.who.machine_id, NULL);
  lv__http_stop(f->http);
  f->http = NULL;
  lv__svc_fini(&f->svc);
  f->up = false;

  sqlite3 *db;
  sqlite3_stmt *st;
  uint8_t key[LV__HASH];
  lv__license_key(key, &L);
  assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db,
                                "DROP TABLE grants; UPDATE meta SET v = 1 WHERE k = 'schema';"
                                "CREATE TABLE holders(lid BLOB NOT NULL, machine BLOB NOT NULL,"
                                "  granted_at INTEGER NOT NULL, original INTEGER NOT NULL,"
                                "  PRIMARY KEY(lid, machine)) WITHOUT ROWID;",
                                NULL, NULL, NULL),
                   SQLITE_OK);
  assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO holders VALUES(?1, ?2, ?3, 0)", -1, &st, NULL),
                   SQLITE_OK);
  const comp *held[3] = {&a, &b, &c};
  for (int i = 0; i < 3; i++) {
    sqlite3_bind_blob(st, 1, key, LV__HASH, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, held[i]->who.machine_id, LV__MACHINE_ID, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, T0 - 10 + i);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  sqlite3_close(db);

  lv__svc_opts o = {.db = f->db, .key_dir = f->dir, .listen = "127.0.0.1:0",
                    .public_url = PUBLIC_URL, .max_computers = 4, .quiet = true};
  assert_int_equal(lv__svc_init(&f->svc, &o), LV_OK);
  f->up = true;
  fx_listen(f);
  fx_restore(f, &d, &s, &L, 1, false, &out); /* X, A, B, C: the limit */
  fx_expect(&out, 0, LV__OUT_LIMIT, 0);
  fx_restore(f, &b, &s, &L, 1, false, &out);
  fx_expect(&out, 0, LV__OUT_ALREADY, 0);
  lv__svc_stats stt = stats_of(f);
  assert_int_equal(stt.grants, 3);
  assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
  assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master WHERE name = 'holders'"
                                          " UNION ALL SELECT v FROM meta WHERE k = 'schema'",
                                      -1, &st, NULL),
                   SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  assert_int_equal(sqlite3_column_int(st, 0), 0);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  assert_int_equal(sqlite3_column_int(st, 0), 2);
  sqlite3_finalize(st);
  /* a database from a newer licvaultd is refused, not half understood */
  lv__http_stop(f->http);
  f->http = NULL;
  lv__svc_fini(&f->svc);
  f->up = false;
  assert_int_equal(sqlite3_exec(db, "UPDATE meta SET v = 3 WHERE k = 'schema'", NULL, NULL, NULL),
                   SQLITE_OK);
  sqlite3_close(db);
  assert_int_equal(lv__svc_init(&f->svc, &o), LV_E_STORE_VERSION);
}

/* Counting for `licvaultd status` reads: it neither waits for nor takes the
 * write lock that the serving licvaultd's grants need. */
static void stats_read_while_another_holds_the_write_lock(void **state) {
  svc_fx *f = *state;
  fx_start(f, "svc-stats", 4, 0, T0);
  if (pg_url()) return; /* PostgreSQL: MVCC reads, no such lock */
  comp x, a;
  set s;
  lv__item L;
  got out;
  comp_new(&x), comp_new(&a);
  set_new(&s, f->key.box_pk);
  lic_new(&L, x.who.machine_id, NULL);
  fx_restore(f, &a, &s, &L, 1, false, &out);
  sqlite3 *db;
  assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  lv__svc_stats st = stats_of(f); /* (a write here would wait 10 s, then fail busy) */
  clock_gettime(CLOCK_MONOTONIC, &t1);
  assert_true(t1.tv_sec - t0.tv_sec < 5);
  assert_int_equal(st.grants, 1);
  assert_int_equal(st.licenses, 1);
  sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
  sqlite3_close(db);
}

int main(void) {
  if (lv__crypto_init() < 0) return 1;
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return 1;
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
  const struct CMUnitTest tests[] = {
      T(database_is_the_services_alone),
      T(two_services_on_one_database_share_the_limit),
      T(schema_1_database_is_migrated),
      T(stats_read_while_another_holds_the_write_lock),
  };
#undef T
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  curl_global_cleanup();
  return rc;
}
