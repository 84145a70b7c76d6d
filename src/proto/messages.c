/* messages.c - JSON encoding and strict decoding of the protocol messages
 * (docs/protocol.md). Every field is required unless the page says
 * optional; unknown fields, wrong types, bad encodings and oversized bodies
 * are refused, so the service's handlers only ever see well-formed values. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/encoding.h"
#include "proto/proto.h"

#define BAD LV_E_BAD_NET_RESP

/* ---- helpers ---- */

static bool hexf(json_t *o, const char *k, uint8_t *out, size_t n) {
  json_t *v = json_object_get(o, k);
  const char *s = json_string_value(v);
  size_t l = s ? json_string_length(v) : 0;
  for (size_t i = 0; i < l; i++) /* canonical: lower case */
    if (s[i] >= 'A' && s[i] <= 'F') return false;
  return s && lv__hex_decode(out, n, s, l) == LV_OK;
}

static bool b64f(json_t *o, const char *k, uint8_t *out, size_t n) {
  json_t *v = json_object_get(o, k);
  const char *s = json_string_value(v);
  return s && lv__b64_decode(out, n, s, json_string_length(v)) == LV_OK;
}

static json_t *hexj(const uint8_t *p, size_t n) {
  char s[2 * 64 + 1];
  lv__hex_encode(s, p, n);
  return json_string(s);
}

static json_t *b64j(const uint8_t *p, size_t n) {
  size_t l = LV__B64_LEN(n) + 1;
  char *s = lv__malloc(l);
  if (!s) return NULL;
  lv__b64_encode(s, p, n);
  json_t *j = json_string(s);
  free(s);
  return j;
}

static bool intf(json_t *o, const char *k, int64_t min, int64_t max, int64_t *out) {
  json_t *v = json_object_get(o, k);
  if (!json_is_integer(v)) return false;
  json_int_t x = json_integer_value(v);
  if (x < min || x > max) return false;
  *out = (int64_t)x;
  return true;
}

/* The object has exactly these keys (plus the optional ones). */
static bool keys_only(json_t *o, const char *const *req, const char *const *opt) {
  size_t want = 0, have = json_object_size(o);
  for (; req[want]; want++)
    if (!json_object_get(o, req[want])) return false;
  size_t extra = 0;
  for (size_t i = 0; opt && opt[i]; i++) extra += json_object_get(o, opt[i]) != NULL;
  return have == want + extra;
}

/* Adds v under k; a NULL v (an allocation that failed) or a failed add
 * clears *ok, so a message is never formatted with a field missing. */
static void put(json_t *o, const char *k, json_t *v, bool *ok) {
  if (!o || !v) {
    json_decref(v);
    *ok = false;
  } else if (json_object_set_new(o, k, v) < 0) { /* it took v, also on failure */
    *ok = false;
  }
}

/* Ends a built object: the object, or NULL (freed) when a field failed. */
static json_t *done(json_t *o, bool ok) {
  if (ok) return o;
  json_decref(o);
  return NULL;
}

static json_t *load(const void *body, size_t n) {
  if (!body || n == 0 || n > LV__BODY_MAX) return NULL;
  json_error_t err;
  json_t *j = json_loadb(body, n, JSON_REJECT_DUPLICATES, &err);
  if (j && !json_is_object(j)) {
    json_decref(j);
    return NULL;
  }
  return j;
}

/* ---- large fields read past jansson ----
 *
 * The parse side of dump_spliced (below): jansson lexes a string one
 * character at a time, which for a batch's items and pads (hundreds of
 * kilobytes of base64) was a fifth of the service's work in a restore. The
 * top-level object is walked by the rules of JSON to find the string
 * values of the named keys; each is cut out (left as "") and read from the
 * body directly; jansson parses the rest, with all its checks. A value is
 * cut only when its key appears once, unescaped, and the value is a string
 * with no escapes (then its bytes are its value); on anything else nothing
 * is cut and jansson parses the whole body, so the outcome is jansson's
 * either way, as long as no allocation fails (tests/proto/test_cuts.c and
 * fuzz_proto check both ways agree). */
#define CUT_MAX 2

typedef struct cut {
  const char *key;
  const char *at; /* the value's first character in the body, NULL: not cut */
  size_t len;
} cut;

typedef struct scan {
  const char *p, *end;
} scan;

static void ws(scan *s) {
  while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r')) s->p++;
}

