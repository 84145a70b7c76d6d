/* test_older_set.c - the threat model's "an older backup restored after a
 * newer one" (docs/security.md): onto a computer that holds the license,
 * nothing changes (plays used never go back); onto another computer it
 * brings the older state, and that computer counts against the limit like
 * any other, so the limit still holds. */
#include "inproc.h"

static const char KID[] = "BQUFBQUFBQUFBQUFBQUFBQ=="; /* 10 plays */

typedef struct got {
  lv_license_info info;
  int n;
} got;

static int one(const lv_license_info *i, void *ctx) {
  got *g = ctx;
  g->info = *i;
  g->n++;
  return 0;
}

/* Plays used of the one license with KID in a store. */
static uint32_t plays_of(const char *store, const char *machine) {
  lv_store *s;
  got g = {.n = 0};
  assert_int_equal(lv_store_open(&s, store, machine), LV_OK);
  assert_int_equal(lv_store_list(s, KID, one, &g), LV_OK);
  lv_store_free(s);
  assert_int_equal(g.n, 1);
  return g.info.plays_used;
}

static void use_on(const char *store, const char *machine, unsigned times) {
  lv_store *s;
  lv_use_result u;
  assert_int_equal(lv_store_open(&s, store, machine), LV_OK);
  for (unsigned i = 0; i < times; i++) assert_int_equal(lv_store_use(s, KID, &u), LV_OK);
  lv_store_free(s);
}

static void older_set_never_rolls_back_and_counts_as_a_computer(void **state) {
  (void)state;
  fx a;
  fx_init(&a, "older-A", true);
  lv_rights r;
  lv_rights_init(&r);
  r.flags |= LV_RIGHT_BACKUP_RESTORE;
  r.playcount = 10;
  fx_issue(&a, "t.lic", 1, KID, "Ten plays", &r);
  /* the service, in-process, at most 3 computers per license */
  inproc svc;
  inproc_start(&svc, &a, 3);
  const char *url = svc.url;
  lv_store_free(a.s);
  a.s = NULL;

  /* A: one play, the old backup; two more plays, the new backup */
  char *old = fx_path(&a, "old"), *new_set = fx_path(&a, "new");
  use_on(a.store, a.machine, 1);
  assert_int_equal(inproc_op(false, old, a.store, a.machine, NULL), LV_OK);
  use_on(a.store, a.machine, 2);
  assert_int_equal(inproc_op(false, new_set, a.store, a.machine, NULL), LV_OK);

  /* B restores the new set (3 plays used) and plays once more */
  char *b_store = fx_path(&a, "b-store"), *b_machine = fx_path(&a, "b.key");
  assert_int_equal(inproc_op(true, new_set, b_store, b_machine, url), LV_OK);
  assert_int_equal(plays_of(b_store, b_machine), 3);
  use_on(b_store, b_machine, 1);
  /* the old set onto B: B holds it, so nothing changes (4 stays 4) */
  assert_int_equal(inproc_op(true, old, b_store, b_machine, url), LV_OK);
  assert_int_equal(plays_of(b_store, b_machine), 4);

  /* the old set onto C: the older state comes back (documented), and C is
   * the third computer: the limit is reached */
  char *c_store = fx_path(&a, "c-store"), *c_machine = fx_path(&a, "c.key");
  assert_int_equal(inproc_op(true, old, c_store, c_machine, url), LV_OK);
  assert_int_equal(plays_of(c_store, c_machine), 1);
  /* D gets nothing, from either set */
  char *d_store = fx_path(&a, "d-store"), *d_machine = fx_path(&a, "d.key");
  assert_int_equal(inproc_op(true, old, d_store, d_machine, url), LV_E_RESTORE_FRAUD);
  assert_int_equal(inproc_op(true, new_set, d_store, d_machine, url), LV_E_RESTORE_FRAUD);

  inproc_stop(&svc);
  free(old), free(new_set), free(b_store), free(b_machine);
  free(c_store), free(c_machine), free(d_store), free(d_machine);
  fx_free(&a);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(older_set_never_rolls_back_and_counts_as_a_computer),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
