/* test_service_faults.c - licvaultd when things fail: no service at all, a
 * disk that refuses writes, and the grant path under every injected failure. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client/client.h"
#include "core/file.h"
#include "core/timeutil.h"
#include "invariants.h"
#include "svc_fixture.h"
#include "torture.h"

static void service_down_is_unavailable(void **state) {
  (void)state;
  comp a;
  uint8_t spk[LV__SIGN_PK];
  lv__client *cl;
  lv__buf body, ans;
  char url[64];
  struct sockaddr_in sa;
  socklen_t sl = sizeof sa;
  struct timespec t0, t1;
  comp_new(&a);
  lv__random(spk, sizeof spk);
  /* a port that is bound but not listening: connections are refused, and
   * nobody else can take it meanwhile */
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  assert_true(fd >= 0);
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
  assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
  snprintf(url, sizeof url, "http://127.0.0.1:%u", (unsigned)ntohs(sa.sin_port));
  lv__buf_init(&body, 64);
  lv__buf_init(&ans, LV__BODY_MAX);
  assert_int_equal(lv__buf_put(&body, "{}", 2), LV_OK);

  assert_int_equal(lv__client_new(&cl, url, spk, a.sign_sk, NULL), LV_OK);
  clock_gettime(CLOCK_MONOTONIC, &t0);
  assert_int_equal(lv__client_post(cl, LV__PATH_RESTORE, &body, &ans, NULL), LV_E_SERVICE_UNAVAILABLE);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  lv__client_free(cl);
  double took = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  assert_true(took > 0.5); /* it paused and retried */
  assert_true(took < 15.0);
  /* a canceled restore stops retrying at once */
  atomic_int cancel = 1;
  assert_int_equal(lv__client_new(&cl, url, spk, a.sign_sk, &cancel), LV_OK);
  clock_gettime(CLOCK_MONOTONIC, &t0);
  assert_int_equal(lv__client_post(cl, LV__PATH_RESTORE, &body, &ans, NULL), LV_E_CANCELED);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  lv__client_free(cl);
  took = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  assert_true(took < 2.0);
  close(fd);
  lv__buf_free(&body);
  lv__buf_free(&ans);
}