/* A string at s->p: its raw content, and whether it has escapes. */
static bool scan_string(scan *s, const char **at, size_t *len, bool *escaped) {
  if (s->p >= s->end || *s->p != '"') return false;
  const char *q = ++s->p;
  *escaped = false;
  while (s->p < s->end && *s->p != '"') {
    if ((unsigned char)*s->p < 0x20) return false;
    if (*s->p == '\\') {
      *escaped = true;
      if (++s->p >= s->end) return false;
    }
    s->p++;
  }
  if (s->p >= s->end) return false;
  *at = q;
  *len = (size_t)(s->p++ - q);
  return true;
}

static bool scan_value(scan *s, int depth) {
  const char *at;
  size_t len;
  bool esc;
  ws(s);
  if (s->p >= s->end) return false;
  char c = *s->p;
  if (c == '"') return scan_string(s, &at, &len, &esc);
  if (c != '{' && c != '[') { /* a number, true, false or null: jansson checks which */
    const char *q = s->p;
    while (s->p < s->end && (*s->p == '+' || *s->p == '-' || *s->p == '.' || *s->p == 'E' ||
                             (*s->p >= '0' && *s->p <= '9') || (*s->p >= 'a' && *s->p <= 'z')))
      s->p++;
    return s->p > q;
  }
  if (depth > 16) return false;
  char close = c == '{' ? '}' : ']';
  s->p++;
  ws(s);
  if (s->p < s->end && *s->p == close) return s->p++, true;
  for (;;) {
    ws(s);
    if (c == '{') {
      if (!scan_string(s, &at, &len, &esc)) return false;
      ws(s);
      if (s->p >= s->end || *s->p++ != ':') return false;
    }
    if (!scan_value(s, depth + 1)) return false;
    ws(s);
    if (s->p >= s->end) return false;
    if (*s->p == close) return s->p++, true;
    if (*s->p++ != ',') return false;
  }
}

/* Finds the cuts' values in the top-level object; false: cut nothing. */
static bool find_cuts(const char *body, size_t n, cut *cuts, size_t ncut) {
  scan s = {body, body + n};
  ws(&s);
  if (s.p >= s.end || *s.p++ != '{') return false;
  for (;;) {
    const char *k, *v;
    size_t kl, vl;
    bool esc;
    ws(&s);
    if (!scan_string(&s, &k, &kl, &esc)) return false;
    ws(&s);
    if (s.p >= s.end || *s.p++ != ':') return false;
    ws(&s);
    cut *c = NULL;
    for (size_t i = 0; !esc && i < ncut; i++)
      if (strlen(cuts[i].key) == kl && !memcmp(cuts[i].key, k, kl)) c = &cuts[i];
    if (c && s.p < s.end && *s.p != '"') c = NULL; /* not a string (pads: null): jansson's */
    if (c && c->at) return false;                  /* twice */
    if (c) {
      if (!scan_string(&s, &v, &vl, &esc) || esc) return false;
      c->at = v;
      c->len = vl;
    } else if (!scan_value(&s, 1)) {
      return false;
    }
    ws(&s);
    if (s.p >= s.end) return false;
    if (*s.p == '}') return true;
    if (*s.p++ != ',') return false;
  }
}

bool lv__proto_no_cuts; /* tests: parse every body whole */

/* load(), with the cuts' values read past jansson where they can be;
 * *nomem when it failed for want of memory. */
static json_t *load_cut(const void *body, size_t n, cut *cuts, size_t ncut, bool *nomem) {
  *nomem = false;
  for (size_t i = 0; i < ncut; i++) cuts[i].at = NULL;
  if (!body || n == 0 || n > LV__BODY_MAX || ncut > CUT_MAX) return NULL;
  if (lv__proto_no_cuts || !find_cuts(body, n, cuts, ncut)) {
    for (size_t i = 0; i < ncut; i++) cuts[i].at = NULL;
    return load(body, n);
  }
  size_t left = n;
  for (size_t i = 0; i < ncut; i++) left -= cuts[i].at ? cuts[i].len : 0;
  char *rest = lv__malloc(left ? left : 1);
  if (!rest) {
    *nomem = true;
    return NULL;
  }
  const cut *ord[CUT_MAX]; /* the cuts in body order */
  size_t k = 0;
  for (size_t i = 0; i < ncut && k < CUT_MAX; i++)
    if (cuts[i].at) ord[k++] = &cuts[i];
  if (k == 2 && ord[1]->at < ord[0]->at) {
    const cut *t = ord[0];
    ord[0] = ord[1], ord[1] = t;
  }
  const char *from = body;
  size_t o = 0;
  for (size_t i = 0; i < k; i++) {
    memcpy(rest + o, from, (size_t)(ord[i]->at - from));
    o += (size_t)(ord[i]->at - from);
    from = ord[i]->at + ord[i]->len;
  }
  memcpy(rest + o, from, (size_t)((const char *)body + n - from));
  json_t *j = load(rest, left);
  free(rest);
  return j;
}

