/* bench_service.c - licvaultd's /v1/restore rate and latency over keep-alive HTTP (one fsync'd
 * grant per request) beside a bare libmicrohttpd server doing the same signatures, in one run.
 * With LV_BENCH_ROWS, also its rows for bench/run.sh's table (bench_rows.h). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <curl/curl.h>
#include <libpq-fe.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "bench_rows.h"
#include "core/encoding.h"
#include "core/parallel.h"
#include "core/timeutil.h"
#include "crypto/crypto.h"
#include "crypto/keyfile.h"
#include "license/lock.h"
#include "proto/proto.h"
#include "service/svc.h"

#define RATE_MAX 30000   /* requests per second the pre-generated set covers */
#define SECONDS_MAX 200  /* a request must reach the service within LV__SKEW of its time */
#define CONN_MAX 1024
#define RESP_MAX 8192
/* Goal (issue #4): licvaultd on SQLite >= 0.5x the bare server, p99 < 10 ms. */
#define GOAL_RATIO 0.5
#define GOAL_P99_MS 10.0

static unsigned secs = 10, nconn = 64;

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* ---- requests, all signed before any timing ---- */

typedef struct wire {
  char *body;
  size_t n;
  char hdr[sizeof LV__SIG_HEADER + 2 + 89]; /* "X-Licvault-Signature: <b64>" */
} wire;

typedef struct computer {
  uint8_t id[LV__MACHINE_ID], sign_pk[LV__SIGN_PK], sign_sk[LV__SIGN_SK], box_pk[LV__BOX_PK];
} computer;

typedef struct gen {
  wire *w;
  const computer *comp; /* NULL: each request from a computer of its own */
  size_t ncomp;         /* else request i is computer i % ncomp's */
  const lv__lic_ref *lic; /* request i asks for lic[i / 3] */
  uint8_t sealed[LV__SEALED_SECRET];
  atomic_int bad;
} gen;

/* Request i: from computer i % ncomp of g->comp, or (no list) from a
 * computer of its own (fresh keys, random id); a fresh request id, the
 * current time, one license; signed as the client signs. */
static void gen_one(void *ctx, size_t i) {
  gen *g = ctx;
  lv__restore_req q;
  lv__item it;
  lv__buf b;
  uint8_t ssk[LV__SIGN_SK], bsk[LV__BOX_SK];
  char sig[89];
  memset(&q, 0, sizeof q);
  memset(&it, 0, sizeof it);
  lv__random(q.h.rid, LV__RID);
  q.h.time = lv__time_now();
  if (g->comp) {
    const computer *c = &g->comp[i % g->ncomp];
    memcpy(q.h.who.machine_id, c->id, LV__MACHINE_ID);
    memcpy(q.h.who.sign_pk, c->sign_pk, LV__SIGN_PK);
    memcpy(q.h.who.box_pk, c->box_pk, LV__BOX_PK);
    memcpy(ssk, c->sign_sk, LV__SIGN_SK);
  } else {
    lv__random(q.h.who.machine_id, LV__MACHINE_ID);
    if (lv__sign_keypair(q.h.who.sign_pk, ssk) < 0 || lv__box_keypair(q.h.who.box_pk, bsk) < 0) {
      atomic_store(&g->bad, 1);
      return;
    }
  }
  lv__buf_init(&b, 1u << 16);
  memcpy(q.sealed_secret, g->sealed, LV__SEALED_SECRET);
  it.ref = g->lic[i / 3];
  q.items = &it;
  q.n = 1;
  if (lv__restore_req_format(&b, &q) < 0) {
    atomic_store(&g->bad, 1);
    lv__buf_free(&b);
  } else {
    lv__proto_sign_request(sig, LV__PATH_RESTORE, b.data, b.len, ssk);
    snprintf(g->w[i].hdr, sizeof g->w[i].hdr, "%s: %s", LV__SIG_HEADER, sig);
    g->w[i].body = (char *)b.data; /* the wire owns it now */
    g->w[i].n = b.len;
  }
  lv__memzero(ssk, sizeof ssk);
  lv__memzero(bsk, sizeof bsk);
}

/* ---- the baseline: libmicrohttpd and the signatures, nothing else ---- */

typedef struct breq {
  size_t n;
  bool over;
  uint8_t body[4096];
} breq;

static uint8_t base_client_pk[LV__SIGN_PK], base_srv_pk[LV__SIGN_PK], base_srv_sk[LV__SIGN_SK];
static char base_answer[1024];
static size_t base_answer_len;

