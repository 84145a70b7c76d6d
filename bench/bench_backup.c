/* bench_backup.c - times a licvault backup of a store of N licenses (one fifth without the
 * backup right) against `sqlite3 .backup` and `restic backup` of its file on the same disk. */
#define _GNU_SOURCE
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_rows.h"
#include "crypto/keyfile.h"
#include "licvault/licvault.h"
#include "licvault/restorer.h"

/* Usage: bench_backup [N] [SCRATCH_DIR]  (default 1000000 /tmp; prints one table;
 * with LV_BENCH_ROWS, also its rows for bench/run.sh's table, see bench_rows.h)
 * LV_BENCH_KEEP=1 keeps the scratch folder; LV_BENCH_REUSE=DIR (a kept folder
 * of N licenses) skips the set-up and times LV_BENCH_ROUNDS (default 5)
 * interleaved pairs of licvault backup and sqlite3 .backup: for A/B work on
 * a machine whose speed drifts within minutes.
 * Set-up (issue and import, not timed) and every timed phase run in child
 * processes, so each phase's peak memory (maxrss from wait4) is its own. */

/* Goals (issue #3): licvault backup within 2x of `sqlite3 .backup`, within
 * 0.5x of restic, under 32 MiB of peak memory. */
#define GOAL_VS_SQLITE 2.0
#define GOAL_VS_RESTIC 0.5
#define GOAL_RSS_MIB 32

static unsigned long long n_lic = 1000000, n_ok, n_bad;
static char dir[4096], store[4200], mfile[4200], iss[4200], key[4300], pub[4300], idf[4200],
    svc_pub[4200], lic_ok[4200], lic_bad[4200], db[4300], set[4200], copy[4200], repo[4200],
    cache[4200];

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* ---- set-up (not timed) ---- */

static int issue(const char *path, unsigned long long n, int backup_right) {
  lv_issuer *is;
  lv_licfile_writer *w;
  lv_rights r;
  lv_rights_init(&r);
  if (backup_right) r.flags |= LV_RIGHT_BACKUP_RESTORE;
  if (lv_issuer_open(&is, key)) return 1;
  if (lv_licfile_create(&w, is, idf, path)) {
    lv_issuer_free(is);
    return 1;
  }
  for (unsigned long long i = 0; i < n; i++)
    if (lv_licfile_add(w, NULL, "Benchmark title", &r, NULL)) {
      lv_licfile_abort(w);
      lv_issuer_free(is);
      return 1;
    }
  int rc = lv_licfile_commit(w) != LV_OK;
  lv_issuer_free(is);
  return rc;
}

static int setup_issue(void) { return issue(lic_ok, n_ok, 1) || issue(lic_bad, n_bad, 0); }

static int import_one(lv_store *s, const char *path, unsigned long long n) {
  lv_import_result res;
  lv_status rc = lv_store_import(s, path, &res, NULL, NULL);
  if (rc != LV_OK || res.imported != n) {
    fprintf(stderr, "bench: import of %s: %s (%llu imported)\n", path, lv_status_str(rc),
            (unsigned long long)res.imported);
    return 1;
  }
  return 0;
}

static int setup_import(void) {
  lv_store *s;
  if (lv_store_open(&s, store, mfile)) return 1;
  int rc = import_one(s, lic_ok, n_ok) || (n_bad && import_one(s, lic_bad, n_bad));
  lv_store_free(s);
  return rc;
}

/* ---- a) licvault backup through the restorer object ---- */

typedef struct waiter {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int ended;
  lv_status status;
  uint64_t done, restricted;
} waiter;

static void on_event(const lv_event *ev, void *ctx) {
  waiter *w = ctx;
  if (ev->type != LV_EV_END) return;
  pthread_mutex_lock(&w->mu);
  w->ended = 1;
  w->status = ev->status;
  w->done = ev->done;
  w->restricted = ev->restricted;
  pthread_cond_signal(&w->cv);
  pthread_mutex_unlock(&w->mu);
}