/* A string field: its cut value, or jansson's. */
static const char *cut_string(json_t *o, const cut *c, size_t *len) {
  json_t *v = json_object_get(o, c->key);
  if (!json_is_string(v)) return NULL;
  if (c->at) {
    *len = c->len;
    return c->at;
  }
  *len = json_string_length(v);
  return json_string_value(v);
}

static lv_status dump(lv__buf *b, json_t *j) {
  if (!j) return LV_E_NOMEM;
  char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(j);
  if (!s) return LV_E_NOMEM;
  lv_status rc = lv__buf_put(b, s, strlen(s));
  free(s);
  return rc;
}

static bool version_ok(json_t *o) {
  int64_t v;
  return intf(o, "v", LV__PROTO_VERSION, LV__PROTO_VERSION, &v);
}

static bool type_is(json_t *o, const char *t) {
  const char *s = json_string_value(json_object_get(o, "type"));
  return s && !strcmp(s, t);
}

/* ---- request head ---- */

static const char *const who_keys[] = {"id", "sign_public", "box_public", NULL};

static json_t *head_json(const lv__req_head *h, const char *type) {
  json_t *o = json_object(), *w = json_object();
  bool ok = o && w;
  put(o, "v", json_integer(LV__PROTO_VERSION), &ok);
  put(o, "type", json_string(type), &ok);
  put(o, "request_id", hexj(h->rid, LV__RID), &ok);
  put(o, "time", json_integer((json_int_t)h->time), &ok);
  put(w, "id", hexj(h->who.machine_id, LV__MACHINE_ID), &ok);
  put(w, "sign_public", b64j(h->who.sign_pk, LV__SIGN_PK), &ok);
  put(w, "box_public", b64j(h->who.box_pk, LV__BOX_PK), &ok);
  put(o, "machine", w, &ok);
  return done(o, ok);
}

static bool head_parse(json_t *o, lv__req_head *h, const char *type) {
  json_t *w = json_object_get(o, "machine");
  return version_ok(o) && type_is(o, type) && hexf(o, "request_id", h->rid, LV__RID) &&
         intf(o, "time", 0, INT64_C(253402300799), &h->time) && json_is_object(w) &&
         keys_only(w, who_keys, NULL) && hexf(w, "id", h->who.machine_id, LV__MACHINE_ID) &&
         b64f(w, "sign_public", h->who.sign_pk, LV__SIGN_PK) &&
         b64f(w, "box_public", h->who.box_pk, LV__BOX_PK);
}

/* ---- open ---- */

lv_status lv__open_req_format(lv__buf *b, const lv__open_req *m) {
  json_t *j = head_json(&m->h, "open"), *set = json_object();
  bool ok = j != NULL;
  put(set, "sealed_secret", b64j(m->sealed_secret, LV__SEALED_SECRET), &ok);
  put(set, "source_machine", hexj(m->source_machine, LV__MACHINE_ID), &ok);
  put(set, "generation", json_integer((json_int_t)m->generation), &ok);
  put(set, "licenses", json_integer((json_int_t)m->licenses), &ok);
  put(set, "service_id", hexj(m->service_id, LV__KEYID), &ok);
  put(j, "set", set, &ok);
  if (!ok) {
    json_decref(j);
    return LV_E_NOMEM;
  }
  return dump(b, j);
}

