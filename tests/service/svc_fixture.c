/* svc_fixture.c - the in-process service suite's fixture: a licvaultd on
 * loopback per case, its clients' requests and the checks of its answers. */
#include "svc_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "client/client.h"
#include "core/encoding.h"
#include "core/timeutil.h"

/* ---- the service, in this process ---- */

int fx_setup(void **state) {
  svc_fx *f = calloc(1, sizeof *f);
  if (!f) return -1;
  clock_gettime(CLOCK_MONOTONIC, &f->t0);
  *state = f;
  return 0;
}

const char *pg_url(void) {
  const char *u = getenv("LV_TEST_PG_URL");
  return u && *u ? u : NULL;
}

static bool pg_exec(const char *url, const char *sql) {
  PGconn *c = PQconnectdb(url);
  bool ok = PQstatus(c) == CONNECTION_OK;
  if (ok) {
    PGresult *r = PQexec(c, sql);
    ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok) print_message("pg: %s: %s", sql, PQerrorMessage(c));
    PQclear(r);
  } else {
    print_message("pg: cannot connect: %s", PQerrorMessage(c));
  }
  PQfinish(c);
  return ok;
}

/* The URL with its database name replaced by name (malloc'd). */
static char *pg_url_with_db(const char *url, const char *name) {
  const char *q = strchr(url, '?');
  size_t end = q ? (size_t)(q - url) : strlen(url);
  const char *host = strstr(url, "://");
  host = host ? host + 3 : url;
  const char *slash = memchr(host, '/', end - (size_t)(host - url));
  size_t keep = slash ? (size_t)(slash - url) : end;
  size_t n = keep + 1 + strlen(name) + strlen(url + end) + 1;
  char *out = malloc(n);
  if (out) snprintf(out, n, "%.*s/%s%s", (int)keep, url, name, url + end);
  return out;
}

/* With LV_TEST_PG_URL each case gets a fresh database of its own, created
 * through the URL's database and dropped at teardown. Its name has the pid
 * in it, so several test programs can share one cluster. */
static char *fx_pg_db(svc_fx *f) {
  static unsigned seq;
  char sql[128];
  snprintf(f->pgname, sizeof f->pgname, "lvt_%ld_%u", (long)getpid(), ++seq);
  snprintf(sql, sizeof sql, "CREATE DATABASE %s", f->pgname);
  assert_true(pg_exec(pg_url(), sql));
  return pg_url_with_db(pg_url(), f->pgname);
}

void fx_listen(svc_fx *f) {
  uint16_t port = 0;
  assert_int_equal(lv__http_start(&f->http, &f->svc, &port), LV_OK);
  assert_true(port != 0);
  snprintf(f->base, sizeof f->base, "http://127.0.0.1:%u", (unsigned)port);
}

void fx_start(svc_fx *f, const char *tag, unsigned max_computers, unsigned period_days,
              int64_t now) {
  lv__time_set_fake(now); /* before any service thread exists */
  f->dir = tu_tmpdir(tag);
  assert_non_null(f->dir);
  f->db = pg_url() ? fx_pg_db(f) : tu_path(f->dir, "service.db");
  assert_non_null(f->db);
  assert_int_equal(lv__keyfile_generate(&f->key, LV__KEY_SERVICE), LV_OK);
  assert_int_equal(lv__keyfile_save_pair(&f->key, f->dir, "service"), LV_OK);
  lv__svc_opts o = {.db = f->db,
                    .key_dir = f->dir,
                    .listen = "127.0.0.1:0",
                    .public_url = PUBLIC_URL,
                    .max_computers = max_computers,
                    .period_days = period_days,
                    .quiet = true};
  assert_int_equal(lv__svc_init(&f->svc, &o), LV_OK);
  f->up = true;
  fx_listen(f);
}

void fx_clock(svc_fx *f, int64_t now) {
  lv__http_stop(f->http);
  f->http = NULL;
  lv__time_set_fake(now);
  fx_listen(f);
}

static void rm_in(const char *dir, const char *name) {
  char *p = tu_path(dir, name);
  if (p) unlink(p);
  free(p);
}

