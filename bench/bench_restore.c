/* bench_restore.c - restore of N licenses (default 1,000,000) from a backup
 * set through a licvaultd on loopback, beside its floor measured in the
 * same run: N Ed25519 verifications spread over every core. Each phase runs
 * in its own process, so its peak memory is its own; the service is a
 * separate process too. The same set is then restored onto a third
 * computer that already holds N/4 licenses of its own: the path that looks
 * every license up and inserts it into live indexes (no bulk load).
 * Usage: bench_restore [N] [SCRATCH_DIR]; with LV_BENCH_ROWS, also its rows
 * for bench/run.sh's table (bench_rows.h). */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_floor.h"
#include "bench_rows.h"
#include "core/parallel.h"
#include "crypto/keyfile.h"
#include "licvault/licvault.h"
#include "service/svc.h"

/* Goal (issue #4): restore within 1.25x of the floor, under 64 MiB. */
#define GOAL_RATIO 1.25
#define GOAL_RSS_MIB 64

static unsigned long long n_lic = 1000000;
static char dir[4096], path[11][4300], url[128];
enum { STORE_A, MACH_A, STORE_B, MACH_B, SVC, ISS, USB, LIC, STORE_C, MACH_C, LIC_C };

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

typedef struct result {
  double secs;
  long maxrss_kb;
} result;

static result run(int (*fn)(void)) {
  result r = {0, 0};
  struct rusage ru;
  int st;
  /* the previous phase's dirty pages written out first, untimed: their
   * writeback would otherwise take CPU from this phase (the floor after
   * the license file was written measured 7% slower than the one after
   * the import, which ends with an fsync) */
  sync();
  double t0 = now();
  pid_t pid = fork();
  if (pid == 0) _exit(fn());
  if (pid < 0 || wait4(pid, &st, 0, &ru) != pid || !WIFEXITED(st) || WEXITSTATUS(st)) {
    fprintf(stderr, "bench_restore: a phase failed\n");
    exit(1);
  }
  r.secs = now() - t0;
  r.maxrss_kb = ru.ru_maxrss;
  return r;
}

/* ---- the service, in a process of its own ---- */
static int svc_pipe[2];
static pid_t service(void) {
  if (pipe(svc_pipe) < 0) return -1;
  pid_t pid = fork();
  if (pid != 0) return pid;
  static lv__svc s;
  char db[4400], line[64];
  snprintf(db, sizeof db, "%s/service.db", dir);
  lv__svc_opts o = {.db = db, .key_dir = path[SVC], .listen = "127.0.0.1:0", .quiet = true};
  lv__http *h;
  uint16_t port = 0;
  if (lv__svc_init(&s, &o) || lv__http_start(&h, &s, &port)) _exit(1);
  snprintf(s.public_url, sizeof s.public_url, "http://127.0.0.1:%u", port);
  int n = snprintf(line, sizeof line, "%u\n", port);
  if (write(svc_pipe[1], line, (size_t)n) != n) _exit(1);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, NULL);
  int sig;
  sigwait(&set, &sig);
  lv__http_stop(h);
  lv__svc_fini(&s);
  _exit(0);
}

/* ---- phases ---- */

/* A computer (store st, binding mach) that trusts the issuer and pins the
 * service, holding n licenses issued to it (written to lic), imported. */
static int computer(int st, int mach, int lic, const char *id_name, unsigned long long n) {
  lv_store *s;
  lv_issuer *iss;
  lv_licfile_writer *w;
  lv_rights r;
  char pub[4400], key[4400], id[4400], spub[4400];
  snprintf(pub, sizeof pub, "%s/issuer.pub", path[ISS]);
  snprintf(key, sizeof key, "%s/issuer.key", path[ISS]);
  snprintf(id, sizeof id, "%s/%s", dir, id_name);
  snprintf(spub, sizeof spub, "%s/service.pub", path[SVC]);
  const char *trust[1] = {pub};
  lv_init_opts o = {url, spub, trust, 1};
  if (lv_store_create(&s, path[st], path[mach], &o) || lv_store_export_identity(s, id)) return 1;
  lv_rights_init(&r);
  r.flags |= LV_RIGHT_BACKUP_RESTORE;
  if (lv_issuer_open(&iss, key) || lv_licfile_create(&w, iss, id, path[lic])) return 1;
  for (unsigned long long i = 0; i < n; i++)
    if (lv_licfile_add(w, NULL, "Benchmark title", &r, NULL)) return 1;
  if (lv_licfile_commit(w) || lv_store_import(s, path[lic], NULL, NULL, NULL)) return 1;
  lv_issuer_free(iss);
  lv_store_free(s);
  return 0;
}