static int phase_licvault(void) {
  lv_restorer *r;
  waiter w = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, LV_OK, 0, 0};
  lv_status rc = lv_restorer_create(&r);
  if (rc == LV_OK) rc = lv_restorer_set_prop(r, LV_PROP_STORE_PATH, store);
  if (rc == LV_OK) rc = lv_restorer_set_prop(r, LV_PROP_MACHINE_PATH, mfile);
  if (rc == LV_OK) rc = lv_restorer_set_prop(r, LV_PROP_BACKUP_PATH, set);
  if (rc == LV_OK) rc = lv_restorer_backup(r, 0, on_event, &w);
  if (rc != LV_OK) {
    fprintf(stderr, "bench: lv_restorer_backup: %s\n", lv_status_str(rc));
    return 1;
  }
  pthread_mutex_lock(&w.mu);
  while (!w.ended) pthread_cond_wait(&w.cv, &w.mu);
  pthread_mutex_unlock(&w.mu);
  lv_restorer_free(r);
  if (w.status != LV_OK || w.done != n_ok || w.restricted != n_bad) {
    fprintf(stderr, "bench: backup ended with %s, %llu written, %llu restricted\n",
            lv_status_str(w.status), (unsigned long long)w.done,
            (unsigned long long)w.restricted);
    return 1;
  }
  return 0;
}

/* ---- b), c) the baselines: the tool, then sync ---- */

/* Runs argv (searched in PATH) and waits: 0 when it exits with 0. */
static int exec_wait(char *const argv[]) {
  int st;
  pid_t pid = fork();
  if (pid == 0) {
    execvp(argv[0], argv);
    _exit(127);
  }
  return pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0;
}

static char dot_backup[4300];

static int phase_sqlite(void) {
  char *argv[] = {"sqlite3", db, dot_backup, NULL};
  if (exec_wait(argv)) return 1;
  sync();
  return 0;
}

static int phase_restic(void) {
  char *argv[] = {"restic", "-q", "-r", repo, "backup", db, NULL};
  if (exec_wait(argv)) return 1;
  sync();
  return 0;
}

static int restic_init(void) {
  char *argv[] = {"restic", "init", "-q", "-r", repo, NULL};
  return exec_wait(argv);
}

static int have_tool(const char *name) {
  const char *p = getenv("PATH");
  char cand[4200];
  while (p && *p) {
    const char *end = strchr(p, ':');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    snprintf(cand, sizeof cand, "%.*s/%s", (int)len, p, name);
    if (len && access(cand, X_OK) == 0) return 1;
    p = end ? end + 1 : NULL;
  }
  return 0;
}

/* ---- measuring ---- */

typedef struct result {
  double secs;
  long maxrss_kb;
  double cpu; /* user + system seconds */
} result;