lv_status lv__open_req_parse(lv__open_req *m, const void *body, size_t n) {
  static const char *const top[] = {"v", "type", "request_id", "time", "machine", "set", NULL};
  static const char *const set[] = {"sealed_secret", "source_machine", "generation", "licenses",
                                    "service_id", NULL};
  json_t *o = load(body, n), *s;
  int64_t gen, lic;
  memset(m, 0, sizeof *m);
  bool ok = o && keys_only(o, top, NULL) && head_parse(o, &m->h, "open") &&
            json_is_object(s = json_object_get(o, "set")) && keys_only(s, set, NULL) &&
            b64f(s, "sealed_secret", m->sealed_secret, LV__SEALED_SECRET) &&
            hexf(s, "source_machine", m->source_machine, LV__MACHINE_ID) &&
            intf(s, "generation", 1, 255, &gen) && intf(s, "licenses", 0, UINT32_MAX, &lic) &&
            hexf(s, "service_id", m->service_id, LV__KEYID);
  json_decref(o);
  if (!ok) return BAD;
  m->generation = (uint32_t)gen;
  m->licenses = (uint64_t)lic;
  return LV_OK;
}

lv_status lv__open_resp_format(lv__buf *b, const lv__open_resp *m) {
  json_t *o = json_object();
  bool ok = o != NULL;
  put(o, "v", json_integer(LV__PROTO_VERSION), &ok);
  put(o, "request", hexj(m->req_hash, LV__HASH), &ok);
  put(o, "stream_key", b64j(m->stream_key, LV__SEALED_KEY), &ok);
  return dump(b, done(o, ok));
}

lv_status lv__open_resp_parse(lv__open_resp *m, const void *body, size_t n) {
  static const char *const top[] = {"v", "request", "stream_key", NULL};
  json_t *o = load(body, n);
  memset(m, 0, sizeof *m);
  bool ok = o && keys_only(o, top, NULL) && version_ok(o) &&
            hexf(o, "request", m->req_hash, LV__HASH) &&
            b64f(o, "stream_key", m->stream_key, LV__SEALED_KEY);
  json_decref(o);
  return ok ? LV_OK : BAD;
}

/* ---- restore ---- */

/* A batch's items travel packed, as one base64 string, not as JSON objects:
 * a restore of a million licenses would otherwise spend more time in JSON
 * (five strings and an object per license, each allocated, on both sides)
 * than the service spends deciding. docs/protocol.md gives the layout. */
#define ITEM_FIXED (LV_LID_LEN + LV_KID_LEN + LV__MACHINE_ID + LV__KEYID + 2)
#define RESULT_SIZE (LV_LID_LEN + 1 + 4)

/* A large field is written into the body directly, base64, not built as a
 * JSON string and dumped: jansson escapes a string one character at a
 * time, which for a batch's items and pads cost more than the rest of the
 * message. j holds each such key with the value "" (a placeholder that,
 * with sorted keys and values that are hex, base64 or numbers, appears
 * nowhere else); the placeholders are filled in the order they appear. */
typedef struct spliced {
  const char *key;
  const uint8_t *p;
  size_t n;
} spliced;

static lv_status dump_spliced(lv__buf *b, json_t *j, spliced *f, size_t nf) {
  if (!j) return LV_E_NOMEM;
  char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(j);
  if (!s) return LV_E_NOMEM;
  const char *at[4];
  size_t need = strlen(s);
  lv_status rc = nf <= 4 ? LV_OK : LV_E_INTERNAL;
  for (size_t i = 0; rc == LV_OK && i < nf; i++) {
    char ph[64];
    snprintf(ph, sizeof ph, "\"%s\":\"\"", f[i].key);
    if (!(at[i] = strstr(s, ph))) rc = LV_E_INTERNAL;
    else at[i] += strlen(ph) - 1; /* the placeholder's closing quote */
    need += LV__B64_LEN(f[i].n);
  }
  for (size_t i = 1; rc == LV_OK && i < nf; i++) /* in text order */
    for (size_t k = i; k > 0 && at[k] < at[k - 1]; k--) {
      const char *t = at[k];
      at[k] = at[k - 1], at[k - 1] = t;
      spliced u = f[k];
      f[k] = f[k - 1], f[k - 1] = u;
    }
  if (rc == LV_OK) rc = lv__buf_reserve(b, need + 1);
  const char *from = s;
  for (size_t i = 0; rc == LV_OK && i < nf; i++) {
    rc = lv__buf_put(b, from, (size_t)(at[i] - from));
    if (rc == LV_OK) rc = lv__buf_reserve(b, LV__B64_LEN(f[i].n) + 1);
    if (rc == LV_OK) {
      lv__b64_encode((char *)b->data + b->len, f[i].p, f[i].n); /* and a NUL, not counted */
      b->len += LV__B64_LEN(f[i].n);
    }
    from = at[i];
  }
  if (rc == LV_OK) rc = lv__buf_put(b, from, strlen(from));
  free(s);
  return rc;
}

