/* handlers.c - what the License Management Service answers, independent of
 * HTTP: request checks (size, form, time, signature, identity), the open and
 * restore exchanges, health, metrics and the limit page. Every JSON answer,
 * errors included, names the request it answers and is signed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/encoding.h"
#include "core/file.h"
#include "core/timeutil.h"
#include "service/svc.h"

lv_status lv__svc_init(lv__svc *s, const lv__svc_opts *o) {
  char *keyfile = lv__path_join(o->key_dir, "service.key");
  memset(s, 0, sizeof *s);
  s->o = *o;
  if (!s->o.max_computers) s->o.max_computers = 4;
  if (!s->o.max_connections) s->o.max_connections = 256;
  if (!s->o.timeout_s) s->o.timeout_s = 30;
  lv_status rc = keyfile ? lv__keyfile_load(&s->key, keyfile) : LV_E_NOMEM;
  free(keyfile);
  if (rc == LV_OK && (s->key.kind != LV__KEY_SERVICE || !s->key.has_secret)) rc = LV_E_KEY_FILE;
  if (rc == LV_OK) rc = lv__svc_db_open(&s->db, o->db);
  if (rc < 0) {
    lv__keyfile_wipe(&s->key);
    return rc;
  }
  snprintf(s->public_url, sizeof s->public_url, "%s", o->public_url ? o->public_url : "");
  lv__scache_init(&s->sets);
  lv__scache_init(&s->answers);
  return LV_OK;
}

void lv__svc_fini(lv__svc *s) {
  if (s->db) s->db->ops->close(s->db);
  s->db = NULL;
  lv__keyfile_wipe(&s->key);
  lv__scache_wipe(&s->sets);
  lv__scache_wipe(&s->answers);
}

static void error_answer(lv__svc *s, lv__answer *a, lv_status rc, const uint8_t hash[LV__HASH],
                         const char *msg);

static unsigned http_status(lv_status rc) {
  switch (rc) {
  case LV_E_BAD_NET_RESP:
  case LV_E_BACKUP_CORRUPT: return 400;
  case LV_E_BAD_SIGNATURE: return 401;
  case LV_E_ACCESS: return 403;
  case LV_E_NOT_FOUND: return 404;
  case LV_E_EXISTS: return 409;
  case LV_E_TOO_LARGE: return 413;
  case LV_E_NOMEM:
  case LV_E_IO:
  case LV_E_BUSY:
  case LV_E_NOSPACE:
  case LV_E_SERVICE_UNAVAILABLE: return 503;
  default: return 500;
  }
}

static void sign_answer(lv__svc *s, lv__answer *a) {
  lv__proto_sign_answer(a->sig, a->status, a->body.data, a->body.len, s->key.sign_sk);
}

void lv__svc_error(lv__svc *s, lv__answer *a, lv_status rc, const char *msg) {
  atomic_fetch_add(&s->m.requests, 1);
  error_answer(s, a, rc, NULL, msg);
}

static void error_answer(lv__svc *s, lv__answer *a, lv_status rc, const uint8_t hash[LV__HASH],
                         const char *msg) {
  lv__error_resp e;
  memset(&e, 0, sizeof e);
  if (hash) memcpy(e.req_hash, hash, LV__HASH);
  /* storage trouble is the service being unavailable to the client */
  lv_status shown = http_status(rc) == 503 ? LV_E_SERVICE_UNAVAILABLE : rc;
  snprintf(e.code, sizeof e.code, "%s", lv_status_name(shown));
  e.hresult = lv_status_to_hresult(shown);
  snprintf(e.message, sizeof e.message, "%s", msg ? msg : lv_status_str(shown));
  atomic_fetch_add(&s->m.errors, 1);
  if (http_status(rc) == 400) atomic_fetch_add(&s->m.bad_requests, 1);
  a->status = http_status(rc);
  a->ctype = "application/json";
  lv__buf_reset(&a->body);
  if (lv__error_resp_format(&a->body, &e) < 0) lv__buf_reset(&a->body);
  sign_answer(s, a);
}