static enum MHD_Result base_on_request(void *cls, struct MHD_Connection *c, const char *url,
                                       const char *method, const char *version,
                                       const char *upload, size_t *upload_size, void **con_cls) {
  breq *r = *con_cls;
  (void)cls, (void)url, (void)method, (void)version;
  if (!r) { /* first call: headers only; answering now would end keep-alive */
    if (!(r = calloc(1, sizeof *r))) return MHD_NO;
    *con_cls = r;
    return MHD_YES;
  }
  if (*upload_size) {
    if (*upload_size > sizeof r->body - r->n) r->over = true;
    else {
      memcpy(r->body + r->n, upload, *upload_size);
      r->n += *upload_size;
    }
    *upload_size = 0;
    return MHD_YES;
  }
  const char *sig = MHD_lookup_connection_value(c, MHD_HEADER_KIND, LV__SIG_HEADER);
  uint8_t s[LV__SIG], as[LV__SIG];
  char ab[89];
  unsigned status = sig && !r->over && lv__b64_decode(s, LV__SIG, sig, strlen(sig)) == LV_OK &&
                            lv__sign_verify(s, r->body, r->n, base_client_pk) == LV_OK
                        ? 200
                        : 401;
  lv__sign(as, base_answer, base_answer_len, base_srv_sk);
  lv__b64_encode(ab, as, LV__SIG);
  struct MHD_Response *resp =
      MHD_create_response_from_buffer(base_answer_len, base_answer, MHD_RESPMEM_PERSISTENT);
  if (!resp) return MHD_NO;
  MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
  MHD_add_response_header(resp, LV__SIG_HEADER, ab);
  enum MHD_Result ok = MHD_queue_response(c, status, resp);
  MHD_destroy_response(resp);
  return ok;
}

static void base_on_done(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
  (void)cls, (void)c, (void)toe;
  free(*con_cls);
  *con_cls = NULL;
}

static struct MHD_Daemon *base_start(uint16_t *port) {
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  struct MHD_Daemon *d = MHD_start_daemon(
      MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, NULL, NULL,
      base_on_request, NULL, MHD_OPTION_THREAD_POOL_SIZE, 2u, MHD_OPTION_SOCK_ADDR,
      (struct sockaddr *)&sa, MHD_OPTION_NOTIFY_COMPLETED, base_on_done, NULL,
      MHD_OPTION_LISTEN_BACKLOG_SIZE, 256u, MHD_OPTION_END);
  const union MHD_DaemonInfo *di = d ? MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT) : NULL;
  *port = di ? di->port : 0;
  return d;
}

/* ---- the load generator ---- */

/* The outcome of an answer's one item (docs/protocol.md: the first packed
 * record, LID then outcome), or -1 when it has none: cheap enough for the
 * load generator, which shares the cores with the service. */
static int first_outcome(const char *resp) {
  const char *p = strstr(resp, "\"items\":\"");
  uint8_t rec[21];
  if (!p || strlen(p += 9) < 28 || lv__b64_decode(rec, sizeof rec, p, 28) < 0) return -1;
  return rec[LV_LID_LEN];
}

typedef struct target {
  char url[64];
  char url2[64]; /* when set: odd workers send here (a second licvaultd on one database) */
  const wire *w; /* worker k sends w[k], w[k + nconn], ... (or w[0] when fixed) */
  size_t nw;
  bool fixed;   /* the baseline: the same pre-signed request every time */
  bool service; /* answers must carry an outcome */
  double deadline;
  pthread_barrier_t ready, go;
} target;

typedef struct worker {
  pthread_t th;
  target *t;
  unsigned k;
  double *lat; /* seconds, one per request sent */
  size_t nlat, cap;
  unsigned long ok, errors, granted;
  double last; /* when its last answer came */
  bool ran_out, failed;
  char resp[RESP_MAX];
  size_t rlen;
} worker;

static size_t on_data(char *p, size_t size, size_t nmemb, void *ctx) {
  worker *w = ctx;
  size_t n = size * nmemb, room = RESP_MAX - 1 - w->rlen, k = n < room ? n : room;
  memcpy(w->resp + w->rlen, p, k);
  w->rlen += k;
  return n;
}

static bool add_lat(worker *w, double v) {
  if (w->nlat == w->cap) {
    size_t cap = w->cap ? 2 * w->cap : 4096;
    double *l = realloc(w->lat, cap * sizeof *l);
    if (!l) return false;
    w->lat = l, w->cap = cap;
  }
  w->lat[w->nlat++] = v;
  return true;
}

