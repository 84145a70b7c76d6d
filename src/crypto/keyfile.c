/* keyfile.c - parse and write licvault key files (docs/keys.md).
 * Line based and strict, so that a hand-edited or truncated key fails loudly
 * instead of yielding a different key. */
#include "crypto/keyfile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/encoding.h"
#include "core/file.h"

enum field { F_KIND, F_ID, F_MACHINE, F_SIGN_PK, F_BOX_PK, F_SIGN_SK, F_BOX_SK, F__N };
static const char *const field_names[F__N] = {
    "kind", "id", "machine-id", "sign-public", "box-public", "sign-secret", "box-secret"};

const char *lv__key_kind_name(lv__key_kind kind) {
  switch (kind) {
  case LV__KEY_ISSUER: return "issuer";
  case LV__KEY_SERVICE: return "service";
  case LV__KEY_MACHINE: return "machine";
  }
  return "?";
}

static bool has_box(lv__key_kind k) { return k != LV__KEY_ISSUER; }

void lv__keyfile_compute_id(lv__keyfile *k) {
  lv__hash_state st;
  uint8_t h[LV__HASH];
  uint8_t kind = (uint8_t)k->kind;
  lv__hash_init(&st);
  lv__hash_update(&st, "licvault key id", 16);
  lv__hash_update(&st, &kind, 1);
  if (k->kind == LV__KEY_MACHINE) lv__hash_update(&st, k->machine_id, LV__MACHINE_ID);
  lv__hash_update(&st, k->sign_pk, LV__SIGN_PK);
  if (has_box(k->kind)) lv__hash_update(&st, k->box_pk, LV__BOX_PK);
  lv__hash_final(&st, h);
  memcpy(k->id, h, LV__KEYID);
}

void lv__keyfile_wipe(lv__keyfile *k) { lv__memzero(k, sizeof *k); }