/* Time, signature, identity: the checks every request passes. pin: bind
 * the machine id to its key now (a restore does it in its own
 * transaction instead). */
static lv_status admit(lv__svc *s, const lv__req_head *h, const char *path, const uint8_t *body,
                       size_t n, const char *sig, bool pin, const char **why) {
  int64_t now = lv__time_now();
  if (h->time < now - LV__SKEW || h->time > now + LV__SKEW) {
    *why = "request time is too far from the service's clock (replayed, or a wrong clock)";
    return LV_E_BAD_SIGNATURE;
  }
  if (lv__proto_verify_request(sig, path, body, n, h->who.sign_pk) < 0) {
    *why = "request signature does not verify";
    return LV_E_BAD_SIGNATURE;
  }
  if (!pin) return LV_OK;
  lv_status rc = s->db->ops->pin_machine(s->db, h->who.machine_id, h->who.sign_pk, now);
  if (rc == LV_E_ACCESS) *why = "this machine id belongs to another key";
  return rc;
}

_Static_assert(LV__SECRET == 32 && LV__KEY == 32, "the secret cache holds 32-byte values");

static lv_status open_secret(lv__svc *s, const uint8_t sealed[LV__SEALED_SECRET],
                             uint8_t secret[LV__SECRET]) {
  if (lv__scache_get(&s->sets, sealed, LV__SEALED_SECRET, secret)) return LV_OK;
  if (lv__seal_open(secret, sealed, LV__SEALED_SECRET, s->key.box_pk, s->key.box_sk) < 0)
    return LV_E_BACKUP_CORRUPT;
  lv__scache_put(&s->sets, sealed, LV__SEALED_SECRET, secret);
  return LV_OK;
}

/* The key an answer to this computer is encrypted under. */
static lv_status answer_key(lv__svc *s, const uint8_t box_pk[LV__BOX_PK], uint8_t akey[LV__KEY]) {
  if (lv__scache_get(&s->answers, box_pk, LV__BOX_PK, akey)) return LV_OK;
  lv_status rc = lv__answer_key(akey, s->key.box_sk, box_pk, s->key.box_pk, box_pk);
  if (rc == LV_OK) lv__scache_put(&s->answers, box_pk, LV__BOX_PK, akey);
  return rc;
}

static void on_open(lv__svc *s, const uint8_t *body, size_t n, const char *sig, lv__answer *a) {
  lv__open_req q;
  lv__open_resp r;
  uint8_t hash[LV__HASH], secret[LV__SECRET], skey[LV__KEY], akey[LV__KEY];
  const char *why = NULL;
  lv__proto_hash(hash, body, n);
  lv_status rc = lv__open_req_parse(&q, body, n);
  if (rc == LV_OK) rc = admit(s, &q.h, LV__PATH_OPEN, body, n, sig, true, &why);
  if (rc == LV_OK && memcmp(q.service_id, s->key.id, LV__KEYID)) {
    rc = LV_E_BACKUP_CORRUPT;
    why = "the set is locked to another service";
  }
  if (rc == LV_OK && (rc = open_secret(s, q.sealed_secret, secret)) < 0)
    why = "the set's secret does not open: altered, or for another service";
  if (rc == LV_OK) {
    lv__set_stream_key(skey, secret);
    rc = answer_key(s, q.h.who.box_pk, akey);
  }
  if (rc == LV_OK) {
    memcpy(r.req_hash, hash, LV__HASH);
    lv__aead_seal(r.stream_key, skey, LV__KEY, hash, LV__HASH, akey);
    a->status = 200;
    a->ctype = "application/json";
    rc = lv__open_resp_format(&a->body, &r);
  }
  lv__memzero(secret, sizeof secret);
  lv__memzero(skey, sizeof skey);
  lv__memzero(akey, sizeof akey);
  if (rc < 0) {
    error_answer(s, a, rc, hash, why);
    return;
  }
  sign_answer(s, a);
}

