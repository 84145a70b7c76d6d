/* stage.c - a bounded, ordered background worker (see stage.h). */
#include "core/stage.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "core/alloc.h"

#define QMAX 64

struct lv__stage {
  pthread_t th;
  bool threaded, stop;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  void (*fn)(void *ctx, void *item);
  void *ctx;
  void *q[QMAX];
  unsigned head, count, depth, busy; /* busy: items taken, not yet done */
};

static void *worker(void *arg) {
  lv__stage *s = arg;
  pthread_mutex_lock(&s->mu);
  for (;;) {
    while (!s->count && !s->stop) pthread_cond_wait(&s->cv, &s->mu);
    if (!s->count) break;
    void *item = s->q[s->head];
    s->head = (s->head + 1) % QMAX;
    s->count--;
    s->busy++;
    pthread_mutex_unlock(&s->mu);
    s->fn(s->ctx, item);
    pthread_mutex_lock(&s->mu);
    s->busy--;
    pthread_cond_broadcast(&s->cv);
  }
  pthread_mutex_unlock(&s->mu);
  return NULL;
}

lv_status lv__stage_start(lv__stage **out, void (*fn)(void *ctx, void *item), void *ctx,
                          unsigned depth) {
  lv__stage *s = lv__calloc(1, sizeof *s);
  if (!s) return LV_E_NOMEM;
  s->fn = fn;
  s->ctx = ctx;
  s->depth = depth < 1 ? 1 : depth > QMAX ? QMAX : depth;
  pthread_mutex_init(&s->mu, NULL);
  pthread_cond_init(&s->cv, NULL);
  s->threaded = pthread_create(&s->th, NULL, worker, s) == 0;
  *out = s;
  return LV_OK;
}

void lv__stage_push(lv__stage *s, void *item) {
  if (!s->threaded) {
    s->fn(s->ctx, item);
    return;
  }
  pthread_mutex_lock(&s->mu);
  while (s->count + s->busy >= s->depth) pthread_cond_wait(&s->cv, &s->mu);
  s->q[(s->head + s->count) % QMAX] = item;
  s->count++;
  pthread_cond_broadcast(&s->cv);
  pthread_mutex_unlock(&s->mu);
}

void lv__stage_drain(lv__stage *s) {
  if (!s || !s->threaded) return;
  pthread_mutex_lock(&s->mu);
  while (s->count || s->busy) pthread_cond_wait(&s->cv, &s->mu);
  pthread_mutex_unlock(&s->mu);
}

void lv__stage_stop(lv__stage *s) {
  if (!s) return;
  if (s->threaded) {
    pthread_mutex_lock(&s->mu);
    s->stop = true; /* the worker finishes what is queued first */
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->th, NULL);
  }
  pthread_cond_destroy(&s->cv);
  pthread_mutex_destroy(&s->mu);
  free(s);
}
