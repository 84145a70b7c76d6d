/* flusher.c - flush-behind (see flusher.h). */
#define _GNU_SOURCE
#include "core/flusher.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/fault.h"

struct lv__flusher {
  int fd;
  pthread_t th;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  bool want, stop;
  int err; /* the first failed flush's errno */
};

#ifdef LV_FAULTS
void (*lv__flusher_test_hook)(void);
#endif

static int flush_once(int fd) {
#ifdef LV_FAULTS
  if (lv__flusher_test_hook) lv__flusher_test_hook();
#endif
  int e = lv__fault_hit(LV_FAULT_FLUSH);
  if (e) return e;
  while (fdatasync(fd) < 0)
    if (errno != EINTR) return errno;
  return 0;
}

static void *run(void *arg) {
  lv__flusher *fl = arg;
  pthread_mutex_lock(&fl->mu);
  for (;;) {
    while (!fl->want && !fl->stop) pthread_cond_wait(&fl->cv, &fl->mu);
    if (fl->stop) break;
    fl->want = false;
    pthread_mutex_unlock(&fl->mu);
    int e = flush_once(fl->fd);
    pthread_mutex_lock(&fl->mu);
    if (e && !fl->err) fl->err = e;
  }
  pthread_mutex_unlock(&fl->mu);
  return NULL;
}

lv__flusher *lv__flusher_start(int fd) {
  /* plain calloc: a flusher is advice, and an injected allocation failure
   * here would fail nothing a test could see */
  lv__flusher *fl = calloc(1, sizeof *fl);
  if (!fl) return NULL;
  fl->fd = fd;
  pthread_mutex_init(&fl->mu, NULL);
  pthread_cond_init(&fl->cv, NULL);
  if (pthread_create(&fl->th, NULL, run, fl) != 0) {
    pthread_cond_destroy(&fl->cv);
    pthread_mutex_destroy(&fl->mu);
    free(fl);
    return NULL;
  }
  return fl;
}

void lv__flusher_kick(lv__flusher *fl) {
  if (!fl) return;
  pthread_mutex_lock(&fl->mu);
  fl->want = true;
  pthread_cond_signal(&fl->cv);
  pthread_mutex_unlock(&fl->mu);
}

int lv__flusher_stop(lv__flusher *fl) {
  if (!fl) return 0;
  pthread_mutex_lock(&fl->mu);
  fl->stop = true;
  pthread_cond_signal(&fl->cv);
  pthread_mutex_unlock(&fl->mu);
  pthread_join(fl->th, NULL);
  int e = fl->err;
  pthread_cond_destroy(&fl->cv);
  pthread_mutex_destroy(&fl->mu);
  free(fl);
  return e;
}