static void *work(void *arg) {
  worker *w = arg;
  target *t = w->t;
  CURL *c = curl_easy_init();
  if (c) {
    curl_easy_setopt(c, CURLOPT_URL, t->url2[0] && (w->k & 1) ? t->url2 : t->url);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, w);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 30000L);
  }
  w->failed = !c;
  pthread_barrier_wait(&t->ready);
  pthread_barrier_wait(&t->go);
  for (size_t i = w->k; c; i += nconn) {
    double t0 = now();
    if (t0 >= t->deadline) break;
    if (!t->fixed && i >= t->nw) {
      w->ran_out = true;
      break;
    }
    const wire *q = t->fixed ? &t->w[0] : &t->w[i];
    struct curl_slist *h = curl_slist_append(NULL, q->hdr), *h2 = NULL, *h3 = NULL;
    if (h) h2 = curl_slist_append(h, "Content-Type: application/json");
    if (h2) h3 = curl_slist_append(h2, "Expect:");
    if (!h3) {
      curl_slist_free_all(h);
      w->failed = true;
      break;
    }
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, q->body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)q->n);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    w->rlen = 0;
    CURLcode rc = curl_easy_perform(c);
    double t1 = now();
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(h);
    w->last = t1;
    if (!add_lat(w, t1 - t0)) {
      w->failed = true;
      break;
    }
    w->resp[w->rlen] = '\0';
    int oc = t->service ? first_outcome(w->resp) : 0;
    if (rc != CURLE_OK || code != 200 || oc < 0) {
      w->errors++;
    } else {
      w->ok++;
      if (oc == LV__OUT_RESTORE) w->granted++;
    }
  }
  if (c) curl_easy_cleanup(c);
  return NULL;
}

typedef struct result {
  double secs, rate, p50, p99;
  double cpu_self, cpu_all; /* cores busy: this process, the whole machine */
  unsigned long sent, ok, errors, granted;
  bool ran_out;
} result;

/* CPU seconds: this process, and the machine's busy and total (/proc/stat). */
typedef struct cpu_snap {
  double self, busy, total;
} cpu_snap;