typedef struct restore_ctx {
  lv__svc *s;
  const lv__restore_req *q;
  const uint8_t *hash;
  uint8_t *pads;     /* 32 per item, computed before the transaction */
  uint8_t akey[LV__KEY];
  char url[1024];
} restore_ctx;

/* Inside the transaction: pure computation of the answer body. */
static lv_status build_answer(void *vctx, const lv__result *res, size_t n, bool limit, lv__buf *body) {
  restore_ctx *c = vctx;
  lv__restore_resp r;
  size_t granted = 0;
  memset(&r, 0, sizeof r);
  memcpy(r.req_hash, c->hash, LV__HASH);
  r.items = (lv__result *)res;
  r.n = n;
  uint8_t *sel = NULL;
  if (!c->q->dry_run) {
    for (size_t i = 0; i < n; i++) granted += res[i].outcome <= LV__OUT_ALREADY;
    if (granted) {
      sel = lv__malloc(granted * 32);
      r.pads = lv__malloc(granted * 32 + LV__AEAD_OVERHEAD);
      if (!sel || !r.pads) {
        free(sel), free(r.pads);
        return LV_E_NOMEM;
      }
      for (size_t i = 0, k = 0; i < n; i++)
        if (res[i].outcome <= LV__OUT_ALREADY) memcpy(sel + 32 * k++, c->pads + 32 * i, 32);
      lv__aead_seal(r.pads, sel, granted * 32, c->hash, LV__HASH, c->akey);
      r.pads_len = granted * 32 + LV__AEAD_OVERHEAD;
      lv__memzero(sel, granted * 32);
    }
  }
  if (limit) snprintf(r.limit_url, sizeof r.limit_url, "%s", c->url);
  lv_status rc = lv__restore_resp_format(body, &r);
  free(sel);
  free(r.pads);
  return rc;
}

static void put_note(lv__svc *s, const lv__restore_req *q, const lv__result *res, const char *token) {
  lv__buf b;
  lv__buf_init(&b, 1u << 20);
  lv__buf_put(&b, "[", 1);
  bool first = true;
  for (size_t i = 0; i < q->n; i++) {
    if (res[i].outcome != LV__OUT_LIMIT) continue;
    char kid[LV_KID_STRLEN];
    lv__b64_encode(kid, q->items[i].ref.kid, LV_KID_LEN);
    /* titles are UTF-8 without controls (checked on parse); JSON needs
     * only quotes and backslashes escaped */
    lv__buf_put(&b, first ? "{\"kid\":\"" : ",{\"kid\":\"", first ? 8 : 9);
    lv__buf_put(&b, kid, strlen(kid));
    lv__buf_put(&b, "\",\"title\":\"", 11);
    for (const char *t = q->items[i].title; *t; t++) {
      if (*t == '"' || *t == '\\') lv__buf_put_u8(&b, '\\');
      lv__buf_put_u8(&b, (uint8_t)*t);
    }
    lv__buf_put(&b, "\"}", 2);
    first = false;
  }
  if (lv__buf_put(&b, "]", 2) == LV_OK) /* with its NUL */
    s->db->ops->note_put(s->db, token, (const char *)b.data, lv__time_now());
  lv__buf_free(&b);
}