int fx_teardown(void **state) {
  svc_fx *f = *state;
  struct timespec t1;
  lv__http_stop(f->http);
  if (f->up) lv__svc_fini(&f->svc);
  lv__keyfile_wipe(&f->key);
  lv__time_set_fake(0);
  if (f->pgname[0]) {
    char sql[128];
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", f->pgname);
    pg_exec(pg_url(), sql);
  }
  if (f->dir) {
    static const char *const files[] = {"service.db", "service.db-wal", "service.db-shm",
                                        "service.key", "service.pub", "probe"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) rm_in(f->dir, files[i]);
    rmdir(f->dir);
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  print_message("    (%.2f s)\n",
                (double)(t1.tv_sec - f->t0.tv_sec) + (double)(t1.tv_nsec - f->t0.tv_nsec) / 1e9);
  free(f->db);
  free(f->dir);
  free(f);
  return 0;
}

lv__svc_stats stats_of(svc_fx *f) {
  lv__svc_stats st;
  assert_int_equal(f->svc.db->ops->stats(f->svc.db, &st), LV_OK);
  return st;
}

/* ---- computers, sets, licenses, requests ---- */

void comp_new(comp *c) {
  lv__random(c->who.machine_id, LV__MACHINE_ID);
  assert_int_equal(lv__sign_keypair(c->who.sign_pk, c->sign_sk), LV_OK);
  assert_int_equal(lv__box_keypair(c->who.box_pk, c->box_sk), LV_OK);
}

void set_new(set *s, const uint8_t box_pk[LV__BOX_PK]) {
  lv__random(s->secret, sizeof s->secret);
  assert_int_equal(lv__seal(s->sealed, s->secret, LV__SECRET, box_pk), LV_OK);
}

void lic_new(lv__item *it, const uint8_t original[LV__MACHINE_ID], const char *title) {
  memset(it, 0, sizeof *it);
  lv__random(it->ref.lid, LV_LID_LEN);
  lv__random(it->ref.kid, LV_KID_LEN);
  memcpy(it->ref.machine_id, original, LV__MACHINE_ID);
  lv__random(it->ref.issuer_id, LV__KEYID);
  if (title) snprintf(it->title, sizeof it->title, "%s", title);
}

void req_restore(req *r, const comp *c, const set *s, const lv__item *items, size_t n,
                 bool dry, int64_t t, const uint8_t *rid) {
  lv__restore_req q;
  memset(&q, 0, sizeof q);
  if (rid) memcpy(q.h.rid, rid, LV__RID);
  else lv__random(q.h.rid, LV__RID);
  q.h.time = t;
  q.h.who = c->who;
  q.dry_run = dry;
  memcpy(q.sealed_secret, s->sealed, LV__SEALED_SECRET);
  q.items = (lv__item *)items;
  q.n = n;
  lv__buf_init(&r->body, 2 * LV__BODY_MAX);
  assert_int_equal(lv__restore_req_format(&r->body, &q), LV_OK);
  memcpy(r->rid, q.h.rid, LV__RID);
  lv__proto_hash(r->hash, r->body.data, r->body.len);
  lv__proto_sign_request(r->sig, LV__PATH_RESTORE, r->body.data, r->body.len, c->sign_sk);
}

void req_raw(req *r, const comp *c, const char *path, const void *body, size_t n) {
  memset(r, 0, sizeof *r);
  lv__buf_init(&r->body, 2 * LV__BODY_MAX);
  if (n) assert_int_equal(lv__buf_put(&r->body, body, n), LV_OK);
  lv__proto_hash(r->hash, r->body.data, r->body.len);
  lv__proto_sign_request(r->sig, path, r->body.data, r->body.len, c->sign_sk);
}

void req_open(req *r, const comp *c, const set *s, const uint8_t service_id[LV__KEYID],
              int64_t t) {
  lv__open_req q;
  memset(&q, 0, sizeof q);
  lv__random(q.h.rid, LV__RID);
  q.h.time = t;
  q.h.who = c->who;
  memcpy(q.sealed_secret, s->sealed, LV__SEALED_SECRET);
  lv__random(q.source_machine, LV__MACHINE_ID);
  q.generation = 1;
  q.licenses = 3;
  memcpy(q.service_id, service_id, LV__KEYID);
  lv__buf_init(&r->body, LV__BODY_MAX);
  assert_int_equal(lv__open_req_format(&r->body, &q), LV_OK);
  memcpy(r->rid, q.h.rid, LV__RID);
  lv__proto_hash(r->hash, r->body.data, r->body.len);
  lv__proto_sign_request(r->sig, LV__PATH_OPEN, r->body.data, r->body.len, c->sign_sk);
}

void req_free(req *r) { lv__buf_free(&r->body); }

/* ---- raw HTTP (libcurl) ---- */

void resp_init(resp *r) {
  memset(r, 0, sizeof *r);
  lv__buf_init(&r->body, 16u << 20);
}

void resp_free(resp *r) { lv__buf_free(&r->body); }

const char *resp_text(const resp *r) { return r->body.data ? (const char *)r->body.data : ""; }

static size_t on_body(char *p, size_t size, size_t n, void *ctx) {
  resp *r = ctx;
  return lv__buf_put(&r->body, p, size * n) == LV_OK ? size * n : 0;
}

/* Copies the value of header line p (of len bytes) into dst when it is name. */
static void header_value(char *dst, size_t cap, const char *p, size_t len, const char *name) {
  size_t nl = strlen(name);
  if (len <= nl || strncasecmp(p, name, nl) || p[nl] != ':') return;
  const char *v = p + nl + 1;
  while (v < p + len && *v == ' ') v++;
  size_t vl = (size_t)(p + len - v);
  while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' ')) vl--;
  if (vl >= cap) vl = cap - 1;
  memcpy(dst, v, vl);
  dst[vl] = '\0';
}

