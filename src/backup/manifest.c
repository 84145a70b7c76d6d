/* manifest.c - LVBACKUP.MAN: the signed, canonical text that names a backup
 * set's parts, its service, its issuers and its sealed secret. Its atomic
 * replacement is the commit point of a backup. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backup/backup.h"
#include "core/alloc.h"
#include "core/encoding.h"
#include "core/file.h"
#include "core/timeutil.h"

void lv__manifest_free(lv__manifest *m) {
  if (!m) return;
  free(m->issuers);
  free(m->parts);
  m->issuers = NULL;
  m->parts = NULL;
}

lv__digest_alg lv__set_digest_alg(uint32_t version) {
  return version == 1 ? LV__DIGEST_BLAKE2B : LV__DIGEST_SHA256;
}

void lv__part_name(char out[13], uint32_t gen, uint32_t i) {
  static const char hx[] = "0123456789ABCDEF";
  memcpy(out, "LV", 2);
  out[2] = hx[(gen >> 4) & 15];
  out[3] = hx[gen & 15];
  for (int k = 0; k < 4; k++) out[4 + k] = hx[(i >> (12 - 4 * k)) & 15];
  memcpy(out + 8, ".DAT", 5);
}

uint64_t lv__stream_size(uint64_t n) {
  uint64_t msgs = n / LV__ENTRIES_PER_MSG + 1; /* the last (final) may be empty */
  return n * LV__ENTRY + msgs * LV__SSTREAM_ABYTES;
}

/* ---- formatting ---- */

static lv_status line(lv__buf *b, const char *name, const char *value) {
  lv_status rc;
  if ((rc = lv__buf_put(b, name, strlen(name))) < 0 || (rc = lv__buf_put_u8(b, ' ')) < 0 ||
      (rc = lv__buf_put(b, value, strlen(value))) < 0)
    return rc;
  return lv__buf_put_u8(b, '\n');
}

static lv_status line_b64(lv__buf *b, const char *name, const uint8_t *p, size_t n) {
  char v[LV__B64_LEN(LV__SEALED_SECRET) + 1];
  lv__b64_encode(v, p, n);
  return line(b, name, v);
}

static lv_status line_hex(lv__buf *b, const char *name, const uint8_t *p, size_t n) {
  char v[2 * LV__HASH + 1];
  lv__hex_encode(v, p, n);
  return line(b, name, v);
}

static lv_status line_u64(lv__buf *b, const char *name, uint64_t v) {
  char t[24];
  snprintf(t, sizeof t, "%llu", (unsigned long long)v);
  return line(b, name, t);
}

lv_status lv__manifest_format(lv__buf *b, lv__manifest *m, const uint8_t sign_sk[LV__SIGN_SK]) {
  char t[LV__TIME_STRLEN], v[256];
  if (m->version < LV__SET_VERSION_MIN || m->version > LV__SET_VERSION) return LV_E_INVALID_ARG;
  lv_status rc = line_u64(b, "licvault-backup", m->version);
  if (rc == LV_OK) rc = line_u64(b, "generation", m->generation);
  lv__time_format(t, m->created);
  if (rc == LV_OK) rc = line(b, "created", t);
  if (rc == LV_OK) rc = line_hex(b, "machine-id", m->machine_id, LV__MACHINE_ID);
  if (rc == LV_OK) rc = line_b64(b, "machine-sign-public", m->machine_sign_pk, LV__SIGN_PK);
  if (rc == LV_OK) rc = line(b, "service-url", m->service_url);
  if (rc == LV_OK) rc = line_hex(b, "service-id", m->service_id, LV__KEYID);
  if (rc == LV_OK) rc = line_b64(b, "service-sign-public", m->service_sign_pk, LV__SIGN_PK);
  if (rc == LV_OK) rc = line_b64(b, "service-box-public", m->service_box_pk, LV__BOX_PK);
  for (unsigned i = 0; rc == LV_OK && i < m->nissuers; i++) {
    char id[2 * LV__KEYID + 1], pk[LV__B64_LEN(LV__SIGN_PK) + 1];
    lv__hex_encode(id, m->issuers[i].id, LV__KEYID);
    lv__b64_encode(pk, m->issuers[i].pk, LV__SIGN_PK);
    snprintf(v, sizeof v, "%s %s", id, pk);
    rc = line(b, "issuer", v);
  }
  if (rc == LV_OK) rc = line_u64(b, "licenses", m->licenses);
  if (rc == LV_OK) rc = line_u64(b, "entry-size", LV__ENTRY);
  if (rc == LV_OK) rc = line_u64(b, "entries-per-message", LV__ENTRIES_PER_MSG);
  if (rc == LV_OK) rc = line_b64(b, "sealed-secret", m->sealed_secret, LV__SEALED_SECRET);
  if (rc == LV_OK) rc = line_b64(b, "stream-header", m->stream_header, LV__SSTREAM_HEADER);
  for (uint32_t i = 0; rc == LV_OK && i < m->nparts; i++) {
    char h[2 * LV__HASH + 1];
    lv__hex_encode(h, m->parts[i].hash, LV__HASH);
    snprintf(v, sizeof v, "%s %llu %s", m->parts[i].name, (unsigned long long)m->parts[i].size, h);
    rc = line(b, "part", v);
  }
  if (rc < 0) return rc;
  lv__sign(m->sig, b->data, b->len, sign_sk);
  return line_b64(b, "signature", m->sig, LV__SIG);
}