/* Decodes a packed field of at most max bytes into *out, a new buffer
 * (free()): BAD for anything but canonical padded base64 of a non-empty
 * string, LV_E_NOMEM when the buffer cannot be had. */
static lv_status packedf(const char *s, size_t l, size_t max, uint8_t **out, size_t *n) {
  *out = NULL;
  if (!s) return BAD;
  if (!l || l % 4) return BAD;
  size_t pad = (s[l - 1] == '=') + (s[l - 2] == '=');
  *n = l / 4 * 3 - pad;
  if (*n > max) return BAD;
  if (!(*out = lv__malloc(*n))) return LV_E_NOMEM;
  if (lv__b64_decode(*out, *n, s, l) == LV_OK) return LV_OK;
  free(*out);
  *out = NULL;
  return BAD;
}

lv_status lv__restore_req_format(lv__buf *b, const lv__restore_req *m) {
  lv__buf p;
  lv__buf_init(&p, LV__BODY_MAX);
  /* what the parser would refuse is not sent */
  lv_status rc = m->n >= 1 && m->n <= LV__ITEMS_MAX ? LV_OK : LV_E_INVALID_ARG;
  for (size_t i = 0; rc == LV_OK && i < m->n; i++) {
    const lv__item *it = &m->items[i];
    size_t tl = strlen(it->title);
    if (tl > LV_TITLE_MAX) rc = LV_E_INVALID_ARG;
    if (rc == LV_OK) rc = lv__buf_put(&p, it->ref.lid, LV_LID_LEN);
    if (rc == LV_OK) rc = lv__buf_put(&p, it->ref.kid, LV_KID_LEN);
    if (rc == LV_OK) rc = lv__buf_put(&p, it->ref.machine_id, LV__MACHINE_ID);
    if (rc == LV_OK) rc = lv__buf_put(&p, it->ref.issuer_id, LV__KEYID);
    if (rc == LV_OK) rc = lv__buf_put_u16(&p, (uint16_t)tl);
    if (rc == LV_OK) rc = lv__buf_put(&p, it->title, tl);
  }
  json_t *j = rc == LV_OK ? head_json(&m->h, "restore") : NULL;
  bool ok = j != NULL;
  put(j, "dry_run", json_boolean(m->dry_run), &ok);
  put(j, "sealed_secret", b64j(m->sealed_secret, LV__SEALED_SECRET), &ok);
  put(j, "items", json_string(""), &ok);
  if (rc == LV_OK && !ok) rc = LV_E_NOMEM;
  if (rc < 0) {
    json_decref(j);
    lv__buf_free(&p);
    return rc;
  }
  spliced f[1] = {{"items", p.data, p.len}};
  rc = dump_spliced(b, j, f, 1);
  lv__buf_free(&p);
  return rc;
}

/* One packed item; false for anything malformed. */
static bool item_parse(lv__rd *r, lv__item *it) {
  uint16_t tl;
  const uint8_t *t;
  if (!lv__rd_bytes(r, it->ref.lid, LV_LID_LEN) || !lv__rd_bytes(r, it->ref.kid, LV_KID_LEN) ||
      !lv__rd_bytes(r, it->ref.machine_id, LV__MACHINE_ID) ||
      !lv__rd_bytes(r, it->ref.issuer_id, LV__KEYID) || !lv__rd_u16(r, &tl) || tl > LV_TITLE_MAX ||
      !lv__rd_ptr(r, &t, tl) || !lv__utf8_valid_text(t, tl)) /* no NUL: a control */
    return false;
  memcpy(it->title, t, tl);
  it->title[tl] = '\0';
  return true;
}

