/* flusher.h - flush-behind for a long sequential write: a background
 * thread that runs fdatasync on the file each time the writer asks, so that
 * the device empties its cache while the writer computes, and the fsync
 * that makes the file durable at the end finds little left to do.
 * (On this machine's virtual disk, that final fsync of a 640 MiB backup set
 * took 0.3-0.45 s, a fifth of the backup, with the CPUs idle.)
 *
 * Advice only for durability: the writer still fsyncs at the end. But a
 * background flush that fails must fail the file: Linux reports a writeback
 * error once per open file, so the writer's own fsync would no longer see
 * it. lv__flusher_stop hands that error back.
 *
 * Ownership: the caller owns the flusher and the descriptor, and must stop
 * the flusher before it closes the descriptor. Thread safety: kick and stop
 * must not run at the same time; the caller serialises them (the thread
 * that writes the file, or one that has joined it). */
#ifndef LV_CORE_FLUSHER_H
#define LV_CORE_FLUSHER_H

typedef struct lv__flusher lv__flusher;

/* A flusher for fd, or NULL when none can be had (no memory, no thread):
 * the file is then only flushed by the writer's fsync. */
lv__flusher *lv__flusher_start(int fd);
/* Asks for a flush of everything written so far; returns at once. While a
 * flush runs, further requests make one more flush after it. NULL: nothing. */
void lv__flusher_kick(lv__flusher *fl);
/* Waits for a flush in progress (one only asked for is dropped), stops the
 * thread, frees fl and returns the errno of the first flush that failed,
 * or 0. NULL: 0. */
int lv__flusher_stop(lv__flusher *fl);

#ifdef LV_FAULTS
/* Test builds: called on the flusher's thread before each flush, when set
 * (before any flusher starts), so that a test can hold a flush in progress. */
extern void (*lv__flusher_test_hook)(void);
#endif

#endif