static void on_restore(lv__svc *s, const uint8_t *body, size_t n, const char *sig, lv__answer *a) {
  lv__restore_req q;
  restore_ctx c;
  uint8_t hash[LV__HASH], secret[LV__SECRET];
  const char *why = NULL;
  char token[33];
  memset(&c, 0, sizeof c);
  lv__proto_hash(hash, body, n);
  lv__hex_encode(token, hash, 16);
  lv_status rc = lv__restore_req_parse(&q, body, n);
  if (rc == LV_OK) rc = admit(s, &q.h, LV__PATH_RESTORE, body, n, sig, false, &why);
  if (rc == LV_OK && (rc = open_secret(s, q.sealed_secret, secret)) < 0)
    why = "the set's secret does not open: altered, or for another service";
  lv__result *res = rc == LV_OK ? lv__calloc(q.n, sizeof *res) : NULL;
  c.pads = rc == LV_OK ? lv__malloc(q.n * 32) : NULL;
  if (rc == LV_OK && (!res || !c.pads)) rc = LV_E_NOMEM;
  if (rc == LV_OK) {
    lv__kdf_many *pads = NULL;
    if (q.n >= LV__PADS_MANY) lv__set_pads_new(&pads, secret); /* else (or no memory): one by one */
    for (size_t i = 0; i < q.n; i++) {
      if (pads) lv__set_pad(pads, c.pads + 32 * i, &q.items[i].ref);
      else lv__set_license_pad(c.pads + 32 * i, secret, &q.items[i].ref);
    }
    lv__kdf_many_free(pads);
    rc = answer_key(s, q.h.who.box_pk, c.akey);
  }
  if (rc == LV_OK) {
    c.s = s;
    c.q = &q;
    c.hash = hash;
    snprintf(c.url, sizeof c.url, "%s/limit/%s", s->public_url, token);
    lv__decide d = {.rid = q.h.rid, .hash = hash, .me = q.h.who.machine_id,
                    .pin_pk = q.h.who.sign_pk,
                    .now = lv__time_now(), .max_computers = s->o.max_computers,
                    .period_days = s->o.period_days, .dry_run = q.dry_run, .items = q.items,
                    .n = q.n, .answer = build_answer, .ctx = &c, .res = res, .body = &a->body};
    rc = s->db->ops->decide(s->db, &d);
    if (rc == LV_E_EXISTS) why = "this request id was used for another request";
    if (rc == LV_E_ACCESS) why = "this machine id belongs to another key";
    if (rc == LV_OK && d.replayed) atomic_fetch_add(&s->m.replays, 1);
    if (rc == LV_OK && !d.replayed) {
      bool limit = false;
      for (size_t i = 0; i < q.n; i++) {
        lv__outcome o = res[i].outcome;
        if (!q.dry_run) {
          if (o == LV__OUT_RESTORE) atomic_fetch_add(&s->m.grants, 1);
          if (o == LV__OUT_ALREADY) atomic_fetch_add(&s->m.already, 1);
          if (o == LV__OUT_LIMIT) atomic_fetch_add(&s->m.refused_limit, 1);
          if (o == LV__OUT_REVOKED) atomic_fetch_add(&s->m.refused_revoked, 1);
        }
        limit |= o == LV__OUT_LIMIT;
      }
      if (limit) put_note(s, &q, res, token);
    }
  }
  lv__memzero(secret, sizeof secret);
  if (c.pads) lv__memzero(c.pads, q.n * 32);
  lv__memzero(c.akey, sizeof c.akey);
  free(c.pads);
  free(res);
  lv__restore_req_free(&q);
  if (rc < 0) {
    error_answer(s, a, rc, hash, why);
    return;
  }
  a->status = 200;
  a->ctype = "application/json";
  sign_answer(s, a);
}

static void text(lv__answer *a, unsigned status, const char *ctype, const char *t) {
  a->status = status;
  a->ctype = ctype;
  lv__buf_put(&a->body, t, strlen(t));
}