/* The issuer, and computer A with the N licenses to back up. */
static int phase_setup(void) {
  return lv_issuer_keygen(path[ISS], NULL) || computer(STORE_A, MACH_A, LIC, "a.id", n_lic);
}

/* Computer C, with N/4 licenses of its own (at least one). */
static int phase_setup_full(void) { return computer(STORE_C, MACH_C, LIC_C, "c.id", n_lic / 4 + 1); }

typedef struct waiter {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int ended;
  lv_status st;
  uint64_t done;
} waiter;

static void on_event(const lv_event *ev, void *ctx) {
  waiter *w = ctx;
  if (ev->type != LV_EV_END) return;
  pthread_mutex_lock(&w->mu);
  w->ended = 1;
  w->st = ev->status;
  w->done = ev->done;
  pthread_cond_signal(&w->cv);
  pthread_mutex_unlock(&w->mu);
}

/* restore: 0 backs A up, 1 restores onto B (new), 2 onto C (has licenses). */
static int operation(int restore) {
  lv_restorer *r;
  waiter w = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, LV_OK, 0};
  if (lv_restorer_create(&r)) return 1;
  static const int store[3] = {STORE_A, STORE_B, STORE_C}, mach[3] = {MACH_A, MACH_B, MACH_C};
  lv_restorer_set_prop(r, LV_PROP_STORE_PATH, path[store[restore]]);
  lv_restorer_set_prop(r, LV_PROP_MACHINE_PATH, path[mach[restore]]);
  lv_restorer_set_prop(r, restore ? LV_PROP_RESTORE_PATH : LV_PROP_BACKUP_PATH, path[USB]);
  lv_status rc = restore ? lv_restorer_restore(r, LV_RESTORE_INDIVIDUALIZE, on_event, &w)
                         : lv_restorer_backup(r, 0, on_event, &w);
  if (rc) {
    fprintf(stderr, "bench_restore: %s\n", lv_status_str(rc));
    return 1;
  }
  pthread_mutex_lock(&w.mu);
  while (!w.ended) pthread_cond_wait(&w.cv, &w.mu);
  pthread_mutex_unlock(&w.mu);
  lv_restorer_free(r);
  if (w.st != LV_OK || w.done != n_lic) {
    fprintf(stderr, "bench_restore: ended %s with %llu\n", lv_status_str(w.st),
            (unsigned long long)w.done);
    return 1;
  }
  return 0;
}
static int phase_backup(void) { return operation(0); }
static int phase_restore(void) { return operation(1); }
static int phase_restore_full(void) { return operation(2); }

static int phase_floor(void) { return bench_floor_run(n_lic); }

static bench_row rrow(const char *op, result r) {
  return bench_row_plain(op, (double)n_lic, "licenses", r.secs, (double)n_lic / r.secs,
                         "licenses/s", (double)r.maxrss_kb / 1024.0);
}

static void emit_rows(result fl, result rs, result rf, result bk) {
  bench_row b = rrow("restore floor: Ed25519 verify, all cores", fl);
  bench_row_emit(&b);
  b = rrow("restore via licvaultd onto a new computer", rs);
  bench_row_vs_time(&b, "restore floor", fl.secs);
  b.goal = "<= 1.25x, peak < 64 MiB";
  b.met = b.ratio <= GOAL_RATIO && b.peak_mib < GOAL_RSS_MIB;
  bench_row_emit(&b);
  b = rrow("restore onto a computer with N/4 licenses", rf);
  bench_row_vs_time(&b, "restore floor", fl.secs);
  bench_row_emit(&b);
  b = rrow("backup of the set to restore (reference)", bk);
  bench_row_emit(&b);
}