/* Key files are canonical: one spelling per key, so hex is lower case. */
static bool lower_hex(const char *v, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!((v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' && v[i] <= 'f'))) return false;
  return true;
}

static lv_status parse_value(lv__keyfile *k, enum field f, const char *v, size_t n,
                             uint8_t id[LV__KEYID]) {
  switch (f) {
  case F_KIND:
    for (int kind = LV__KEY_ISSUER; kind <= LV__KEY_MACHINE; kind++) {
      const char *name = lv__key_kind_name((lv__key_kind)kind);
      size_t ln = strlen(name);
      if (n == ln && !memcmp(v, name, ln)) {
        k->kind = (lv__key_kind)kind;
        return LV_OK;
      }
      if (n == ln + 7 && !memcmp(v, name, ln) && !memcmp(v + ln, "-secret", 7)) {
        k->kind = (lv__key_kind)kind;
        k->has_secret = true;
        return kind == LV__KEY_MACHINE ? LV_E_KEY_FILE : LV_OK;
      }
    }
    return LV_E_KEY_FILE;
  case F_ID: return lower_hex(v, n) ? lv__hex_decode(id, LV__KEYID, v, n) : LV_E_KEY_FILE;
  case F_MACHINE:
    return lower_hex(v, n) ? lv__hex_decode(k->machine_id, LV__MACHINE_ID, v, n) : LV_E_KEY_FILE;
  case F_SIGN_PK: return lv__b64_decode(k->sign_pk, LV__SIGN_PK, v, n);
  case F_BOX_PK: return lv__b64_decode(k->box_pk, LV__BOX_PK, v, n);
  case F_SIGN_SK: return lv__b64_decode(k->sign_sk, LV__SIGN_SK, v, n);
  case F_BOX_SK: return lv__b64_decode(k->box_sk, LV__BOX_SK, v, n);
  default: return LV_E_KEY_FILE;
  }
}

/* Which fields a kind must (and may only) carry. */
static unsigned want_mask(const lv__keyfile *k) {
  unsigned m = 1u << F_KIND | 1u << F_ID | 1u << F_SIGN_PK;
  if (has_box(k->kind)) m |= 1u << F_BOX_PK;
  if (k->kind == LV__KEY_MACHINE) m |= 1u << F_MACHINE;
  if (k->has_secret) {
    m |= 1u << F_SIGN_SK;
    if (has_box(k->kind)) m |= 1u << F_BOX_SK;
  }
  return m;
}

static lv_status check_secret(const lv__keyfile *k) {
  uint8_t pk[LV__SIGN_PK], sk[LV__SIGN_SK];
  /* derive both halves from the seed: an edited seed or an edited copy of
   * the public half inside the secret must not load */
  lv__sign_seed_keypair(pk, sk, k->sign_sk);
  int bad = lv__memcmp_ct(pk, k->sign_pk, LV__SIGN_PK) | lv__memcmp_ct(sk, k->sign_sk, LV__SIGN_SK);
  lv__memzero(sk, sizeof sk);
  if (bad) return LV_E_KEY_FILE;
  if (has_box(k->kind)) {
    if (lv__box_sk_to_pk(pk, k->box_sk) < 0 || lv__memcmp_ct(pk, k->box_pk, LV__BOX_PK))
      return LV_E_KEY_FILE;
  }
  return LV_OK;
}

static lv_status parse_lines(lv__keyfile *k, const char *text, size_t n, uint8_t id[8]) {
  static const char head[] = "licvault-key 1\n";
  if (n < sizeof head - 1 || memcmp(text, head, sizeof head - 1))
    return LV_E_KEY_FILE;
  unsigned seen = 0;
  size_t i = sizeof head - 1;
  while (i < n) {
    const char *nl = memchr(text + i, '\n', n - i);
    if (!nl) return LV_E_KEY_FILE; /* every line ends with a newline */
    const char *line = text + i, *sp = memchr(line, ' ', (size_t)(nl - line));
    i = (size_t)(nl - text) + 1;
    if (!sp) return LV_E_KEY_FILE;
    size_t nlen = (size_t)(sp - line);
    enum field f = F__N;
    for (int j = 0; j < F__N; j++)
      if (strlen(field_names[j]) == nlen && !memcmp(line, field_names[j], nlen))
        f = (enum field)j;
    /* fields come once each, in the order of field_names (canonical) */
    if (f == F__N || (seen >> f) != 0) return LV_E_KEY_FILE;
    seen |= 1u << f;
    if (parse_value(k, f, sp + 1, (size_t)(nl - sp - 1), id) < 0) return LV_E_KEY_FILE;
  }
  return seen == want_mask(k) ? LV_OK : LV_E_KEY_FILE;
}

lv_status lv__keyfile_parse(lv__keyfile *out, const char *text, size_t n) {
  lv__keyfile k;
  uint8_t id[LV__KEYID];
  memset(&k, 0, sizeof k);
  lv_status rc = n > LV__KEYFILE_MAX ? LV_E_KEY_FILE : parse_lines(&k, text, n, id);
  if (rc == LV_OK && k.has_secret) rc = check_secret(&k);
  if (rc == LV_OK) {
    lv__keyfile_compute_id(&k);
    if (memcmp(id, k.id, LV__KEYID)) rc = LV_E_KEY_FILE;
  }
  if (rc == LV_OK) *out = k;
  lv__keyfile_wipe(&k);
  return rc;
}

static lv_status put_line(lv__buf *b, const char *name, const char *value) {
  lv_status rc;
  if ((rc = lv__buf_put(b, name, strlen(name))) < 0 || (rc = lv__buf_put_u8(b, ' ')) < 0 ||
      (rc = lv__buf_put(b, value, strlen(value))) < 0)
    return rc;
  return lv__buf_put_u8(b, '\n');
}

lv_status lv__keyfile_format(lv__buf *b, const lv__keyfile *k, bool secret) {
  char v[LV__B64_LEN(LV__SIGN_SK) + 1];
  char kind[32];
  lv_status rc;
  secret = secret && k->has_secret;
  snprintf(kind, sizeof kind, "%s%s", lv__key_kind_name(k->kind), secret ? "-secret" : "");
  b->wipe = b->wipe || secret;
  if ((rc = lv__buf_put(b, "licvault-key 1\n", 15)) < 0 || (rc = put_line(b, "kind", kind)) < 0)
    goto done;
  lv__hex_encode(v, k->id, LV__KEYID);
  if ((rc = put_line(b, "id", v)) < 0) goto done;
  if (k->kind == LV__KEY_MACHINE) {
    lv__hex_encode(v, k->machine_id, LV__MACHINE_ID);
    if ((rc = put_line(b, "machine-id", v)) < 0) goto done;
  }
  lv__b64_encode(v, k->sign_pk, LV__SIGN_PK);
  if ((rc = put_line(b, "sign-public", v)) < 0) goto done;
  if (has_box(k->kind)) {
    lv__b64_encode(v, k->box_pk, LV__BOX_PK);
    if ((rc = put_line(b, "box-public", v)) < 0) goto done;
  }
  if (secret) {
    lv__b64_encode(v, k->sign_sk, LV__SIGN_SK);
    if ((rc = put_line(b, "sign-secret", v)) < 0) goto done;
    if (has_box(k->kind)) {
      lv__b64_encode(v, k->box_sk, LV__BOX_SK);
      rc = put_line(b, "box-secret", v);
    }
  }
done:
  lv__memzero(v, sizeof v);
  return rc;
}

lv_status lv__keyfile_load(lv__keyfile *out, const char *path) {
  uint8_t *data;
  size_t n;
  lv_status rc = lv__file_read_all(path, LV__KEYFILE_MAX, &data, &n);
  if (rc == LV_E_TOO_LARGE) return LV_E_KEY_FILE;
  if (rc < 0) return rc;
  rc = lv__keyfile_parse(out, (const char *)data, n);
  lv__memzero(data, n);
  free(data);
  return rc;
}

lv_status lv__keyfile_generate(lv__keyfile *out, lv__key_kind kind) {
  lv_status rc;
  if (kind == LV__KEY_MACHINE) return LV_E_INVALID_ARG;
  if ((rc = lv__crypto_init()) < 0) return rc;
  memset(out, 0, sizeof *out);
  out->kind = kind;
  out->has_secret = true;
  if ((rc = lv__sign_keypair(out->sign_pk, out->sign_sk)) < 0) return rc;
  if (has_box(kind) && (rc = lv__box_keypair(out->box_pk, out->box_sk)) < 0) return rc;
  lv__keyfile_compute_id(out);
  return LV_OK;
}

static lv_status save_one(const lv__keyfile *k, const char *dir, const char *name,
                          const char *ext, bool secret) {
  lv__buf b;
  lv__buf_init(&b, LV__KEYFILE_MAX);
  char file[256];
  snprintf(file, sizeof file, "%s.%s", name, ext);
  char *path = lv__path_join(dir, file);
  lv_status rc = path ? lv__keyfile_format(&b, k, secret) : LV_E_NOMEM;
  if (rc == LV_OK) rc = lv__file_write_atomic(path, b.data, b.len, secret ? 0600 : 0644);
  free(path);
  lv__buf_free(&b);
  return rc;
}

lv_status lv__keyfile_save_pair(const lv__keyfile *k, const char *dir, const char *name) {
  lv_status rc = lv__mkdir_p(dir, 0700);
  if (rc == LV_OK && k->has_secret) rc = save_one(k, dir, name, "key", true);
  if (rc == LV_OK) rc = save_one(k, dir, name, "pub", false);
  return rc;
}