static void on_metrics(lv__svc *s, lv__answer *a) {
  static const double edges[7] = {0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1};
  char t[4096];
  lv__svc_metrics *m = &s->m;
  int o = snprintf(t, sizeof t,
                   "# TYPE licvault_requests_total counter\nlicvault_requests_total %lu\n"
                   "# TYPE licvault_errors_total counter\nlicvault_errors_total %lu\n"
                   "# TYPE licvault_bad_requests_total counter\nlicvault_bad_requests_total %lu\n"
                   "# TYPE licvault_replays_total counter\nlicvault_replays_total %lu\n"
                   "# TYPE licvault_grants_total counter\nlicvault_grants_total %lu\n"
                   "# TYPE licvault_already_total counter\nlicvault_already_total %lu\n"
                   "# TYPE licvault_refusals_total counter\n"
                   "licvault_refusals_total{reason=\"limit\"} %lu\n"
                   "licvault_refusals_total{reason=\"revoked\"} %lu\n"
                   "# TYPE licvault_request_seconds histogram\n",
                   atomic_load(&m->requests), atomic_load(&m->errors),
                   atomic_load(&m->bad_requests), atomic_load(&m->replays),
                   atomic_load(&m->grants), atomic_load(&m->already),
                   atomic_load(&m->refused_limit), atomic_load(&m->refused_revoked));
  unsigned long cum = 0;
  for (int i = 0; i < 8 && o > 0 && (size_t)o < sizeof t; i++) {
    cum += atomic_load(&m->latency_buckets[i]);
    if (i < 7)
      o += snprintf(t + o, sizeof t - (size_t)o, "licvault_request_seconds_bucket{le=\"%g\"} %lu\n",
                    edges[i], cum);
    else
      o += snprintf(t + o, sizeof t - (size_t)o,
                    "licvault_request_seconds_bucket{le=\"+Inf\"} %lu\n"
                    "licvault_request_seconds_sum %.6f\nlicvault_request_seconds_count %lu\n",
                    cum, (double)atomic_load(&m->latency_us_sum) / 1e6,
                    atomic_load(&m->latency_count));
  }
  text(a, 200, "text/plain; version=0.0.4", t);
}

static void on_limit_page(lv__svc *s, const char *token, lv__answer *a) {
  lv__buf note;
  lv__buf_init(&note, 1u << 20);
  bool ok = strlen(token) == 32 && strspn(token, "0123456789abcdef") == 32 &&
            s->db->ops->note_get(s->db, token, &note) == LV_OK && lv__buf_put_u8(&note, 0) == LV_OK;
  a->ctype = "text/html; charset=utf-8";
  a->status = ok ? 200 : 404;
  if (lv__limit_page(&a->body, ok ? (const char *)note.data : NULL) < 0) lv__buf_reset(&a->body);
  lv__buf_free(&note);
}

void lv__svc_handle(lv__svc *s, const char *method, const char *path, const uint8_t *body,
                    size_t n, const char *sig, lv__answer *a) {
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  atomic_fetch_add(&s->m.requests, 1);
  a->sig[0] = '\0';
  bool post = !strcmp(method, "POST"), get = !strcmp(method, "GET");
  if (n > LV__BODY_MAX) error_answer(s, a, LV_E_TOO_LARGE, NULL, "the request body is larger than 4 MiB");
  else if (post && !strcmp(path, LV__PATH_OPEN)) on_open(s, body, n, sig, a);
  else if (post && !strcmp(path, LV__PATH_RESTORE)) on_restore(s, body, n, sig, a);
  else if (get && !strcmp(path, "/healthz")) text(a, 200, "text/plain", "ok\n");
  else if (get && !strcmp(path, "/metrics")) on_metrics(s, a);
  else if (get && !strncmp(path, "/limit/", 7)) on_limit_page(s, path + 7, a);
  else error_answer(s, a, LV_E_NOT_FOUND, NULL, "no such resource");
  clock_gettime(CLOCK_MONOTONIC, &t1);
  unsigned long us = (unsigned long)((t1.tv_sec - t0.tv_sec) * 1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000);
  static const unsigned long edges_us[7] = {1000, 2000, 5000, 10000, 25000, 50000, 100000};
  int b = 7;
  for (int i = 0; i < 7; i++)
    if (us <= edges_us[i]) {
      b = i;
      break;
    }
  atomic_fetch_add(&s->m.latency_buckets[b], 1);
  atomic_fetch_add(&s->m.latency_us_sum, us);
  atomic_fetch_add(&s->m.latency_count, 1);
}