static size_t on_header(char *p, size_t size, size_t n, void *ctx) {
  resp *r = ctx;
  header_value(r->sig, sizeof r->sig, p, size * n, LV__SIG_HEADER);
  header_value(r->ctype, sizeof r->ctype, p, size * n, "Content-Type");
  return size * n;
}

int http_do(CURL *k, const char *base, const char *method, const char *path,
            const void *body, size_t n, const char *sig, resp *r) {
  char url[512], hdr[256];
  struct curl_slist *h = NULL;
  CURL *own = k ? NULL : curl_easy_init();
  if (!k) k = own;
  if (!k) return -1;
  lv__buf_reset(&r->body);
  r->status = 0;
  r->sig[0] = r->ctype[0] = '\0';
  snprintf(url, sizeof url, "%s%s", base, path);
  h = curl_slist_append(h, "Content-Type: application/json");
  h = curl_slist_append(h, "Expect:");
  if (sig) {
    snprintf(hdr, sizeof hdr, "%s: %s", LV__SIG_HEADER, sig);
    h = curl_slist_append(h, hdr);
  }
  curl_easy_reset(k);
  curl_easy_setopt(k, CURLOPT_URL, url);
  curl_easy_setopt(k, CURLOPT_HTTPHEADER, h);
  if (!strcmp(method, "POST")) {
    curl_easy_setopt(k, CURLOPT_POSTFIELDS, body ? (const char *)body : "");
    curl_easy_setopt(k, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)n);
  } else {
    curl_easy_setopt(k, CURLOPT_CUSTOMREQUEST, method);
  }
  curl_easy_setopt(k, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(k, CURLOPT_WRITEDATA, r);
  curl_easy_setopt(k, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(k, CURLOPT_HEADERDATA, r);
  curl_easy_setopt(k, CURLOPT_TIMEOUT, 60L);
  curl_easy_setopt(k, CURLOPT_NOSIGNAL, 1L);
  CURLcode e = curl_easy_perform(k);
  if (e == CURLE_OK) curl_easy_getinfo(k, CURLINFO_RESPONSE_CODE, &r->status);
  curl_slist_free_all(h);
  if (own) curl_easy_cleanup(own);
  if (lv__buf_put_u8(&r->body, 0) == LV_OK) r->body.len--;
  return (int)e;
}

void fx_post(const svc_fx *f, const char *path, const void *body, size_t n, const char *sig,
          resp *r) {
  assert_int_equal(http_do(NULL, f->base, "POST", path, body, n, sig, r), 0);
}

void post_req(const svc_fx *f, const char *path, const req *q, resp *r) {
  fx_post(f, path, q->body.data, q->body.len, q->sig, r);
}

void fx_get(const svc_fx *f, const char *path, resp *r) {
  assert_int_equal(http_do(NULL, f->base, "GET", path, NULL, 0, NULL, r), 0);
}

void assert_signed(const svc_fx *f, const resp *r) {
  assert_int_equal(lv__proto_verify_answer(r->sig, (unsigned)r->status, r->body.data, r->body.len,
                                           f->key.sign_pk),
                   LV_OK);
}

void assert_error(const svc_fx *f, const resp *r, long status, lv_status code,
                  const uint8_t *hash) {
  static const uint8_t zero[LV__HASH];
  lv__error_resp e;
  if (r->status != status)
    fail_msg("status %ld, want %ld: %s", r->status, status, resp_text(r));
  assert_string_equal(r->ctype, "application/json");
  assert_signed(f, r);
  assert_int_equal(lv__error_resp_parse(&e, r->body.data, r->body.len), LV_OK);
  assert_string_equal(e.code, lv_status_name(code));
  assert_int_equal(e.hresult, lv_status_to_hresult(code));
  assert_memory_equal(e.req_hash, hash ? hash : zero, LV__HASH);
  assert_true(e.message[0] != '\0');
}

/* ---- restore answers ---- */

void check_restore(const svc_fx *f, const comp *c, const set *s, const lv__item *items,
                   size_t n, bool dry, const uint8_t hash[LV__HASH], const lv__buf *body,
                   got *g) {
  lv__restore_resp r;
  size_t granted = 0;
  bool limit = false;
  assert_true(n <= MAXI);
  assert_int_equal(lv__restore_resp_parse(&r, body->data, body->len), LV_OK);
  assert_memory_equal(r.req_hash, hash, LV__HASH);
  assert_int_equal(r.n, n);
  memset(g, 0, sizeof *g);
  g->n = n;
  for (size_t i = 0; i < n; i++) {
    assert_memory_equal(r.items[i].lid, items[i].ref.lid, LV_LID_LEN);
    g->out[i] = r.items[i].outcome;
    g->left[i] = r.items[i].left;
    granted += r.items[i].outcome <= LV__OUT_ALREADY;
    limit |= r.items[i].outcome == LV__OUT_LIMIT;
  }
  if (dry || !granted) {
    assert_int_equal(r.pads_len, 0);
  } else {
    uint8_t key[LV__KEY], want[32];
    assert_int_equal(r.pads_len, granted * 32 + LV__AEAD_OVERHEAD);
    uint8_t *plain = malloc(granted * 32);
    assert_non_null(plain);
    assert_int_equal(lv__answer_key(key, c->box_sk, f->key.box_pk, f->key.box_pk, c->who.box_pk), LV_OK);
    assert_int_equal(lv__aead_open(plain, r.pads, r.pads_len, hash, LV__HASH, key), LV_OK);
    for (size_t i = 0, k = 0; i < n; i++) {
      if (r.items[i].outcome > LV__OUT_ALREADY) continue;
      lv__set_license_pad(want, s->secret, &items[i].ref);
      assert_memory_equal(plain + 32 * k++, want, 32);
    }
    /* another computer that captured the answer (and holds the set) cannot open it */
    comp eve;
    comp_new(&eve);
    assert_int_equal(lv__answer_key(key, eve.box_sk, f->key.box_pk, f->key.box_pk, c->who.box_pk), LV_OK);
    assert_int_not_equal(lv__aead_open(plain, r.pads, r.pads_len, hash, LV__HASH, key), LV_OK);
    free(plain);
  }
  if (limit) {
    char token[33], want[128];
    lv__hex_encode(token, hash, 16);
    snprintf(want, sizeof want, "%s/limit/%s", PUBLIC_URL, token);
    assert_string_equal(r.limit_url, want);
  } else {
    assert_string_equal(r.limit_url, "");
  }
  snprintf(g->url, sizeof g->url, "%s", r.limit_url);
  lv__restore_resp_free(&r);
}

void fx_restore(const svc_fx *f, const comp *c, const set *s, const lv__item *items, size_t n,
             bool dry, got *g) {
  req q;
  lv__client *cl;
  lv__buf ans;
  char msg[256] = "";
  req_restore(&q, c, s, items, n, dry, lv__time_now(), NULL);
  assert_int_equal(lv__client_new(&cl, f->base, f->key.sign_pk, c->sign_sk, NULL), LV_OK);
  lv__buf_init(&ans, LV__BODY_MAX);
  lv_status rc = lv__client_post(cl, LV__PATH_RESTORE, &q.body, &ans, msg);
  lv__client_free(cl);
  if (rc != LV_OK) fail_msg("restore: %s (%s)", lv_status_name(rc), msg);
  check_restore(f, c, s, items, n, dry, q.hash, &ans, g);
  lv__buf_free(&ans);
  req_free(&q);
}

static const char *oname(lv__outcome o) { return lv__outcome_name(o); }

void fx_expect(const got *g, size_t i, lv__outcome o, uint32_t left) {
  assert_true(i < g->n);
  if (g->out[i] != o || g->left[i] != left)
    fail_msg("item %zu: %s left %u, want %s left %u", i, oname(g->out[i]), (unsigned)g->left[i],
             oname(o), (unsigned)left);
}

void fx_expect_all(const got *g, lv__outcome o, uint32_t left) {
  for (size_t i = 0; i < g->n; i++) fx_expect(g, i, o, left);
}
