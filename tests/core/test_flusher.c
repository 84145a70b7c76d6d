/* test_flusher.c - flush-behind: a kick makes one fdatasync on the flusher's
 * thread, kicks during a flush coalesce, stop waits for the flush under way
 * and hands back the errno of the first one that failed. */
#include <errno.h>
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
  disarm();
  lv__flusher *fl = lv__flusher_start(fd);
  assert_non_null(fl);
  assert_int_equal(lv__flusher_stop(fl), 0);
  assert_int_equal(lv__fault_calls(LV_FAULT_FLUSH), 0);
  done_with(fd, dir, path);
}

static void each_kick_after_a_flush_flushes_again(void **state) {
  (void)state;
  char *dir, *path;
  int fd = open_scratch(&dir, &path);
  disarm();
  lv__flusher *fl = lv__flusher_start(fd);
  assert_non_null(fl);
  for (unsigned long k = 1; k <= 3; k++) {
    lv__flusher_kick(fl);
    wait_flushes(k);
  }
  assert_int_equal(lv__flusher_stop(fl), 0);
  assert_int_equal(lv__fault_calls(LV_FAULT_FLUSH), 3);
  done_with(fd, dir, path);
}

/* Kicks while nothing has run yet are one flush, not many. */
static void kicks_coalesce(void **state) {
  (void)state;
  char *dir, *path;
  int fd = open_scratch(&dir, &path);
  disarm();
  lv__flusher *fl = lv__flusher_start(fd);
  assert_non_null(fl);
  for (int i = 0; i < 1000; i++) lv__flusher_kick(fl);
  wait_flushes(1);
  struct timespec pause = {0, 50000000};
  nanosleep(&pause, NULL);
  assert_int_equal(lv__flusher_stop(fl), 0);
  /* the first kick may start a flush before the others arrive: then one
   * more after it, never one per kick */
  assert_true(lv__fault_calls(LV_FAULT_FLUSH) <= 2);
  done_with(fd, dir, path);
}

/* The first failure is the one reported, even after later flushes passed. */
static void stop_reports_the_first_failed_flush(void **state) {
  (void)state;
  char *dir, *path;
  int fd = open_scratch(&dir, &path);
  lv__fault_arm(LV_FAULT_FLUSH, 2, ENOSPC);
  lv__flusher *fl = lv__flusher_start(fd);
  assert_non_null(fl);
  for (unsigned long k = 1; k <= 3; k++) {
    lv__flusher_kick(fl);
    wait_flushes(k);
  }
  assert_int_equal(lv__flusher_stop(fl), ENOSPC);
  disarm();
  done_with(fd, dir, path);
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
      cmocka_unit_test(kicks_coalesce),
      cmocka_unit_test(stop_reports_the_first_failed_flush),
      cmocka_unit_test(a_real_failure_is_reported),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