lv_status lv__restore_req_parse(lv__restore_req *m, const void *body, size_t n) {
  static const char *const top[] = {"v",       "type",          "request_id", "time",
                                    "machine", "dry_run",       "sealed_secret", "items", NULL};
  cut c[1] = {{"items", NULL, 0}};
  bool nomem;
  memset(m, 0, sizeof *m);
  json_t *o = load_cut(body, n, c, 1, &nomem);
  if (nomem) return LV_E_NOMEM;
  uint8_t *p = NULL;
  size_t plen = 0, il = 0;
  bool ok = o && keys_only(o, top, NULL) && head_parse(o, &m->h, "restore") &&
            json_is_boolean(json_object_get(o, "dry_run")) &&
            b64f(o, "sealed_secret", m->sealed_secret, LV__SEALED_SECRET);
  const char *is = ok ? cut_string(o, &c[0], &il) : NULL;
  lv_status prc = ok ? packedf(is, il, LV__BODY_MAX, &p, &plen) : BAD;
  if (prc == LV_E_NOMEM) {
    json_decref(o);
    return prc;
  }
  ok = prc == LV_OK;
  if (ok) {
    m->dry_run = json_is_true(json_object_get(o, "dry_run"));
    /* at most as many items as fit, each at least ITEM_FIXED bytes */
    size_t most = plen / ITEM_FIXED < LV__ITEMS_MAX ? plen / ITEM_FIXED : LV__ITEMS_MAX;
    if (!(m->items = lv__calloc(most ? most : 1, sizeof *m->items))) {
      free(p);
      json_decref(o);
      return LV_E_NOMEM;
    }
    lv__rd r = lv__rd_make(p, plen);
    while (ok && lv__rd_left(&r)) {
      ok = m->n < most && item_parse(&r, &m->items[m->n]);
      m->n++;
    }
  }
  free(p);
  json_decref(o);
  if (!ok) {
    lv__restore_req_free(m);
    return BAD;
  }
  return LV_OK;
}

void lv__restore_req_free(lv__restore_req *m) {
  free(m->items);
  m->items = NULL;
  m->n = 0;
}

static const char *const outcome_names[] = {NULL, "restore", "already", "limit", "revoked"};

const char *lv__outcome_name(lv__outcome o) {
  return o >= LV__OUT_RESTORE && o <= LV__OUT_REVOKED ? outcome_names[o] : "?";
}

lv_status lv__restore_resp_format(lv__buf *b, const lv__restore_resp *m) {
  lv__buf p;
  lv__buf_init(&p, LV__BODY_MAX);
  lv_status rc = m->n <= LV__ITEMS_MAX ? LV_OK : LV_E_INVALID_ARG;
  for (size_t i = 0; rc == LV_OK && i < m->n; i++) {
    lv__outcome o = m->items[i].outcome;
    if (o < LV__OUT_RESTORE || o > LV__OUT_REVOKED) rc = LV_E_INVALID_ARG;
    if (rc == LV_OK) rc = lv__buf_put(&p, m->items[i].lid, LV_LID_LEN);
    if (rc == LV_OK) rc = lv__buf_put_u8(&p, (uint8_t)o);
    if (rc == LV_OK) rc = lv__buf_put_u32(&p, m->items[i].left);
  }
  json_t *j = rc == LV_OK ? json_object() : NULL;
  bool ok = j != NULL;
  put(j, "v", json_integer(LV__PROTO_VERSION), &ok);
  put(j, "request", hexj(m->req_hash, LV__HASH), &ok);
  /* an answer with no items (nothing was asked) has an empty string */
  put(j, "items", json_string(""), &ok);
  put(j, "pads", m->pads_len ? json_string("") : json_null(), &ok);
  put(j, "limit_url", m->limit_url[0] ? json_string(m->limit_url) : json_null(), &ok);
  if (rc == LV_OK && !ok) rc = LV_E_NOMEM;
  if (rc < 0) {
    json_decref(j);
    lv__buf_free(&p);
    return rc;
  }
  spliced f[2] = {{"items", p.data, p.len}, {"pads", m->pads, m->pads_len}};
  rc = dump_spliced(b, j, f, m->pads_len ? 2 : 1);
  lv__buf_free(&p);
  return rc;
}

