/* test_forged_license.c - a set whose stream and manifest are genuine but
 * which carries a license its issuer did not sign (what a source computer
 * that altered its own store would write): the restore fails as a corrupt
 * set and the computer's store keeps nothing of it. The signatures are
 * checked behind the restore's reading and storing, so the forged license
 * is put early, in the middle, and last, where only the final verdict
 * (after the index build) can catch it. */
#include <sqlite3.h>

#include "inproc.h"

#define COUNT 3000 /* three requests' worth, and more */

/* Flips the last byte (the signature's) of the license stored at rowid. */
static void forge(const char *store, long rowid) {
  char *dbp = tu_path(store, "store.db");
  sqlite3 *db;
  sqlite3_stmt *st;
  assert_int_equal(sqlite3_open(dbp, &db), SQLITE_OK);
  assert_int_equal(sqlite3_prepare_v2(db, "SELECT body FROM licenses WHERE id = ?", -1, &st, NULL),
                   SQLITE_OK);
  sqlite3_bind_int64(st, 1, rowid);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  int n = sqlite3_column_bytes(st, 0);
  uint8_t *body = malloc((size_t)n);
  assert_non_null(body);
  memcpy(body, sqlite3_column_blob(st, 0), (size_t)n);
  sqlite3_finalize(st);
  body[n - 1] ^= 0x01;
  assert_int_equal(sqlite3_prepare_v2(db, "UPDATE licenses SET body = ? WHERE id = ?", -1, &st, NULL),
                   SQLITE_OK);
  sqlite3_bind_blob(st, 1, body, n, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, rowid);
  assert_int_equal(sqlite3_step(st), SQLITE_DONE);
  sqlite3_finalize(st);
  sqlite3_close(db);
  free(body);
  free(dbp);
}

static int counter(const lv_license_info *i, void *ctx) {
  (void)i;
  (*(unsigned *)ctx)++;
  return 0;
}

typedef struct kids {
  char (*kid)[LV_KID_STRLEN];
  unsigned n;
} kids;

static int every_other(const lv_license_info *i, void *ctx) {
  kids *k = ctx;
  static unsigned seen;
  if (seen++ % 2 == 0) strcpy(k->kid[k->n++], i->kid);
  return 0;
}

/* Deletes every other license of a store (by KID: each is unique here). */
static void delete_half(const char *store, const char *machine) {
  lv_store *s;
  kids k = {calloc(COUNT, LV_KID_STRLEN), 0};
  assert_non_null(k.kid);
  assert_int_equal(lv_store_open(&s, store, machine), LV_OK);
  assert_int_equal(lv_store_list(s, NULL, every_other, &k), LV_OK);
  for (unsigned i = 0; i < k.n; i++) {
    unsigned gone = 0;
    assert_int_equal(lv_store_delete(s, k.kid[i], &gone), LV_OK);
    assert_int_equal(gone, 1);
  }
  lv_store_free(s);
  free(k.kid);
}

static unsigned licenses_in(const char *store, const char *machine) {
  lv_store *s;
  unsigned n = 0;
  assert_int_equal(lv_store_open(&s, store, machine), LV_OK);
  assert_int_equal(lv_store_list(s, NULL, counter, &n), LV_OK);
  lv_store_free(s);
  return n;
}

static void forged_license_fails_the_whole_restore(void **state) {
  (void)state;
  fx a;
  fx_init(&a, "forged-A", true);
  fx_issue(&a, "t.lic", COUNT, NULL, "Title", NULL);
  inproc svc;
  inproc_start(&svc, &a, 50);
  const char *url = svc.url;
  lv_store_free(a.s);
  a.s = NULL;

  /* a genuine set first: it restores whole (the test's own control) */
  char *good = fx_path(&a, "good"), *b_store = fx_path(&a, "b-store"),
       *b_machine = fx_path(&a, "b.key");
  assert_int_equal(inproc_op(false, good, a.store, a.machine, NULL), LV_OK);
  assert_int_equal(inproc_op(true, good, b_store, b_machine, url), LV_OK);
  assert_int_equal(licenses_in(b_store, b_machine), COUNT);
  /* B keeps half: a restore onto it that committed would fill it again */
  delete_half(b_store, b_machine);
  assert_int_equal(licenses_in(b_store, b_machine), COUNT / 2);

  long where[] = {2, COUNT / 2 + 17, COUNT};
  for (size_t i = 0; i < sizeof where / sizeof *where; i++) {
    char name[32];
    forge(a.store, where[i]);
    snprintf(name, sizeof name, "forged%zu", i);
    char *set = fx_path(&a, name);
    assert_int_equal(inproc_op(false, set, a.store, a.machine, NULL), LV_OK); /* backup does not judge */
    /* onto a new computer (the bulk load) and onto B, which has half */
    snprintf(name, sizeof name, "c%zu-store", i);
    char *c_store = fx_path(&a, name);
    snprintf(name, sizeof name, "c%zu.key", i);
    char *c_machine = fx_path(&a, name);
    assert_int_equal(inproc_op(true, set, c_store, c_machine, url), LV_E_BACKUP_CORRUPT);
    assert_int_equal(licenses_in(c_store, c_machine), 0);
    assert_int_equal(inproc_op(true, set, b_store, b_machine, url), LV_E_BACKUP_CORRUPT);
    assert_int_equal(licenses_in(b_store, b_machine), COUNT / 2);
    forge(a.store, where[i]); /* flipped back: genuine again */
    free(set), free(c_store), free(c_machine);
  }

  inproc_stop(&svc);
  free(good), free(b_store), free(b_machine);
  fx_free(&a);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(forged_license_fails_the_whole_restore),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
