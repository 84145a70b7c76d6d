/* test_parallel.c - the background data-parallel loop, and the pool that
 * runs it batch after batch on the same threads, visit every index exactly
 * once, for any item and thread count, and join cleanly. */
#include <pthread.h>
#include <unistd.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/parallel.h"
#include "testutil.h"

typedef struct counters {
  size_t n;
  atomic_uint *hits;
  atomic_size_t total;
  pthread_t caller;
  atomic_uint off_caller; /* calls that ran on another thread */
  atomic_uint bad_index;  /* no cmocka asserts off the main thread */
} counters;

static void count_one(void *ctx, size_t i) {
  counters *c = ctx;
  if (i >= c->n) {
    atomic_fetch_add(&c->bad_index, 1);
    return;
  }
  atomic_fetch_add(&c->hits[i], 1);
  atomic_fetch_add(&c->total, 1);
  if (!pthread_equal(pthread_self(), c->caller)) atomic_fetch_add(&c->off_caller, 1);
}

/* Counters for n items, zero, owned by this thread (free c->hits). */
static void counters_init(counters *c, size_t n) {
  memset(c, 0, sizeof *c);
  c->n = n;
  c->hits = calloc(n ? n : 1, sizeof *c->hits);
  assert_non_null(c->hits);
  for (size_t i = 0; i < n; i++) atomic_init(&c->hits[i], 0);
  atomic_init(&c->total, 0);
  atomic_init(&c->off_caller, 0);
  atomic_init(&c->bad_index, 0);
  c->caller = pthread_self();
}

/* Every item counted exactly once. */
static void check_each_once(counters *c, const char *what, unsigned nthreads) {
  assert_int_equal(atomic_load(&c->bad_index), 0);
  assert_int_equal(atomic_load(&c->total), c->n);
  for (size_t i = 0; i < c->n; i++)
    if (atomic_load(&c->hits[i]) != 1)
      fail_msg("%s n=%zu threads=%u: index %zu visited %u times", what, c->n, nthreads, i,
               atomic_load(&c->hits[i]));
}

/* The work runs in the background before anyone joins (waits up to 10 s). */
static void expect_all_off_caller(counters *c) {
  for (int i = 0; i < 10000 && atomic_load(&c->total) < c->n; i++) usleep(1000);
  assert_int_equal(atomic_load(&c->off_caller), c->n);
}

static void run_and_check(size_t n, unsigned nthreads) {
  counters c;
  lv__par p;
  counters_init(&c, n);
  lv__par_start(&p, nthreads, n, count_one, &c);
  lv__par_join(&p);
  assert_int_equal(p.nth, 0);
  check_each_once(&c, "par", nthreads);
  free(c.hits);
}

static void par_visits_each_index_once_small_counts(void **state) {
  (void)state;
  static const size_t ns[] = {0, 1, 2, 3, 7};
  for (size_t k = 0; k < sizeof ns / sizeof ns[0]; k++)
    for (unsigned t = 1; t <= 4; t++) run_and_check(ns[k], t);
}

static void par_visits_each_index_once_n10000(void **state) {
  (void)state;
  for (unsigned t = 1; t <= 4; t++) run_and_check(10000, t);
}

static void par_visits_each_index_once_awkward_splits(void **state) {
  (void)state;
  /* n not divisible by the thread count, and fewer items than threads */
  static const size_t ns[] = {5, 9, 10, 11, 13, 17, 101, 1023};
  for (size_t k = 0; k < sizeof ns / sizeof ns[0]; k++)
    for (unsigned t = 1; t <= LV__PAR_MAX; t++) run_and_check(ns[k], t);
}

static void par_clamps_thread_count(void **state) {
  (void)state;
  run_and_check(100, 0);                /* 0 means 1 */
  run_and_check(100, LV__PAR_MAX + 5);  /* capped */
  run_and_check(1000, 1000);
}

static void par_zero_items_starts_no_thread(void **state) {
  (void)state;
  counters c;
  lv__par p;
  memset(&c, 0, sizeof c);
  atomic_init(&c.total, 0);
  lv__par_start(&p, 4, 0, count_one, &c);
  assert_int_equal(p.nth, 0);
  lv__par_join(&p);
  assert_int_equal(atomic_load(&c.total), 0);
}

static void par_runs_off_the_calling_thread(void **state) {
  (void)state;
  counters c;
  lv__par p;
  counters_init(&c, 64);
  lv__par_start(&p, 2, c.n, count_one, &c);
  assert_true(p.nth >= 1 && p.nth <= 2);
  expect_all_off_caller(&c);
  lv__par_join(&p);
  assert_int_equal(atomic_load(&c.total), 64);
  free(c.hits);
}

static void par_reusable_after_join(void **state) {
  (void)state;
  lv__par p;
  for (int round = 0; round < 50; round++) {
    counters c;
    counters_init(&c, 257);
    lv__par_start(&p, (unsigned)(round % 4) + 1, c.n, count_one, &c);
    lv__par_join(&p);
    check_each_once(&c, "par again", (unsigned)(round % 4) + 1);
    free(c.hits);
  }
}

/* The pool: one set of threads for many runs; each run visits every index
 * exactly once, whatever came before it. */
static void pool_runs_many_batches_each_index_once(void **state) {
  (void)state;
  static const size_t ns[] = {0, 1, 7, 8, 9, 1024, 3, 10000, 0, 257};
  for (unsigned t = 0; t <= 4; t++) {
    lv__pool *pool;
    assert_int_equal(lv__pool_start(&pool, t), LV_OK);
    for (int round = 0; round < 30; round++) {
      counters c;
      counters_init(&c, ns[round % 10]);
      lv__pool_run(pool, c.n, count_one, &c);
      lv__pool_join(pool);
      check_each_once(&c, "pool", t);
      free(c.hits);
    }
    lv__pool_stop(pool);
  }
  lv__pool_stop(NULL);
}

static void pool_runs_off_the_calling_thread(void **state) {
  (void)state;
  lv__pool *pool;
  counters c;
  counters_init(&c, 64);
  assert_int_equal(lv__pool_start(&pool, 2), LV_OK);
  lv__pool_run(pool, c.n, count_one, &c);
  expect_all_off_caller(&c);
  lv__pool_join(pool);
  assert_int_equal(atomic_load(&c.total), 64);
  lv__pool_stop(pool); /* and a pool stopped with no run pending at all: */
  assert_int_equal(lv__pool_start(&pool, 3), LV_OK);
  lv__pool_stop(pool);
  free(c.hits);
}

static void par_threads_is_between_one_and_max(void **state) {
  (void)state;
  unsigned t = lv__par_threads();
  assert_true(t >= 1 && t <= LV__PAR_MAX);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(par_visits_each_index_once_small_counts),
      cmocka_unit_test(par_visits_each_index_once_n10000),
      cmocka_unit_test(par_visits_each_index_once_awkward_splits),
      cmocka_unit_test(par_clamps_thread_count),
      cmocka_unit_test(par_zero_items_starts_no_thread),
      cmocka_unit_test(par_runs_off_the_calling_thread),
      cmocka_unit_test(par_reusable_after_join),
      cmocka_unit_test(par_threads_is_between_one_and_max),
      cmocka_unit_test(pool_runs_many_batches_each_index_once),
      cmocka_unit_test(pool_runs_off_the_calling_thread),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