int main(int argc, char **argv) {
  if (argc > 1) n_lic = strtoull(argv[1], NULL, 10);
  snprintf(dir, sizeof dir, "%s/lvrestore.XXXXXX", argc > 2 ? argv[2] : "/tmp");
  if (!n_lic || !mkdtemp(dir)) return 2;
  static const char *const names[11] = {"a-store", "a.key", "b-store", "b.key", "svc", "iss",
                                        "usb",     "all.lic", "c-store", "c.key", "c.lic"};
  for (int i = 0; i < 11; i++) snprintf(path[i], sizeof path[i], "%s/%s", dir, names[i]);
  lv__keyfile k;
  if (lv__keyfile_generate(&k, LV__KEY_SERVICE) || lv__keyfile_save_pair(&k, path[SVC], "service"))
    return 1;
  lv__keyfile_wipe(&k);
  pid_t svc = service(); /* before any thread exists here */
  char line[64] = {0};
  if (svc < 0 || read(svc_pipe[0], line, sizeof line - 1) <= 0) return 1;
  snprintf(url, sizeof url, "http://127.0.0.1:%u", (unsigned)strtoul(line, NULL, 10));
  fprintf(stderr, "bench_restore: setting up %llu licenses (issue, import, backup)...\n", n_lic);
  run(phase_setup);
  result bk = run(phase_backup);
  bench_floor_prepare();
  /* the floor just before and just after the restore, and their mean:
   * this machine's speed drifts by 10-20% within minutes */
  result fl = run(phase_floor);
  result rs = run(phase_restore);
  result fl2 = run(phase_floor);
  fprintf(stderr, "bench_restore: floor before the restore %.2f s, after %.2f s; the mean is the baseline\n",
          fl.secs, fl2.secs);
  fl.secs = (fl.secs + fl2.secs) / 2;
  if (fl2.maxrss_kb > fl.maxrss_kb) fl.maxrss_kb = fl2.maxrss_kb;
  run(phase_setup_full);
  result rf = run(phase_restore_full);
  kill(svc, SIGTERM);
  waitpid(svc, NULL, 0);
  printf("| %-36s | %9s | %9s | %11s | %9s | %6s |\n", "operation", "licenses", "time", "rate",
         "peak RSS", "ratio");
  printf("|--------------------------------------|-----------|-----------|-------------|-----------|--------|\n");
  printf("| %-36s | %9llu | %7.2f s | %9.0f/s | %5.1f MiB | %6s |\n",
         "floor: Ed25519 verify (mean of 2)", n_lic, fl.secs, (double)n_lic / fl.secs,
         (double)fl.maxrss_kb / 1024, "-");
  printf("| %-36s | %9llu | %7.2f s | %9.0f/s | %5.1f MiB | %5.2fx |\n",
         "restore via licvaultd (new computer)", n_lic, rs.secs, (double)n_lic / rs.secs,
         (double)rs.maxrss_kb / 1024, rs.secs / fl.secs);
  printf("| %-36s | %9llu | %7.2f s | %9.0f/s | %5.1f MiB | %5.2fx |\n",
         "restore onto a computer with N/4", n_lic, rf.secs, (double)n_lic / rf.secs,
         (double)rf.maxrss_kb / 1024, rf.secs / fl.secs);
  printf("| %-36s | %9llu | %7.2f s | %9.0f/s | %5.1f MiB | %6s |\n", "(backup, for reference)",
         n_lic, bk.secs, (double)n_lic / bk.secs, (double)bk.maxrss_kb / 1024, "-");
  bool keep = getenv("LV_BENCH_KEEP") != NULL; /* to profile a restore of the same set again */
  printf("cores: %u; the service ran on the same machine; scratch %s (%s)\n",
         lv__par_threads(), dir, keep ? "kept: the set in usb/, the service's keys in svc/" : "removed");
  printf("goal (within %.2fx of the floor, peak < %d MiB): %s\n", GOAL_RATIO, GOAL_RSS_MIB,
         rs.secs / fl.secs <= GOAL_RATIO && rs.maxrss_kb < GOAL_RSS_MIB * 1024 ? "met" : "not met");
  emit_rows(fl, rs, rf, bk);
  if (keep) return 0;
  char cmd[4200];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  return system(cmd) != 0;
}