static cpu_snap cpu_now(void) {
  cpu_snap c = {0, 0, 0};
  struct rusage ru;
  if (!getrusage(RUSAGE_SELF, &ru))
    c.self = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
             (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
  FILE *f = fopen("/proc/stat", "r");
  unsigned long long v[8] = {0};
  if (f && fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
                  &v[4], &v[5], &v[6], &v[7]) == 8) {
    double hz = (double)sysconf(_SC_CLK_TCK);
    for (int i = 0; i < 8; i++) c.total += (double)v[i] / hz;
    c.busy = c.total - (double)(v[3] + v[4]) / hz; /* less idle and iowait */
  }
  if (f) fclose(f);
  return c;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Nearest rank: the smallest latency at or above a fraction q of them. */
static double pct(const double *v, size_t n, double q) {
  if (!n) return 0;
  size_t r = (size_t)(q * (double)n + 0.999999);
  return v[r ? r - 1 : 0];
}

static int run(target *t, result *out) {
  worker *ws = calloc(nconn, sizeof *ws);
  if (!ws || pthread_barrier_init(&t->ready, NULL, nconn + 1) ||
      pthread_barrier_init(&t->go, NULL, nconn + 1)) {
    free(ws);
    return 1;
  }
  for (unsigned k = 0; k < nconn; k++) {
    ws[k].t = t;
    ws[k].k = k;
    if (pthread_create(&ws[k].th, NULL, work, &ws[k])) {
      fprintf(stderr, "bench_service: cannot start client thread %u\n", k);
      exit(1); /* the others wait at the barrier */
    }
  }
  pthread_barrier_wait(&t->ready);
  cpu_snap c0 = cpu_now();
  double t0 = now(), end = t0;
  t->deadline = t0 + secs;
  pthread_barrier_wait(&t->go);
  memset(out, 0, sizeof *out);
  size_t n = 0;
  int bad = 0;
  for (unsigned k = 0; k < nconn; k++) {
    pthread_join(ws[k].th, NULL);
    n += ws[k].nlat;
  }
  cpu_snap c1 = cpu_now();
  double wall = now() - t0;
  out->cpu_self = (c1.self - c0.self) / wall;
  double cores = (double)sysconf(_SC_NPROCESSORS_ONLN);
  out->cpu_all = c1.total > c0.total ? (c1.busy - c0.busy) / (c1.total - c0.total) * cores : 0;
  double *all = malloc((n ? n : 1) * sizeof *all);
  if (!all) bad = 1;
  n = 0;
  for (unsigned k = 0; k < nconn; k++) {
    worker *w = &ws[k];
    if (all) memcpy(all + n, w->lat, w->nlat * sizeof *all);
    n += w->nlat;
    out->ok += w->ok;
    out->errors += w->errors;
    out->granted += w->granted;
    out->ran_out |= w->ran_out;
    bad |= w->failed;
    if (w->last > end) end = w->last;
    free(w->lat);
  }
  out->sent = n;
  out->secs = end - t0;
  out->rate = out->secs > 0 ? (double)out->ok / out->secs : 0;
  if (all) {
    qsort(all, n, sizeof *all, cmp_double);
    out->p50 = pct(all, n, 0.50) * 1e3;
    out->p99 = pct(all, n, 0.99) * 1e3;
  }
  free(all);
  free(ws);
  pthread_barrier_destroy(&t->ready);
  pthread_barrier_destroy(&t->go);
  return bad;
}

/* ---- one request outside the timing, its answer checked in full ---- */

typedef struct probe {
  char body[RESP_MAX];
  size_t n;
  char sig[89];
} probe;

static size_t probe_data(char *p, size_t size, size_t nmemb, void *ctx) {
  probe *pr = ctx;
  size_t n = size * nmemb, room = RESP_MAX - 1 - pr->n, k = n < room ? n : room;
  memcpy(pr->body + pr->n, p, k);
  pr->n += k;
  pr->body[pr->n] = '\0';
  return n;
}

static size_t probe_header(char *p, size_t size, size_t nmemb, void *ctx) {
  probe *pr = ctx;
  size_t n = size * nmemb, h = strlen(LV__SIG_HEADER);
  if (n > h + 1 && !strncasecmp(p, LV__SIG_HEADER, h) && p[h] == ':') {
    size_t i = h + 1, k = 0;
    while (i < n && p[i] == ' ') i++;
    while (i < n && k < sizeof pr->sig - 1 && p[i] != '\r' && p[i] != '\n') pr->sig[k++] = p[i++];
    pr->sig[k] = '\0';
  }
  return n;
}

static long send_probe(const char *url, const wire *q, probe *pr) {
  long code = 0;
  struct curl_slist *h = curl_slist_append(NULL, q->hdr);
  CURL *c = curl_easy_init();
  memset(pr, 0, sizeof *pr);
  if (c && h) {
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, q->body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)q->n);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, probe_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, pr);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, probe_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, pr);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 30000L);
    if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  }
  if (c) curl_easy_cleanup(c);
  curl_slist_free_all(h);
  return code;
}

/* The baseline's answer signature verifies over its fixed body. */
static bool base_probe_ok(const char *url, const wire *q) {
  probe pr;
  uint8_t s[LV__SIG];
  return send_probe(url, q, &pr) == 200 &&
         lv__b64_decode(s, LV__SIG, pr.sig, strlen(pr.sig)) == LV_OK &&
         lv__sign_verify(s, pr.body, pr.n, base_srv_pk) == LV_OK;
}

/* licvaultd's answer: signed by the service, names the request, grants. */
static bool svc_probe_ok(const char *url, const wire *q, const uint8_t svc_pk[LV__SIGN_PK]) {
  probe pr;
  lv__restore_resp r;
  uint8_t hash[LV__HASH];
  if (send_probe(url, q, &pr) != 200 ||
      lv__proto_verify_answer(pr.sig, 200, pr.body, pr.n, svc_pk) != LV_OK ||
      lv__restore_resp_parse(&r, pr.body, pr.n) != LV_OK)
    return false;
  lv__proto_hash(hash, q->body, q->n);
  bool ok = !memcmp(hash, r.req_hash, LV__HASH) && r.n == 1 &&
            r.items[0].outcome == LV__OUT_RESTORE && r.pads_len == 32 + LV__AEAD_OVERHEAD;
  lv__restore_resp_free(&r);
  return ok;
}

/* ---- the run ---- */

static bool parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *out) {
  char *end;
  unsigned long v = strtoul(s, &end, 10);
  if (end == s || *end || v < lo || v > hi) return false;
  *out = (unsigned)v;
  return true;
}

static char dir[4096], keyf[4200], pubf[4200], dbf[4200], walf[4200], shmf[4200];
static char dbf2[4200], walf2[4200], shmf2[4200];

/* ---- licvaultd phases (SQLite; PostgreSQL with one or two services) ---- */

typedef struct phase {
  const char *label;
  bool per_connection; /* a computer per connection, not per request */
  result r;
  lv__svc_stats st;
  lv_status src;
  unsigned long metric_grants;
  double handle_ms, in_10ms_pct;
} phase;