static result run(int (*fn)(void), const char *what) {
  result r = {0, 0, 0};
  struct rusage ru;
  int st;
  double t0 = now();
  pid_t pid = fork();
  if (pid == 0) _exit(fn());
  if (pid < 0 || wait4(pid, &st, 0, &ru) != pid || !WIFEXITED(st) || WEXITSTATUS(st)) {
    fprintf(stderr, "bench: %s failed\n", what);
    exit(1);
  }
  r.secs = now() - t0;
  r.maxrss_kb = ru.ru_maxrss;
  r.cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
          (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
  return r;
}

static unsigned long long tree_bytes;
static int add_size(const char *path, const struct stat *sb, int type, struct FTW *f) {
  (void)path;
  (void)f;
  if (type == FTW_F) tree_bytes += (unsigned long long)sb->st_size;
  return 0;
}
static unsigned long long size_of(const char *path) {
  tree_bytes = 0;
  if (nftw(path, add_size, 16, FTW_PHYS)) return 0;
  return tree_bytes;
}

static int remove_one(const char *path, const struct stat *sb, int type, struct FTW *f) {
  (void)sb;
  (void)type;
  (void)f;
  return remove(path);
}

static double mib(unsigned long long b) { return (double)b / (1024.0 * 1024.0); }

static void row(const char *op, result r) {
  printf("| %-39s | %9llu | %8.2f s | %10.0f /s | %7.1f MiB |\n", op, n_lic, r.secs,
         (double)n_lic / r.secs, (double)r.maxrss_kb / 1024.0);
}

static void ratio(const char *what, double x, double goal, const char *goal_text) {
  printf("- %s: %.2fx (goal: %s; %s)\n", what, x, goal_text, x <= goal ? "met" : "NOT met");
}

static bench_row brow(const char *op, result r) {
  return bench_row_plain(op, (double)n_lic, "licenses", r.secs, (double)n_lic / r.secs,
                         "licenses/s", (double)r.maxrss_kb / 1024.0);
}

/* The rows for bench/run.sh: the two baselines, then licvault's backup once
 * against each (the memory goal on the first). restic: NULL when missing. */
static void emit_rows(result lv, result sq, const result *rs) {
  bench_row b = brow("sqlite3 .backup of store.db + sync", sq);
  bench_row_emit(&b);
  if (rs) {
    b = brow("restic backup of store.db + sync", *rs);
    bench_row_emit(&b);
  }
  double mem = (double)lv.maxrss_kb / 1024.0;
  b = brow("licvault backup (restorer API, fsync'd)", lv);
  bench_row_vs_time(&b, "sqlite3 .backup", sq.secs);
  b.goal = "<= 2x, peak < 32 MiB";
  b.met = b.ratio <= GOAL_VS_SQLITE && mem < GOAL_RSS_MIB;
  bench_row_emit(&b);
  b = brow("licvault backup (restorer API, fsync'd)", lv);
  b.base = rs ? "restic backup" : "restic (not installed)";
  b.base_value = rs ? rs->secs : 0;
  b.base_unit = "s";
  b.ratio = rs ? lv.secs / rs->secs : -1;
  b.goal = "<= 0.5x";
  b.met = rs ? b.ratio <= GOAL_VS_RESTIC : -1;
  bench_row_emit(&b);
}

/* LV_BENCH_REUSE: pairs of the two timed phases over a kept store. */
static int rounds(void) {
  const char *e = getenv("LV_BENCH_ROUNDS");
  int k = e ? atoi(e) : 5;
  if (k < 1) {
    fprintf(stderr, "bench_backup: LV_BENCH_ROUNDS must be a number of rounds, 1 or more\n");
    return 2;
  }
  double sum_lv = 0, sum_sq = 0;
  for (int i = 0; i < k; i++) {
    result lv, sq;
    nftw(set, remove_one, 16, FTW_DEPTH | FTW_PHYS);
    remove(copy);
    /* each goes first every other round: the one after reads a store the
     * one before has just brought into the page cache */
    sync();
    if (i % 2 == 0) lv = run(phase_licvault, "licvault backup");
    else sq = run(phase_sqlite, "sqlite3 .backup");
    sync();
    if (i % 2 == 0) sq = run(phase_sqlite, "sqlite3 .backup");
    else lv = run(phase_licvault, "licvault backup");
    sum_lv += lv.secs;
    sum_sq += sq.secs;
    printf("round %d: licvault %.3f s (%.2f CPU-s, %.1f MiB), .backup %.3f s, ratio %.2fx\n",
           i + 1, lv.secs, lv.cpu, (double)lv.maxrss_kb / 1024.0, sq.secs, lv.secs / sq.secs);
  }
  printf("mean: licvault %.3f s, .backup %.3f s, ratio of means %.2fx\n", sum_lv / k, sum_sq / k,
         sum_lv / sum_sq);
  return 0;
}

int main(int argc, char **argv) {
  if (argc > 1) n_lic = strtoull(argv[1], NULL, 10);
  const char *base = argc > 2 ? argv[2] : "/tmp";
  const char *reuse = getenv("LV_BENCH_REUSE");
  if (reuse) snprintf(dir, sizeof dir, "%s", reuse);
  else snprintf(dir, sizeof dir, "%s/lvbench.XXXXXX", base);
  if (!n_lic || (!reuse && !mkdtemp(dir))) return 2;
  n_bad = n_lic / 5;
  n_ok = n_lic - n_bad;
  snprintf(store, sizeof store, "%s/store", dir);
  snprintf(db, sizeof db, "%s/store.db", store);
  snprintf(mfile, sizeof mfile, "%s/machine.key", dir);
  snprintf(iss, sizeof iss, "%s/iss", dir);
  snprintf(key, sizeof key, "%s/issuer.key", iss);
  snprintf(pub, sizeof pub, "%s/issuer.pub", iss);
  snprintf(svc_pub, sizeof svc_pub, "%s/service.pub", dir);
  snprintf(idf, sizeof idf, "%s/me.id", dir);
  snprintf(lic_ok, sizeof lic_ok, "%s/backup.lic", dir);
  snprintf(lic_bad, sizeof lic_bad, "%s/nobackup.lic", dir);
  snprintf(set, sizeof set, "%s/set", dir);
  snprintf(copy, sizeof copy, "%s/copy.db", dir);
  snprintf(dot_backup, sizeof dot_backup, ".backup \"%s\"", copy);
  snprintf(repo, sizeof repo, "%s/restic-repo", dir);
  snprintf(cache, sizeof cache, "%s/restic-cache", dir);

  if (reuse) return rounds();

  /* set-up: keys, the store, its licenses */
  lv__keyfile k;
  lv_store *s;
  const char *trust[1] = {pub};
  lv_init_opts o = {"http://127.0.0.1:9", svc_pub, trust, 1};
  if (lv__keyfile_generate(&k, LV__KEY_SERVICE) || lv__keyfile_save_pair(&k, dir, "service"))
    return 1;
  lv__keyfile_wipe(&k);
  if (lv_issuer_keygen(iss, NULL) || lv_store_create(&s, store, mfile, &o) ||
      lv_store_export_identity(s, idf))
    return 1;
  lv_store_free(s);
  result su_issue = run(setup_issue, "set-up: issue");
  result su_import = run(setup_import, "set-up: import");
  remove(lic_ok);
  remove(lic_bad);

  int restic = have_tool("restic");
  if (restic) {
    setenv("RESTIC_PASSWORD", "licvault-bench", 1);
    setenv("RESTIC_CACHE_DIR", cache, 1);
    run(restic_init, "restic init");
  }

  /* the timed phases, each after a sync that is not timed */
  sync();
  result lv = run(phase_licvault, "licvault backup");
  sync();
  result sq = run(phase_sqlite, "sqlite3 .backup");
  result rs = {0, 0, 0};
  if (restic) {
    sync();
    rs = run(phase_restic, "restic backup");
  }

  printf("| %-39s | %9s | %10s | %12s | %11s |\n", "operation", "licenses", "time", "rate",
         "peak RSS");
  printf("|%s|%s|%s|%s|%s|\n", "-----------------------------------------", "-----------",
         "------------", "--------------", "-------------");
  row("licvault backup (restorer API, fsynced)", lv);
  row("sqlite3 STORE/store.db .backup + sync", sq);
  if (restic)
    row("restic backup STORE/store.db + sync", rs);
  else
    printf("| %-39s | %9llu | %10s | %12s | %11s |\n", "restic: not installed", n_lic, "-", "-",
           "-");
  printf("\nlicenses: %llu in the store, %llu with the backup right (in the set), %llu "
         "restricted; rate = store licenses / time\n",
         n_lic, n_ok, n_bad);
  printf("peak RSS: for the baselines, wait4 reports the largest process of the child's tree "
         "(the tool itself, not a sum)\n");
  ratio("licvault backup / sqlite .backup", lv.secs / sq.secs, GOAL_VS_SQLITE, "<= 2x");
  if (restic)
    ratio("licvault backup / restic", lv.secs / rs.secs, GOAL_VS_RESTIC, "<= 0.5x");
  else
    printf("- licvault backup / restic: n/a (restic: not installed)\n");
  printf("- licvault backup peak RSS: %.1f MiB (goal: < 32 MiB; %s)\n",
         (double)lv.maxrss_kb / 1024.0, lv.maxrss_kb < GOAL_RSS_MIB * 1024 ? "met" : "NOT met");
  unsigned long long set_b = size_of(set), db_b = size_of(db), copy_b = size_of(copy);
  printf("- sizes: set %.1f MiB vs store.db %.1f MiB (%.2fx); sqlite copy %.1f MiB", mib(set_b),
         mib(db_b), db_b ? (double)set_b / (double)db_b : 0.0, mib(copy_b));
  if (restic) printf("; restic repo %.1f MiB", mib(size_of(repo)));
  printf("\n");
  printf("set-up (not timed): issue %.1f s, import %.1f s (%.1f MiB); scratch: %s\n",
         su_issue.secs, su_import.secs, (double)su_import.maxrss_kb / 1024.0, dir);
  emit_rows(lv, sq, restic ? &rs : NULL);
  if (getenv("LV_BENCH_KEEP")) { /* for profiling the same store again */
    fprintf(stderr, "kept: %s\n", dir);
    return 0;
  }
  return nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS) != 0;
}