static void storage_failure_is_503_and_changes_nothing(void **state) {
  svc_fx *f = *state;
  if (pg_url()) {
    /* SQLite-specific: the failure is a local file-size limit, which a
     * PostgreSQL server does not feel. PostgreSQL's failures (the server
     * restarted mid-load) are tests/service/pg_restart.sh's. */
    skip();
  }
  fx_start(f, "svc-storage", 3, 0, T0);
  comp x, a, b, c;
  set s;
  lv__item L[1];
  got g;
  req qb, qc;
  resp rb, rc;
  comp_new(&x), comp_new(&a), comp_new(&b), comp_new(&c);
  set_new(&s, f->key.box_pk);
  lic_new(&L[0], x.who.machine_id, "Durable");
  resp_init(&rb), resp_init(&rc);
  fx_restore(f, &a, &s, L, 1, false, &g);
  fx_expect(&g, 0, LV__OUT_RESTORE, 1);
  fx_restore(f, &b, &s, L, 1, true, &g); /* B is known (pinned); C is not */
  fx_expect(&g, 0, LV__OUT_RESTORE, 0);
  req_restore(&qb, &b, &s, L, 1, false, T0, NULL);
  req_restore(&qc, &c, &s, L, 1, false, T0, NULL);
  lv__svc_stats before = stats_of(f);

  /* The disk refuses every write: RLIMIT_FSIZE of 1 byte fails any write at
   * an offset past it with EFBIG, for root too (chmod would not stop root).
   * It is process-wide, so nothing is asserted (printed) until it is lifted. */
  struct rlimit old, tiny;
  struct sigaction ign, old_sa;
  assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
  memset(&ign, 0, sizeof ign);
  ign.sa_handler = SIG_IGN;
  assert_int_equal(sigaction(SIGXFSZ, &ign, &old_sa), 0);
  tiny = old;
  tiny.rlim_cur = 1;
  char *probe = tu_path(f->dir, "probe");
  assert_non_null(probe);
  int pfd = open(probe, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  assert_true(pfd >= 0);
  int lim = setrlimit(RLIMIT_FSIZE, &tiny);
  ssize_t pw = lim == 0 ? write(pfd, "xy", 2) : -1;
  pw = lim == 0 && pw == 1 ? write(pfd, "y", 1) : pw;
  int perr = errno;
  int took = lim == 0 && pw < 0 && perr == EFBIG;
  int e1 = -1, e2 = -1;
  lv_status crc = LV_OK;
  lv__svc_stats during = {0};
  lv_status src = LV_E_INTERNAL;
  if (took) {
    e1 = http_do(NULL, f->base, "POST", LV__PATH_RESTORE, qb.body.data, qb.body.len, qb.sig, &rb);
    e2 = http_do(NULL, f->base, "POST", LV__PATH_RESTORE, qc.body.data, qc.body.len, qc.sig, &rc);
    lv__client *cl;
    lv__buf ans;
    lv__buf_init(&ans, LV__BODY_MAX);
    crc = lv__client_new(&cl, f->base, f->key.sign_pk, b.sign_sk, NULL);
    if (crc == LV_OK) {
      crc = lv__client_post(cl, LV__PATH_RESTORE, &qb.body, &ans, NULL);
      lv__client_free(cl);
    }
    lv__buf_free(&ans);
    src = f->svc.db->ops->stats(f->svc.db, &during);
  }
  if (lim == 0) assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
  assert_int_equal(sigaction(SIGXFSZ, &old_sa, NULL), 0);
  close(pfd);
  free(probe);
  if (!took) {
    /* no reliable way to make the disk refuse writes here: not faked */
    print_message("RLIMIT_FSIZE not enforced (setrlimit %d, write %zd, errno %d)\n", lim, pw, perr);
    req_free(&qb), req_free(&qc), resp_free(&rb), resp_free(&rc);
    skip();
  }

  assert_int_equal(e1, 0);
  assert_int_equal(e2, 0);
  assert_error(f, &rb, 503, LV_E_SERVICE_UNAVAILABLE, qb.hash); /* the grant's commit failed */
  assert_error(f, &rc, 503, LV_E_SERVICE_UNAVAILABLE, qc.hash); /* C's pinning failed */
  assert_int_equal(crc, LV_E_SERVICE_UNAVAILABLE);              /* after the client's retries */
  assert_int_equal(src, LV_OK); /* reading still works */
  assert_int_equal(during.grants, before.grants);
  assert_int_equal(during.answers, before.answers);
  assert_int_equal(during.machines, before.machines);

  /* the disk back: the very same request converges, charged once */
  post_req(f, LV__PATH_RESTORE, &qb, &rb);
  assert_int_equal(rb.status, 200);
  check_restore(f, &b, &s, L, 1, false, qb.hash, &rb.body, &g);
  fx_expect(&g, 0, LV__OUT_RESTORE, 0); /* not "already": the failure recorded nothing */
  post_req(f, LV__PATH_RESTORE, &qc, &rc);
  assert_int_equal(rc.status, 200);
  check_restore(f, &c, &s, L, 1, false, qc.hash, &rc.body, &g);
  fx_expect(&g, 0, LV__OUT_LIMIT, 0);
  lv__svc_stats after = stats_of(f);
  assert_int_equal(after.grants, before.grants + 1);
  assert_int_equal(after.answers, before.answers + 2);
  assert_int_equal(after.machines, before.machines + 1);
  req_free(&qb), req_free(&qc), resp_free(&rb), resp_free(&rc);
}

/* Grants in the database file itself, without its WAL: what a checkpoint
 * put there. The file is copied, so SQLite does not see the live WAL. */
static int64_t grants_in_main_file(const svc_fx *f) {
  char *copy = tu_path(f->dir, "main-only.db");
  uint8_t *data = NULL;
  size_t n = 0;
  assert_int_equal(lv__file_read_all(f->db, (size_t)1 << 30, &data, &n), LV_OK);
  assert_int_equal(lv__file_write_atomic(copy, data, n, 0600), LV_OK);
  free(data);
  sqlite3 *db;
  sqlite3_stmt *st;
  int64_t c = -1;
  assert_int_equal(sqlite3_open_v2(copy, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  /* no table at all: the schema itself is still in the WAL */
  if (sqlite3_prepare_v2(db, "SELECT count(*) FROM grants", -1, &st, NULL) != SQLITE_OK) c = 0;
  else if (sqlite3_step(st) == SQLITE_ROW) c = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  unlink(copy);
  free(copy);
  return c;
}

/* SQLite commits without a sync; the answer waits for the syncer's
 * fdatasync of the WAL. When that fails, the grant is committed but not
 * known durable: the answer is 503, and nothing more is answered until a
 * checkpoint has written every committed page into the database file and
 * synced it; then the retry gets the decision that was recorded. */
static void an_answer_waits_for_its_wal_sync(void **state) {
  svc_fx *f = *state;
  if (pg_url()) skip(); /* the WAL and its syncer are SQLite's */
  fx_start(f, "svc-walsync", 3, 0, T0);
  comp x, a, b;
  set s;
  lv__item L[2];
  got g;
  req qa;
  resp ra;
  comp_new(&x), comp_new(&a), comp_new(&b);
  set_new(&s, f->key.box_pk);
  lic_new(&L[0], x.who.machine_id, "Synced");
  lic_new(&L[1], x.who.machine_id, "Unsynced");
  resp_init(&ra);

  lv__fault_arm(LV_FAULT_FSYNC, 0, 0); /* counts the syncs only */
  fx_restore(f, &a, &s, &L[0], 1, false, &g);
  fx_expect(&g, 0, LV__OUT_RESTORE, 1);
  /* the answer came after one sync, the syncer's: SQLite's commit syncs
   * nothing (synchronous=NORMAL), and a WAL this small is not checkpointed,
   * so the fault armed next is the syncer's too */
  assert_int_equal(lv__fault_calls(LV_FAULT_FSYNC), 1);
  assert_int_equal(grants_in_main_file(f), 0);      /* in the WAL only: no checkpoint yet */
  lv__svc_stats before = stats_of(f);

  /* the next sync fails: the grant is committed, its answer is not sent */
  req_restore(&qa, &a, &s, &L[1], 1, false, T0, NULL);
  lv__fault_arm(LV_FAULT_FSYNC, 1, EIO);
  post_req(f, LV__PATH_RESTORE, &qa, &ra);
  lv__fault_arm(LV_FAULT_FSYNC, 0, 0);
  assert_error(f, &ra, 503, LV_E_SERVICE_UNAVAILABLE, qa.hash);
  assert_int_equal(stats_of(f).grants, before.grants + 1); /* recorded, not answered */
  /* the next group first checkpoints: both grants are in the file now */
  fx_restore(f, &b, &s, &L[0], 1, false, &g);
  fx_expect(&g, 0, LV__OUT_RESTORE, 0);
  assert_int_equal(grants_in_main_file(f), before.grants + 1);
  /* the same request again: the recorded decision, charged once */
  post_req(f, LV__PATH_RESTORE, &qa, &ra);
  assert_int_equal(ra.status, 200);
  check_restore(f, &a, &s, &L[1], 1, false, qa.hash, &ra.body, &g);
  fx_expect(&g, 0, LV__OUT_RESTORE, 1);
  assert_int_equal(stats_of(f).grants, before.grants + 2);

  /* a checkpoint that fails too: still nothing answered, until one works */
  req_free(&qa);
  req_restore(&qa, &b, &s, &L[1], 1, false, T0, NULL);
  lv__fault_arm_sticky(LV_FAULT_FSYNC, 1, EIO);
  post_req(f, LV__PATH_RESTORE, &qa, &ra);
  assert_error(f, &ra, 503, LV_E_SERVICE_UNAVAILABLE, qa.hash);
  post_req(f, LV__PATH_RESTORE, &qa, &ra);
  assert_error(f, &ra, 503, LV_E_SERVICE_UNAVAILABLE, qa.hash);
  lv__fault_arm(LV_FAULT_FSYNC, 0, 0);
  post_req(f, LV__PATH_RESTORE, &qa, &ra);
  assert_int_equal(ra.status, 200);
  check_restore(f, &b, &s, &L[1], 1, false, qa.hash, &ra.body, &g);
  fx_expect(&g, 0, LV__OUT_RESTORE, 0);
  assert_int_equal(stats_of(f).grants, before.grants + 3);
  req_free(&qa), resp_free(&ra);
}

/* The WAL synced is the one SQLite uses: a database reached through a
 * symlink has it beside the file the link names, not beside the link. */
static void a_database_behind_a_symlink_is_synced_where_it_is(void **state) {
  (void)state;
  if (pg_url()) skip();
  char *dir = tu_tmpdir("svc-symlink");
  char *real = tu_path(dir, "real.db"), *link = tu_path(dir, "link.db");
  assert_int_equal(symlink(real, link), 0);
  lv__svc_db *db;
  uint8_t id[LV__MACHINE_ID], pk[LV__SIGN_PK];
  lv__random(id, sizeof id);
  lv__random(pk, sizeof pk);
  assert_int_equal(lv__svc_db_open(&db, link), LV_OK);
  lv__fault_arm(LV_FAULT_FSYNC, 0, 0);
  assert_int_equal(db->ops->pin_machine(db, id, pk, T0), LV_OK);
  assert_int_equal(lv__fault_calls(LV_FAULT_FSYNC), 1);
  assert_int_equal(db->ops->pin_machine(db, id, pk, T0), LV_OK); /* known: the same key */
  db->ops->close(db);
  assert_int_equal(lv__svc_db_open(&db, real), LV_OK); /* the pin is in the real file */
  lv__random(pk, sizeof pk);
  assert_int_equal(db->ops->pin_machine(db, id, pk, T0), LV_E_ACCESS);
  db->ops->close(db);
  tu_rm_dir(dir);
  free(real), free(link), free(dir);
}

/* ---- the grant path under every failure (issue #7) ---- */

typedef struct grant_run {
  svc_fx *f;
  comp o, b, c; /* the original computer, the restorer, a third one */
  set s;
  lv__item items[8];
  req q;            /* B's request of this run (retries reuse it) */
  lv__buf first;    /* the answer B got, when it got one */
  lv__svc_stats st0;
  unsigned long k_seen;
} grant_run;

static lv_status post_restore(const svc_fx *f, const comp *c, const req *q, lv__buf *ans) {
  lv__client *cl;
  char msg[256] = "";
  lv_status rc = lv__client_new(&cl, f->base, f->key.sign_pk, c->sign_sk, NULL);
  if (rc != LV_OK) return rc;
  ans->len = 0;
  rc = lv__client_post(cl, LV__PATH_RESTORE, &q->body, ans, msg);
  lv__client_free(cl);
  return rc;
}

/* Every run: 8 new licenses of computer O, that B restores (limit 2: O and
 * B), so each run takes the same path through the grant code. */
static void grant_reset(void *ctx) {
  grant_run *g = ctx;
  for (size_t i = 0; i < 8; i++) lic_new(&g->items[i], g->o.who.machine_id, "T");
  req_free(&g->q);
  req_restore(&g->q, &g->b, &g->s, g->items, 8, false, lv__time_now(), NULL);
  g->st0 = stats_of(g->f);
}

static lv_status grant_run_once(void *ctx) {
  grant_run *g = ctx;
  return post_restore(g->f, &g->b, &g->q, &g->first);
}

static void grant_check(void *ctx, lv_status rc, lv__fault_point p, unsigned long k) {
  grant_run *g = ctx;
  got out;
  /* a failure is a clear refusal of the whole request, never a crash or
   * a half answer */
  if (rc != LV_OK && rc != LV_E_SERVICE_UNAVAILABLE && rc != LV_E_NOMEM)
    fail_msg("%s #%lu: the client got %s", tt_point_name(p), k, lv_status_name(rc));
  lv__svc_stats st = stats_of(g->f);
  if (rc == LV_OK) {
    /* answered: durably recorded, every one */
    check_restore(g->f, &g->b, &g->s, g->items, 8, false, g->q.hash, &g->first, &out);
    fx_expect_all(&out, LV__OUT_RESTORE, 0);
    assert_int_equal(st.grants, g->st0.grants + 8);
  } else {
    /* refused: either nothing was recorded, or the decision was (then the
     * retry gets exactly that answer back) */
    assert_true(st.grants == g->st0.grants || st.grants == g->st0.grants + 8);
  }
  /* the same request again: the same decision, charged once */
  lv__buf again;
  lv__buf_init(&again, LV__BODY_MAX);
  lv_status rc2 = post_restore(g->f, &g->b, &g->q, &again);
  if (rc2 != LV_OK)
    fail_msg("%s #%lu: the retry failed: %s", tt_point_name(p), k, lv_status_name(rc2));
  check_restore(g->f, &g->b, &g->s, g->items, 8, false, g->q.hash, &again, &out);
  fx_expect_all(&out, LV__OUT_RESTORE, 0);
  if (rc == LV_OK) {
    assert_int_equal(again.len, g->first.len);
    assert_memory_equal(again.data, g->first.data, again.len);
  }
  lv__buf_free(&again);
  st = stats_of(g->f);
  assert_int_equal(st.grants, g->st0.grants + 8);
  /* and the limit holds: a third computer is refused every license */
  got third;
  fx_restore(g->f, &g->c, &g->s, g->items, 8, false, &third);
  fx_expect_all(&third, LV__OUT_LIMIT, 0);
  assert_int_equal(stats_of(g->f).grants, g->st0.grants + 8);
  char why[INV_WHY];
  if (!pg_url() && !inv_service_limits(g->f->db, 2, NULL, why)) fail_msg("%s", why);
  g->k_seen++;
}

static void grant_path_under_every_failure(void **state) {
  svc_fx *f = *state;
  fx_start(f, "grant-torture", 2, 0, 1800000000);
  grant_run g;
  memset(&g, 0, sizeof g);
  g.f = f;
  comp_new(&g.o), comp_new(&g.b), comp_new(&g.c);
  set_new(&g.s, f->key.box_pk);
  lv__buf_init(&g.first, LV__BODY_MAX);
  /* B and C are known to the service before the torture (first sight pins
   * their keys: a path of its own, tested elsewhere) */
  grant_reset(&g);
  got warm;
  fx_restore(f, &g.b, &g.s, g.items, 1, true, &warm);
  fx_restore(f, &g.c, &g.s, g.items, 1, true, &warm);
  tt_op op = {"service grant", grant_reset, grant_run_once, grant_check, &g};
  /* the service's points: its database's writes and syncs, allocations */
  static const tt_point pts[] = {{LV_FAULT_WRITE, ENOSPC, false}, {LV_FAULT_WRITE, ENOSPC, true},
                                 {LV_FAULT_WRITE, EIO, false},    {LV_FAULT_FSYNC, EIO, false},
                                 {LV_FAULT_FSYNC, EIO, true},     {LV_FAULT_ALLOC, ENOMEM, false}};
  tt_torture(&op, pts, sizeof pts / sizeof pts[0]);
  assert_true(g.k_seen > 0);
  req_free(&g.q);
  lv__buf_free(&g.first);
}

int main(void) {
  if (lv__crypto_init() < 0) return 1;
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return 1;
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
  const struct CMUnitTest tests[] = {
      T(service_down_is_unavailable),
      T(storage_failure_is_503_and_changes_nothing),
      T(an_answer_waits_for_its_wal_sync),
      T(a_database_behind_a_symlink_is_synced_where_it_is),
      T(grant_path_under_every_failure),
  };
#undef T
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  curl_global_cleanup();
  return rc;
}