static bool pg_exec(const char *url, const char *sql) {
  PGconn *c = PQconnectdb(url);
  bool ok = PQstatus(c) == CONNECTION_OK;
  if (ok) {
    PGresult *r = PQexec(c, sql);
    ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
  }
  if (!ok) fprintf(stderr, "bench_service: %s: %s", sql, PQerrorMessage(c));
  PQfinish(c);
  return ok;
}

/* Creates database name through url; returns url naming it (malloc'd). */
static char *pg_fresh_db(const char *url, const char *name) {
  char sql[128]; /* name carries this process's pid: fresh */
  snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
  if (!pg_exec(url, sql)) return NULL;
  const char *q = strchr(url, '?');
  size_t end = q ? (size_t)(q - url) : strlen(url);
  const char *host = strstr(url, "://");
  host = host ? host + 3 : url;
  const char *slash = memchr(host, '/', end - (size_t)(host - url));
  size_t keep = slash ? (size_t)(slash - url) : end;
  size_t n = keep + strlen(name) + strlen(url + end) + 2;
  char *out = malloc(n);
  if (out) snprintf(out, n, "%.*s/%s%s", (int)keep, url, name, url + end);
  return out;
}

/* nsvc services on one database (each its own pool and HTTP front, as
 * separate licvaultd processes would be), the load split between them. */
static int svc_phase(const char *db, int nsvc, const wire *w, size_t nreq, const wire *probe_w,
                     const uint8_t sign_pk[LV__SIGN_PK], phase *out) {
  static lv__svc svc[2];
  static lv__http *http[2];
  static target t;
  uint16_t port;
  memset(&t, 0, sizeof t);
  memset(svc, 0, sizeof svc);
  for (int k = 0; k < nsvc; k++) {
    lv__svc_opts o;
    memset(&o, 0, sizeof o);
    o.db = db;
    o.key_dir = dir;
    o.listen = "127.0.0.1:0";
    o.public_url = "http://127.0.0.1";
    o.max_computers = 4;
    o.quiet = true;
    if (lv__svc_init(&svc[k], &o) < 0) return 1;
    if (lv__http_start(&http[k], &svc[k], &port) < 0) return 1;
    snprintf(k ? t.url2 : t.url, sizeof t.url, "http://127.0.0.1:%u%s", (unsigned)port,
             LV__PATH_RESTORE);
    if (!svc_probe_ok(k ? t.url2 : t.url, probe_w, sign_pk)) {
      fprintf(stderr, "bench_service: licvaultd's answer does not check (%s)\n", out->label);
      return 1;
    }
  }
  t.w = w;
  t.nw = nreq;
  t.service = true;
  fprintf(stderr, "bench_service: %s, %u s, %u connections\n", out->label, secs, nconn);
  if (run(&t, &out->r)) return 1;
  unsigned long handled = 0, in_10ms = 0, us = 0;
  for (int k = 0; k < nsvc; k++) {
    lv__http_stop(http[k]);
    out->metric_grants += atomic_load(&svc[k].m.grants);
    handled += atomic_load(&svc[k].m.latency_count);
    us += atomic_load(&svc[k].m.latency_us_sum);
    for (int i = 0; i < 4; i++) in_10ms += atomic_load(&svc[k].m.latency_buckets[i]);
  }
  out->handle_ms = handled ? (double)us / 1e3 / (double)handled : 0;
  out->in_10ms_pct = handled ? 100.0 * (double)in_10ms / (double)handled : 0;
  out->src = svc[0].db->ops->stats(svc[0].db, &out->st);
  for (int k = 0; k < nsvc; k++) lv__svc_fini(&svc[k]);
  return 0;
}

static void row(const char *server, const result *r, double ratio) {
  printf("| %-50s | %10.0f /s | %7.2f ms | %7.2f ms | %6lu | %5.2fx |\n", server, r->rate, r->p50,
         r->p99, r->errors, ratio);
}


/* The rows for bench/run.sh. Peak memory is not the service's own here (it
 * shares this process with the load generator and the signed requests). */