lv_status lv__restore_resp_parse(lv__restore_resp *m, const void *body, size_t n) {
  static const char *const top[] = {"v", "request", "items", "pads", "limit_url", NULL};
  cut c[2] = {{"items", NULL, 0}, {"pads", NULL, 0}};
  bool nomem;
  json_t *o = load_cut(body, n, c, 2, &nomem), *pads, *url;
  uint8_t *p = NULL;
  size_t plen = 0, il = 0;
  memset(m, 0, sizeof *m);
  const char *is = NULL;
  bool ok = o && keys_only(o, top, NULL) && version_ok(o) &&
            hexf(o, "request", m->req_hash, LV__HASH) && (is = cut_string(o, &c[0], &il));
  if (ok && il)
    ok = packedf(is, il, (size_t)LV__ITEMS_MAX * RESULT_SIZE, &p, &plen) == LV_OK &&
         plen % RESULT_SIZE == 0;
  if (ok) {
    m->n = plen / RESULT_SIZE;
    if (!(m->items = lv__calloc(m->n ? m->n : 1, sizeof *m->items))) ok = false;
  }
  size_t granted = 0;
  lv__rd r = lv__rd_make(p, plen);
  for (size_t i = 0; ok && i < m->n; i++) {
    uint8_t oc;
    lv__rd_bytes(&r, m->items[i].lid, LV_LID_LEN);
    lv__rd_u8(&r, &oc);
    lv__rd_u32(&r, &m->items[i].left);
    ok = oc >= LV__OUT_RESTORE && oc <= LV__OUT_REVOKED;
    m->items[i].outcome = (lv__outcome)oc;
    granted += ok && m->items[i].outcome <= LV__OUT_ALREADY;
  }
  free(p);
  if (ok) {
    pads = json_object_get(o, "pads");
    url = json_object_get(o, "limit_url");
    if (json_is_string(pads)) {
      size_t want = granted * 32 + LV__AEAD_OVERHEAD, pl = 0;
      const char *s = cut_string(o, &c[1], &pl);
      m->pads_len = want;
      ok = granted && (m->pads = lv__malloc(want)) &&
           lv__b64_decode(m->pads, want, s, pl) == LV_OK;
    } else {
      ok = json_is_null(pads);
    }
    if (ok && json_is_string(url)) {
      size_t l = json_string_length(url);
      ok = l < sizeof m->limit_url && l > 8 &&
           lv__utf8_valid_text((const uint8_t *)json_string_value(url), l);
      if (ok) memcpy(m->limit_url, json_string_value(url), l + 1);
    } else if (ok) {
      ok = json_is_null(url);
    }
  }
  json_decref(o);
  if (!ok) {
    lv__restore_resp_free(m);
    return BAD;
  }
  return LV_OK;
}

void lv__restore_resp_free(lv__restore_resp *m) {
  free(m->items);
  free(m->pads);
  m->items = NULL;
  m->pads = NULL;
  m->n = m->pads_len = 0;
}

/* ---- errors ---- */

lv_status lv__error_resp_format(lv__buf *b, const lv__error_resp *m) {
  char hr[16];
  snprintf(hr, sizeof hr, "0x%08X", m->hresult);
  json_t *o = json_object();
  bool ok = o != NULL;
  put(o, "v", json_integer(LV__PROTO_VERSION), &ok);
  put(o, "request", hexj(m->req_hash, LV__HASH), &ok);
  put(o, "error", json_string(m->code), &ok);
  put(o, "hresult", json_string(hr), &ok);
  put(o, "message", json_string(m->message), &ok);
  return dump(b, done(o, ok));
}

lv_status lv__error_resp_parse(lv__error_resp *m, const void *body, size_t n) {
  static const char *const top[] = {"v", "request", "error", "hresult", "message", NULL};
  json_t *o = load(body, n);
  memset(m, 0, sizeof *m);
  const char *code = o ? json_string_value(json_object_get(o, "error")) : NULL;
  const char *hr = o ? json_string_value(json_object_get(o, "hresult")) : NULL;
  const char *msg = o ? json_string_value(json_object_get(o, "message")) : NULL;
  uint8_t hb[4];
  bool ok = o && keys_only(o, top, NULL) && version_ok(o) &&
            hexf(o, "request", m->req_hash, LV__HASH) && code && strlen(code) < sizeof m->code &&
            hr && strlen(hr) == 10 && !strncmp(hr, "0x", 2) && lv__hex_decode(hb, 4, hr + 2, 8) == LV_OK &&
            msg && strlen(msg) < sizeof m->message;
  if (ok) {
    memcpy(m->code, code, strlen(code) + 1);
    memcpy(m->message, msg, strlen(msg) + 1);
    m->hresult = (uint32_t)hb[0] << 24 | (uint32_t)hb[1] << 16 | (uint32_t)hb[2] << 8 | hb[3];
  }
  json_decref(o);
  return ok ? LV_OK : BAD;
}
