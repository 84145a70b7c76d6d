/* test_flusher.c - flush-behind: a kick makes one fdatasync on the flusher's
 * thread, kicks during a flush coalesce, stop waits for the flush under way
 * and hands back the errno of the first one that failed. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "core/fault.h"
#include "core/flusher.h"
#include "testutil.h"

static void disarm(void) { lv__fault_arm(LV_FAULT_FLUSH, 0, 0); }

/* Waits (up to 10 s) until the flush point has been reached n times. */
static void wait_flushes(unsigned long n) {
  for (int i = 0; i < 10000 && lv__fault_calls(LV_FAULT_FLUSH) < n; i++) {
    struct timespec ms = {0, 1000000};
    nanosleep(&ms, NULL);
  }
  assert_true(lv__fault_calls(LV_FAULT_FLUSH) >= n);
}

static int open_scratch(char **dir, char **path) {
  *dir = tu_tmpdir("flusher");
  *path = tu_path(*dir, "f");
  int fd = open(*path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, "data", 4), 4);
  return fd;
}

/* A flusher of fd, with the flush point counting from zero. */
static lv__flusher *start_clean(int fd) {
  disarm();
  lv__flusher *fl = lv__flusher_start(fd);
  assert_non_null(fl);
  return fl;
}

static void done_with(int fd, char *dir, char *path) {
  close(fd);
  unlink(path);
  tu_rm_dir(dir);
  free(path), free(dir);
}

static void null_is_a_no_op(void **state) {
  (void)state;
  lv__flusher_kick(NULL);
  assert_int_equal(lv__flusher_stop(NULL), 0);
}

static void stop_without_kick_flushes_nothing(void **state) {
  (void)state;
  char *dir, *path;
  int fd = open_scratch(&dir, &path);
  lv__flusher *fl = start_clean(fd);
  assert_int_equal(lv__flusher_stop(fl), 0);
  assert_int_equal(lv__fault_calls(LV_FAULT_FLUSH), 0);
  done_with(fd, dir, path);
}

static void each_kick_after_a_flush_flushes_again(void **state) {
  (void)state;
  char *dir, *path;
  int fd = open_scratch(&dir, &path);
  lv__flusher *fl = start_clean(fd);
  for (unsigned long k = 1; k <= 3; k++) {
    lv__flusher_kick(fl);
    wait_flushes(k);
  }
  assert_int_equal(lv__flusher_stop(fl), 0);
  assert_int_equal(lv__fault_calls(LV_FAULT_FLUSH), 3);
  done_with(fd, dir, path);
}

/* A gate that holds the flush in progress until the test opens it. */
static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static bool gate_closed;
static unsigned gate_waiting;

static void gate(void) {
  pthread_mutex_lock(&gate_mu);
  gate_waiting++;
  pthread_cond_broadcast(&gate_cv);
  while (gate_closed) pthread_cond_wait(&gate_cv, &gate_mu);
  pthread_mutex_unlock(&gate_mu);
}

/* Kicks that come while a flush runs make one more flush, not one each. */
static void kicks_during_a_flush_coalesce(void **state) {
  (void)state;
  char *dir, *path;
  int fd = open_scratch(&dir, &path);
  gate_closed = true;
  gate_waiting = 0;
  lv__flusher_test_hook = gate;
  lv__flusher *fl = start_clean(fd);
  lv__flusher_kick(fl);
  pthread_mutex_lock(&gate_mu); /* the first flush is under way, held */
  while (gate_waiting == 0) pthread_cond_wait(&gate_cv, &gate_mu);
  pthread_mutex_unlock(&gate_mu);
  for (int i = 0; i < 1000; i++) lv__flusher_kick(fl);
  pthread_mutex_lock(&gate_mu);
  gate_closed = false;
  pthread_cond_broadcast(&gate_cv);
  while (gate_waiting < 2) pthread_cond_wait(&gate_cv, &gate_mu); /* the one more */
  pthread_mutex_unlock(&gate_mu);
  wait_flushes(2);
  assert_int_equal(lv__flusher_stop(fl), 0);
  lv__flusher_test_hook = NULL;
  assert_int_equal(lv__fault_calls(LV_FAULT_FLUSH), 2);
  done_with(fd, dir, path);
}

/* The first failure is the one reported, whatever the flushes after it
 * did: an injected ENOSPC, then a real EINVAL (a pipe cannot be flushed). */
static void stop_reports_the_first_failed_flush(void **state) {
  (void)state;
  int p[2];
  assert_int_equal(pipe(p), 0);
  lv__fault_arm(LV_FAULT_FLUSH, 1, ENOSPC);
  lv__flusher *fl = lv__flusher_start(p[1]);
  assert_non_null(fl);
  for (unsigned long k = 1; k <= 2; k++) {
    lv__flusher_kick(fl);
    wait_flushes(k);
  }
  assert_int_equal(lv__flusher_stop(fl), ENOSPC);
  disarm();
  close(p[0]), close(p[1]);
}

/* A real fdatasync that fails (a descriptor it cannot flush) is reported. */
static void a_real_failure_is_reported(void **state) {
  (void)state;
  int p[2];
  disarm();
  assert_int_equal(pipe(p), 0);
  lv__flusher *fl = lv__flusher_start(p[1]);
  assert_non_null(fl);
  lv__flusher_kick(fl);
  wait_flushes(1); /* started: stop waits for it to end */
  assert_int_equal(lv__flusher_stop(fl), EINVAL);
  close(p[0]), close(p[1]);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(null_is_a_no_op),
      cmocka_unit_test(stop_without_kick_flushes_nothing),
      cmocka_unit_test(each_kick_after_a_flush_flushes_again),
      cmocka_unit_test(kicks_during_a_flush_coalesce),
      cmocka_unit_test(stop_reports_the_first_failed_flush),
      cmocka_unit_test(a_real_failure_is_reported),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