static void emit_rows(const result *rb, const phase *ps, int np) {
  char unit[48], goal[96];
  snprintf(unit, sizeof unit, "connections, %u s", secs);
  bench_row b = bench_row_plain("service baseline: bare MHD, verify + sign", nconn, unit, rb->secs,
                                rb->rate, "requests/s", -1);
  bench_row_emit(&b);
  for (int k = 0; k < np; k++) {
    const result *r = &ps[k].r;
    b = bench_row_plain(ps[k].label, nconn, unit, r->secs, r->rate, "requests/s", -1);
    b.base = "bare MHD";
    b.base_value = rb->rate;
    b.base_unit = "requests/s";
    b.ratio = rb->rate > 0 ? r->rate / rb->rate : 0;
    if (k == 0 || ps[k].per_connection) { /* the goal is SQLite's */
      snprintf(goal, sizeof goal, ">= 0.5x, p99 < 10 ms (p99 %.1f ms, %lu errors)", r->p99,
               r->errors);
      b.goal = goal;
      b.met = b.ratio >= GOAL_RATIO && r->p99 < GOAL_P99_MS && !r->errors;
    }
    bench_row_emit(&b);
  }
}

static void cleanup(void) {
  const char *files[8] = {keyf, pubf, dbf, walf, shmf, dbf2, walf2, shmf2};
  for (int i = 0; i < 8; i++) unlink(files[i]);
  rmdir(dir);
}