/* ---- parsing ---- */

typedef struct cursor {
  const char *p, *end;
  const char *line, *value;
  size_t vlen;
} cursor;

/* Takes the next line if it is "name value\n". */
static bool next(cursor *c, const char *name) {
  size_t nl = strlen(name);
  const char *eol = memchr(c->p, '\n', (size_t)(c->end - c->p));
  if (!eol || (size_t)(eol - c->p) < nl + 1 || memcmp(c->p, name, nl) || c->p[nl] != ' ')
    return false;
  c->line = c->p;
  c->value = c->p + nl + 1;
  c->vlen = (size_t)(eol - c->value);
  c->p = eol + 1;
  return true;
}

static bool b64v(cursor *c, const char *name, uint8_t *out, size_t n) {
  return next(c, name) && lv__b64_decode(out, n, c->value, c->vlen) == LV_OK;
}

static bool lower_hex(const char *v, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!((v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' && v[i] <= 'f'))) return false;
  return true;
}

static bool hexv(cursor *c, const char *name, uint8_t *out, size_t n) {
  return next(c, name) && lower_hex(c->value, c->vlen) &&
         lv__hex_decode(out, n, c->value, c->vlen) == LV_OK;
}

/* Canonical decimal: no sign, no leading zero, at most max. */
static bool decimal(const char *v, size_t n, uint64_t max, uint64_t *out) {
  uint64_t x = 0;
  if (n == 0 || n > 20 || (n > 1 && v[0] == '0')) return false;
  for (size_t i = 0; i < n; i++) {
    if (v[i] < '0' || v[i] > '9') return false;
    if (x > (UINT64_MAX - (uint64_t)(v[i] - '0')) / 10) return false;
    x = x * 10 + (uint64_t)(v[i] - '0');
  }
  if (x > max) return false;
  *out = x;
  return true;
}

static bool u64v(cursor *c, const char *name, uint64_t max, uint64_t *out) {
  return next(c, name) && decimal(c->value, c->vlen, max, out);
}

static bool parse_issuer(const cursor *c, lv__issuer_pk *is) {
  size_t hl = 2 * LV__KEYID, bl = LV__B64_LEN(LV__SIGN_PK);
  return c->vlen == hl + 1 + bl && c->value[hl] == ' ' && lower_hex(c->value, hl) &&
         lv__hex_decode(is->id, LV__KEYID, c->value, hl) == LV_OK &&
         lv__b64_decode(is->pk, LV__SIGN_PK, c->value + hl + 1, bl) == LV_OK;
}

static bool parse_part(const cursor *c, lv__part *pt, uint32_t gen, uint32_t idx) {
  const char *v = c->value, *sp1, *sp2;
  size_t n = c->vlen;
  uint64_t size;
  lv__part_name(pt->name, gen, idx);
  if (n < 14 || memcmp(v, pt->name, 12) || v[12] != ' ') return false;
  sp1 = v + 12;
  sp2 = memchr(sp1 + 1, ' ', n - 13);
  if (!sp2 || !decimal(sp1 + 1, (size_t)(sp2 - sp1 - 1), LV__PART_MAX_DEFAULT, &size) || !size)
    return false;
  size_t hl = (size_t)(v + n - sp2 - 1);
  pt->size = size;
  return hl == 2 * LV__HASH && lower_hex(sp2 + 1, hl) &&
         lv__hex_decode(pt->hash, LV__HASH, sp2 + 1, hl) == LV_OK;
}

static bool url_text(const char *v, size_t n) {
  return n > 8 && n < 1024 && lv__utf8_valid_text((const uint8_t *)v, n) &&
         (!memcmp(v, "http://", 7) || !memcmp(v, "https://", 8));
}

static lv_status parse_body(lv__manifest *m, cursor *c) {
  uint64_t x;
  int64_t t;
  char ts[32];
  static const char head[] = "licvault-backup ";
  if ((size_t)(c->end - c->p) < sizeof head || memcmp(c->p, head, sizeof head - 1))
    return LV_E_BACKUP_CORRUPT;
  if (!u64v(c, "licvault-backup", 1000, &x)) return LV_E_BACKUP_CORRUPT;
  if (x < LV__SET_VERSION_MIN || x > LV__SET_VERSION) return LV_E_LICENSE_VERSION;
  m->version = (uint32_t)x;
  if (!u64v(c, "generation", 255, &x) || !x) return LV_E_BACKUP_CORRUPT;
  m->generation = (uint32_t)x;
  if (!next(c, "created") || c->vlen >= sizeof ts) return LV_E_BACKUP_CORRUPT;
  memcpy(ts, c->value, c->vlen);
  ts[c->vlen] = '\0';
  if (c->vlen != 20 || lv__time_parse(&t, ts) < 0) return LV_E_BACKUP_CORRUPT;
  m->created = t;
  if (!hexv(c, "machine-id", m->machine_id, LV__MACHINE_ID) ||
      !b64v(c, "machine-sign-public", m->machine_sign_pk, LV__SIGN_PK) ||
      !next(c, "service-url") || !url_text(c->value, c->vlen))
    return LV_E_BACKUP_CORRUPT;
  memcpy(m->service_url, c->value, c->vlen);
  m->service_url[c->vlen] = '\0';
  if (!hexv(c, "service-id", m->service_id, LV__KEYID) ||
      !b64v(c, "service-sign-public", m->service_sign_pk, LV__SIGN_PK) ||
      !b64v(c, "service-box-public", m->service_box_pk, LV__BOX_PK))
    return LV_E_BACKUP_CORRUPT;
  while (next(c, "issuer")) {
    if (m->nissuers == LV__MAN_MAX_ISSUERS) return LV_E_BACKUP_CORRUPT;
    if (!m->issuers && !(m->issuers = lv__calloc(LV__MAN_MAX_ISSUERS, sizeof *m->issuers)))
      return LV_E_NOMEM;
    if (!parse_issuer(c, &m->issuers[m->nissuers])) return LV_E_BACKUP_CORRUPT;
    /* canonical: ascending ids, no repeats */
    if (m->nissuers && memcmp(m->issuers[m->nissuers - 1].id, m->issuers[m->nissuers].id,
                              LV__KEYID) >= 0)
      return LV_E_BACKUP_CORRUPT;
    m->nissuers++;
  }
  if (!u64v(c, "licenses", UINT32_MAX, &m->licenses) ||
      !u64v(c, "entry-size", LV__ENTRY, &x) || x != LV__ENTRY ||
      !u64v(c, "entries-per-message", LV__ENTRIES_PER_MSG, &x) || x != LV__ENTRIES_PER_MSG ||
      !b64v(c, "sealed-secret", m->sealed_secret, LV__SEALED_SECRET) ||
      !b64v(c, "stream-header", m->stream_header, LV__SSTREAM_HEADER))
    return LV_E_BACKUP_CORRUPT;
  uint64_t total = 0, want = lv__stream_size(m->licenses);
  while (next(c, "part")) {
    if (m->nparts == LV__MAN_MAX_PARTS) return LV_E_BACKUP_CORRUPT;
    if (m->nparts % 256 == 0) {
      lv__part *np = lv__calloc(m->nparts + 256, sizeof *np);
      if (!np) return LV_E_NOMEM;
      if (m->parts) memcpy(np, m->parts, m->nparts * sizeof *np);
      free(m->parts);
      m->parts = np;
    }
    if (!parse_part(c, &m->parts[m->nparts], m->generation, m->nparts)) return LV_E_BACKUP_CORRUPT;
    total += m->parts[m->nparts++].size;
  }
  /* every part but the last is of one size, and they add up to the stream */
  if (!m->nparts || total != want) return LV_E_BACKUP_CORRUPT;
  for (uint32_t i = 1; i + 1 < m->nparts; i++)
    if (m->parts[i].size != m->parts[0].size) return LV_E_BACKUP_CORRUPT;
  if (m->nparts > 1 && m->parts[m->nparts - 1].size > m->parts[0].size) return LV_E_BACKUP_CORRUPT;
  return LV_OK;
}

lv_status lv__manifest_parse(lv__manifest *out, const char *text, size_t n) {
  lv__manifest m;
  cursor c = {text, text + n, NULL, NULL, 0};
  memset(&m, 0, sizeof m);
  if (n > LV__MAN_MAX) return LV_E_BACKUP_CORRUPT;
  lv_status rc = parse_body(&m, &c);
  if (rc == LV_OK) {
    size_t signed_len = (size_t)(c.p - text);
    if (!b64v(&c, "signature", m.sig, LV__SIG) || c.p != c.end) rc = LV_E_BACKUP_CORRUPT;
    else if (lv__sign_verify(m.sig, text, signed_len, m.machine_sign_pk) < 0)
      rc = LV_E_BACKUP_CORRUPT;
  }
  if (rc < 0) {
    lv__manifest_free(&m);
    return rc;
  }
  *out = m;
  return LV_OK;
}

lv_status lv__manifest_load(lv__manifest *out, const char *dir) {
  char *path = lv__path_join(dir, LV__MAN_NAME);
  uint8_t *data = NULL;
  size_t n = 0;
  if (!path) return LV_E_NOMEM;
  lv_status rc = lv__file_read_all(path, LV__MAN_MAX, &data, &n);
  free(path);
  if (rc == LV_E_TOO_LARGE) rc = LV_E_BACKUP_CORRUPT;
  if (rc == LV_OK) rc = lv__manifest_parse(out, (const char *)data, n);
  free(data);
  return rc;
}

lv_status lv__entry_decode(lv__entry *out, const uint8_t e[LV__ENTRY]) {
  uint32_t len = (uint32_t)e[0] | (uint32_t)e[1] << 8;
  if (len < LV__LIC_MIN || len > LV__LIC_MAX) return LV_E_BACKUP_CORRUPT;
  for (size_t i = 2 + len; i < 2 + LV__LIC_MAX; i++)
    if (e[i]) return LV_E_BACKUP_CORRUPT;
  const uint8_t *s = e + 2 + LV__LIC_MAX;
  if (e[LV__ENTRY - 2] || e[LV__ENTRY - 1]) return LV_E_BACKUP_CORRUPT;
  out->rec = e + 2;
  out->len = len;
  out->plays_used = lv__load_u32(s);
  out->first_use = (int64_t)lv__load_u64(s + 4);
  memcpy(out->locked, s + 12, 32);
  if (out->first_use < 0 || (out->plays_used && !out->first_use)) return LV_E_BACKUP_CORRUPT;
  return LV_OK;
}

void lv__entry_encode(uint8_t e[LV__ENTRY], const uint8_t *rec, size_t len, uint32_t plays,
                      int64_t first_use, const uint8_t locked[32]) {
  memset(e, 0, LV__ENTRY);
  e[0] = (uint8_t)len;
  e[1] = (uint8_t)(len >> 8);
  memcpy(e + 2, rec, len);
  uint8_t *s = e + 2 + LV__LIC_MAX;
  lv__store_u32(s, plays);
  lv__store_u64(s + 4, (uint64_t)first_use);
  memcpy(e + LV__ENTRY_LOCKED, locked, 32);
}
_Static_assert(LV__ENTRY_LOCKED == 806 && LV__ENTRY_LOCKED + 32 + 2 == LV__ENTRY,
               "docs/format.md: the locked key at 806, then two zero bytes");