int main(int argc, char **argv) {
  const char *scratch = "/tmp";
  unsigned scratch_arg = 3;
  /* bench/run.sh calls every bench as "N SCRATCH" (N a license count): take
   * that form as the defaults in SCRATCH */
  if (argc == 3 && !parse_uint(argv[2], 0, ~0u, &nconn)) {
    nconn = 64;
    scratch_arg = 2;
    fprintf(stderr, "bench_service: \"%s %s\": %s taken as SCRATCH, %u s, %u connections\n",
            argv[1], argv[2], argv[2], secs, nconn);
  } else if ((argc > 1 && !parse_uint(argv[1], 1, SECONDS_MAX, &secs)) ||
             (argc > 2 && !parse_uint(argv[2], 1, CONN_MAX, &nconn)) || argc > 4) {
    fprintf(stderr, "usage: bench_service [SECONDS 1-%d, default 10] [CONNECTIONS 1-%d, default 64]"
                    " [SCRATCH, default /tmp]\n", SECONDS_MAX, CONN_MAX);
    return 2;
  }
  if ((unsigned)argc > scratch_arg) scratch = argv[scratch_arg];
  snprintf(dir, sizeof dir, "%s/lvservice.XXXXXX", scratch);
  if (lv__crypto_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) || !mkdtemp(dir)) return 1;
  snprintf(keyf, sizeof keyf, "%s/service.key", dir);
  snprintf(pubf, sizeof pubf, "%s/service.pub", dir);
  snprintf(dbf, sizeof dbf, "%s/svc.db", dir);
  snprintf(walf, sizeof walf, "%s/svc.db-wal", dir);
  snprintf(shmf, sizeof shmf, "%s/svc.db-shm", dir);
  snprintf(dbf2, sizeof dbf2, "%s/svc2.db", dir);
  snprintf(walf2, sizeof walf2, "%s/svc2.db-wal", dir);
  snprintf(shmf2, sizeof shmf2, "%s/svc2.db-shm", dir);
  atexit(cleanup);

  /* the service's keys, and a set secret S sealed to it */
  lv__keyfile key;
  uint8_t secret[LV__SECRET];
  static gen g;
  if (lv__keyfile_generate(&key, LV__KEY_SERVICE) < 0 ||
      lv__keyfile_save_pair(&key, dir, "service") < 0)
    return 1;
  lv__random(secret, sizeof secret);
  if (lv__seal(g.sealed, secret, sizeof secret, key.box_pk) < 0) return 1;
  lv__memzero(secret, sizeof secret);

  /* every request, before any timing */
  size_t nreq = (size_t)secs * RATE_MAX, nlic = nreq / 3 + 2;
  lv__lic_ref *lic = calloc(nlic, sizeof *lic);
  wire *w = calloc(nreq + 2, sizeof *w); /* + the two probes */
  if (!lic || !w) return 1;
  for (size_t i = 0; i < nlic; i++) {
    lv__random(lic[i].lid, LV_LID_LEN);
    lv__random(lic[i].kid, LV_KID_LEN);
    lv__random(lic[i].machine_id, LV__MACHINE_ID);
    lv__random(lic[i].issuer_id, LV__KEYID);
  }
  fprintf(stderr, "bench_service: signing %zu requests, each from a computer of its own\n", nreq);
  double tg = now();
  lv__par p;
  g.w = w;
  g.lic = lic;
  lv__par_start(&p, lv__par_threads(), nreq, gen_one, &g);
  lv__par_join(&p);
  tg = now() - tg;
  /* the probes: licvaultd's for a license of its own; the baseline's is a
   * restore body of the same size, signed over the body as the baseline
   * verifies it */
  static gen gp;
  memcpy(gp.sealed, g.sealed, LV__SEALED_SECRET);
  gp.w = w + nreq;
  gp.lic = lic + nlic - 1;
  gen_one(&gp, 0);
  gp.w = w + nreq + 1;
  gen_one(&gp, 0);
  if (atomic_load(&g.bad) || atomic_load(&gp.bad)) return 1;
  wire *svc_probe = &w[nreq], *base_wire = &w[nreq + 1];

  uint8_t client_sk[LV__SIGN_SK], s[LV__SIG];
  char sig[89];
  lv__sign_keypair(base_client_pk, client_sk);
  lv__sign(s, base_wire->body, base_wire->n, client_sk);
  lv__b64_encode(sig, s, LV__SIG);
  snprintf(base_wire->hdr, sizeof base_wire->hdr, "%s: %s", LV__SIG_HEADER, sig);
  /* the baseline answers with a restore answer's shape and size */
  lv__sign_keypair(base_srv_pk, base_srv_sk);
  {
    lv__restore_resp r;
    lv__result item;
    uint8_t pads[32 + LV__AEAD_OVERHEAD];
    lv__buf b;
    memset(&r, 0, sizeof r);
    memset(&item, 0, sizeof item);
    lv__random(r.req_hash, LV__HASH);
    lv__random(item.lid, LV_LID_LEN);
    lv__random(pads, sizeof pads);
    item.outcome = LV__OUT_RESTORE;
    item.left = 2;
    r.items = &item;
    r.n = 1;
    r.pads = pads;
    r.pads_len = sizeof pads;
    lv__buf_init(&b, sizeof base_answer);
    if (lv__restore_resp_format(&b, &r) < 0) return 1;
    memcpy(base_answer, b.data, b.len);
    base_answer_len = b.len;
    lv__buf_free(&b);
  }

  /* 1. the baseline */
  static target tb;
  uint16_t port;
  struct MHD_Daemon *bd = base_start(&port);
  if (!bd || !port) return 1;
  snprintf(tb.url, sizeof tb.url, "http://127.0.0.1:%u/v1/restore", (unsigned)port);
  tb.w = base_wire;
  tb.nw = 1;
  tb.fixed = true;
  if (!base_probe_ok(tb.url, base_wire)) {
    fprintf(stderr, "bench_service: the baseline's answer does not check\n");
    return 1;
  }
  result rb;
  fprintf(stderr, "bench_service: baseline, %u s, %u connections\n", secs, nconn);
  if (run(&tb, &rb)) return 1;
  MHD_stop_daemon(bd);

  /* 2. licvaultd, in this process: on SQLite; then, with LV_BENCH_PG_URL, on
   * PostgreSQL with one and with two services on one (fresh) database */
  phase ps[4];
  int np = 0;
  memset(ps, 0, sizeof ps);
  ps[np].label = "licvaultd /v1/restore, SQLite (fsync'd)";
  if (svc_phase(dbf, 1, w, nreq, svc_probe, key.sign_pk, &ps[np])) return 1;
  np++;
  const char *pg = getenv("LV_BENCH_PG_URL");
  char pgdb[2][64] = {"", ""};
  if (pg && *pg) {
    for (int k = 0; k < 2; k++) {
      snprintf(pgdb[k], sizeof pgdb[k], "lvbench_%ld_%d", (long)getpid(), k + 1);
      char *u = pg_fresh_db(pg, pgdb[k]);
      if (!u) return 1;
      ps[np].label = k == 0 ? "licvaultd /v1/restore, PostgreSQL, 1 process"
                            : "licvaultd /v1/restore, PostgreSQL, 2 processes";
      int bad = svc_phase(u, k + 1, w, nreq, svc_probe, key.sign_pk, &ps[np]);
      free(u);
      if (bad) return 1;
      np++;
    }
  }
  /* 3. licvaultd on SQLite again (a fresh database), every connection a
   * computer restoring: worker k sends requests k, k + nconn, ..., so
   * request i is computer i % nconn's. Its answer key and machine pin are
   * made once, as in a real restore of many batches; per request the
   * service then does the baseline's cryptography (verify, sign) */
  static computer comps[CONN_MAX];
  for (size_t k = 0; k < nconn; k++) {
    uint8_t bsk[LV__BOX_SK];
    lv__random(comps[k].id, LV__MACHINE_ID);
    if (lv__sign_keypair(comps[k].sign_pk, comps[k].sign_sk) < 0 ||
        lv__box_keypair(comps[k].box_pk, bsk) < 0)
      return 1;
    lv__memzero(bsk, sizeof bsk);
  }
  for (size_t i = 0; i < nreq; i++) free(w[i].body);
  memset(w, 0, nreq * sizeof *w);
  for (size_t i = 0; i < nlic; i++) lv__random(lic[i].lid, LV_LID_LEN); /* new licenses */
  g.comp = comps;
  g.ncomp = nconn;
  fprintf(stderr, "bench_service: signing %zu requests, a computer per connection\n", nreq);
  double tg2 = now();
  lv__par_start(&p, lv__par_threads(), nreq, gen_one, &g);
  lv__par_join(&p);
  tg2 = now() - tg2;
  if (atomic_load(&g.bad)) return 1;
  ps[np].label = "licvaultd /v1/restore, a computer per connection";
  ps[np].per_connection = true;
  if (svc_phase(dbf2, 1, w, nreq, svc_probe, key.sign_pk, &ps[np])) return 1;
  np++;
  for (size_t k = 0; k < nconn; k++) lv__memzero(comps[k].sign_sk, LV__SIGN_SK);
  lv__keyfile_wipe(&key);

  printf("| %-50s | %13s | %10s | %10s | %6s | %6s |\n", "server", "requests/s", "p50", "p99",
         "errors", "ratio");
  printf("|%s|%s|%s|%s|%s|%s|\n", "----------------------------------------------------",
         "--------------:", "-----------:", "-----------:", "-------:", "-------:");
  row("baseline: MHD epoll x2, Ed25519 verify + sign", &rb, 1.0);
  for (int k = 0; k < np; k++) row(ps[k].label, &ps[k].r, rb.rate > 0 ? ps[k].r.rate / rb.rate : 0);
  if (!(pg && *pg))
    printf("PostgreSQL rows skipped: set LV_BENCH_PG_URL=postgresql://... (a database to create"
           " the bench's databases from; tests/service/pg_cluster.sh start DIR prints one)\n");
  printf("connections: %u; %u s each; requests signed: %zu in %.1f s (each from a computer of its"
         " own), %zu in %.1f s (a computer per connection); baseline answered %lu\n",
         nconn, secs, nreq, tg, nreq, tg2, rb.ok);
  int bad = 0;
  for (int k = 0; k < np; k++) {
    phase *x = &ps[k];
    bool match = x->src == LV_OK && x->st.grants == x->r.granted + 1;
    bad |= !match;
    printf("%s: answered %lu%s; grants answered %lu, recorded %llu (%s), in metrics %lu; machines"
           " %llu, answers stored %llu; in lv__svc_handle mean %.2f ms, %.1f%% within 10 ms;"
           " cores busy %.2f (this process), %.2f in all\n",
           x->label, x->r.ok, x->r.ran_out ? " (ran out of signed requests)" : "",
           x->r.granted + 1, (unsigned long long)x->st.grants, match ? "match" : "MISMATCH",
           x->metric_grants, (unsigned long long)x->st.machines,
           (unsigned long long)x->st.answers, x->handle_ms, x->in_10ms_pct, x->r.cpu_self,
           x->r.cpu_all);
  }
  printf("cores: %ld; baseline phase: %.2f busy by this process, %.2f in all\n",
         sysconf(_SC_NPROCESSORS_ONLN), rb.cpu_self, rb.cpu_all);
  for (int k = 0; k < np; k++) {
    if (k && !ps[k].per_connection) continue; /* the goal is SQLite's */
    double ratio = rb.rate > 0 ? ps[k].r.rate / rb.rate : 0;
    printf("goal (SQLite >= 0.50x the baseline, p99 < 10 ms), %s: %s\n",
           ps[k].per_connection ? "a computer per connection" : "each request a new computer",
           ratio >= GOAL_RATIO && ps[k].r.p99 < GOAL_P99_MS && !ps[k].r.errors ? "met" : "not met");
  }
  printf("scratch: %s (removed)\n", dir);
  emit_rows(&rb, ps, np);
  for (int k = 0; k < 2; k++)
    if (pgdb[k][0]) {
      char sql[sizeof pgdb + 64]; /* gcc -O3 sees pgdb[k] as up to all of pgdb */
      snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", pgdb[k]);
      pg_exec(pg, sql);
    }
  for (size_t i = 0; i < nreq + 2; i++) free(w[i].body);
  free(w);
  free(lic);
  curl_global_cleanup();
  return bad;
}
