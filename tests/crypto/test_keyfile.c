/* test_keyfile.c - the key file format: generate, format and parse back
 * every kind, the strict parser's rejections, and the saved files' modes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/encoding.h"
#include "core/file.h"
#include "crypto/keyfile.h"
#include "testutil.h"

#define TEXT_MAX 8192

typedef struct text {
  char s[TEXT_MAX];
  size_t n;
} text;

/* Formats k into t (NUL-terminated for the string helpers). */
static void fmt(text *t, const lv__keyfile *k, bool secret) {
  lv__buf b;
  lv__buf_init(&b, LV__KEYFILE_MAX);
  assert_int_equal(lv__keyfile_format(&b, k, secret), LV_OK);
  assert_true(b.len < TEXT_MAX);
  memcpy(t->s, b.data, b.len);
  t->s[b.len] = '\0';
  t->n = b.len;
  lv__buf_free(&b);
}

static lv_status parse(const text *t, lv__keyfile *out) {
  lv__keyfile scratch;
  return lv__keyfile_parse(out ? out : &scratch, t->s, t->n);
}

static void set_text(text *t, const char *s) {
  t->n = strlen(s);
  assert_true(t->n < TEXT_MAX);
  memcpy(t->s, s, t->n + 1);
}

/* Replaces the line "name ...\n" of t with repl (which may be "" to drop
 * it, or several lines). */
static void edit_line(text *t, const char *name, const char *repl) {
  char key[64];
  snprintf(key, sizeof key, "\n%s ", name);
  char *at = strstr(t->s, key);
  assert_non_null(at);
  at++;
  char *end = strchr(at, '\n');
  assert_non_null(end);
  end++;
  size_t head = (size_t)(at - t->s), tail = t->n - (size_t)(end - t->s), rl = strlen(repl);
  assert_true(head + rl + tail < TEXT_MAX);
  memmove(t->s + head + rl, end, tail + 1);
  memcpy(t->s + head, repl, rl);
  t->n = head + rl + tail;
}

/* Copies the whole line "name ...\n" into out. */
static void get_line(char *out, size_t cap, const text *t, const char *name) {
  char key[64];
  snprintf(key, sizeof key, "\n%s ", name);
  const char *at = strstr(t->s, key);
  assert_non_null(at);
  at++;
  const char *end = strchr(at, '\n');
  assert_non_null(end);
  size_t n = (size_t)(end - at) + 1;
  assert_true(n < cap);
  memcpy(out, at, n);
  out[n] = '\0';
}

static void expect_key_file_error(const text *t) {
  lv__keyfile k;
  memset(&k, 0x77, sizeof k);
  lv_status rc = lv__keyfile_parse(&k, t->s, t->n);
  if (rc != LV_E_KEY_FILE) fail_msg("accepted (%d):\n%.*s", rc, (int)t->n, t->s);
  /* nothing written on failure */
  const uint8_t *p = (const uint8_t *)&k;
  for (size_t i = 0; i < sizeof k; i++) assert_int_equal(p[i], 0x77);
}

static bool has_box(lv__key_kind kind) { return kind != LV__KEY_ISSUER; }

static void assert_same_key(const lv__keyfile *a, const lv__keyfile *b, bool secret) {
  assert_int_equal(a->kind, b->kind);
  assert_memory_equal(a->id, b->id, LV__KEYID);
  assert_memory_equal(a->sign_pk, b->sign_pk, LV__SIGN_PK);
  if (has_box(a->kind)) assert_memory_equal(a->box_pk, b->box_pk, LV__BOX_PK);
  if (a->kind == LV__KEY_MACHINE)
    assert_memory_equal(a->machine_id, b->machine_id, LV__MACHINE_ID);
  if (secret) {
    assert_true(b->has_secret);
    assert_memory_equal(a->sign_sk, b->sign_sk, LV__SIGN_SK);
    if (has_box(a->kind)) assert_memory_equal(a->box_sk, b->box_sk, LV__BOX_SK);
  }
}

/* A computer's public identity, as an issuer receives it. */
static void make_machine(lv__keyfile *k) {
  memset(k, 0, sizeof *k);
  k->kind = LV__KEY_MACHINE;
  lv__random(k->machine_id, LV__MACHINE_ID);
  assert_int_equal(lv__sign_keypair(k->sign_pk, k->sign_sk), LV_OK);
  assert_int_equal(lv__box_keypair(k->box_pk, k->box_sk), LV_OK);
  lv__keyfile_compute_id(k);
}

static unsigned file_mode(const char *path) {
  struct stat st;
  assert_int_equal(stat(path, &st), 0);
  return (unsigned)(st.st_mode & 07777);
}

/* ---- generate, format, parse ------------------------------------------- */

static void keyfile_generate_issuer_and_service(void **state) {
  (void)state;
  lv__keyfile k, k2;
  uint8_t pk[LV__SIGN_PK];
  assert_int_equal(lv__keyfile_generate(&k, LV__KEY_ISSUER), LV_OK);
  assert_int_equal(k.kind, LV__KEY_ISSUER);
  assert_true(k.has_secret);
  lv__sign_sk_to_pk(pk, k.sign_sk);
  assert_memory_equal(pk, k.sign_pk, LV__SIGN_PK);
  memcpy(&k2, &k, sizeof k);
  lv__keyfile_compute_id(&k2);
  assert_memory_equal(k.id, k2.id, LV__KEYID);

  assert_int_equal(lv__keyfile_generate(&k2, LV__KEY_SERVICE), LV_OK);
  assert_int_equal(k2.kind, LV__KEY_SERVICE);
  assert_int_equal(lv__box_sk_to_pk(pk, k2.box_sk), LV_OK);
  assert_memory_equal(pk, k2.box_pk, LV__BOX_PK);
  assert_memory_not_equal(k.id, k2.id, LV__KEYID);
  lv__keyfile_wipe(&k);
  lv__keyfile_wipe(&k2);
}

static void keyfile_generate_refuses_machine_kind(void **state) {
  (void)state;
  lv__keyfile k;
  assert_int_equal(lv__keyfile_generate(&k, LV__KEY_MACHINE), LV_E_INVALID_ARG);
}

static void keyfile_issuer_secret_and_public_parse_back_equal(void **state) {
  (void)state;
  lv__keyfile k, back;
  text t;
  assert_int_equal(lv__keyfile_generate(&k, LV__KEY_ISSUER), LV_OK);
  fmt(&t, &k, true);
  assert_int_equal(parse(&t, &back), LV_OK);
  assert_same_key(&k, &back, true);
  fmt(&t, &k, false);
  assert_null(strstr(t.s, "secret"));
  assert_int_equal(parse(&t, &back), LV_OK);
  assert_same_key(&k, &back, false);
  assert_false(back.has_secret);
  lv__keyfile_wipe(&k);
  lv__keyfile_wipe(&back);
}

static void keyfile_service_secret_and_public_parse_back_equal(void **state) {
  (void)state;
  lv__keyfile k, back;
  text t;
  assert_int_equal(lv__keyfile_generate(&k, LV__KEY_SERVICE), LV_OK);
  fmt(&t, &k, true);
  assert_int_equal(parse(&t, &back), LV_OK);
  assert_same_key(&k, &back, true);
  fmt(&t, &k, false);
  assert_int_equal(parse(&t, &back), LV_OK);
  assert_same_key(&k, &back, false);
  assert_false(back.has_secret);
  lv__keyfile_wipe(&k);
}

static void keyfile_machine_identity_parses_back_equal(void **state) {
  (void)state;
  lv__keyfile k, back;
  text t;
  make_machine(&k);
  fmt(&t, &k, false);
  assert_int_equal(parse(&t, &back), LV_OK);
  assert_same_key(&k, &back, false);
  assert_false(back.has_secret);
  /* a machine without a secret prints no secret lines even when asked */
  fmt(&t, &k, true);
  assert_null(strstr(t.s, "secret"));
}

static void keyfile_text_has_documented_shape(void **state) {
  (void)state;
  lv__keyfile k;
  text t;
  char want[256], hex[2 * LV__KEYID + 1], b64[LV__B64_LEN(LV__SIGN_SK) + 1];
  assert_int_equal(lv__keyfile_generate(&k, LV__KEY_ISSUER), LV_OK);
  fmt(&t, &k, true);
  lv__hex_encode(hex, k.id, LV__KEYID);
  snprintf(want, sizeof want, "licvault-key 1\nkind issuer-secret\nid %s\nsign-public ", hex);
  assert_int_equal(strncmp(t.s, want, strlen(want)), 0);
  lv__b64_encode(b64, k.sign_pk, LV__SIGN_PK);
  snprintf(want, sizeof want, "\nsign-public %s\n", b64);
  assert_non_null(strstr(t.s, want));
  assert_int_equal(t.s[t.n - 1], '\n');
  fmt(&t, &k, false);
  assert_int_equal(strncmp(t.s, "licvault-key 1\nkind issuer\n", 27), 0);
  make_machine(&k);
  fmt(&t, &k, false);
  assert_int_equal(strncmp(t.s, "licvault-key 1\nkind machine\nid ", 31), 0);
  assert_non_null(strstr(t.s, "\nmachine-id "));
  assert_non_null(strstr(t.s, "\nbox-public "));
  lv__keyfile_wipe(&k);
}

static void keyfile_format_secret_sets_wipe(void **state) {
  (void)state;
  lv__keyfile k;
  lv__buf b;
  assert_int_equal(lv__keyfile_generate(&k, LV__KEY_SERVICE), LV_OK);
  lv__buf_init(&b, LV__KEYFILE_MAX);
  assert_int_equal(lv__keyfile_format(&b, &k, true), LV_OK);
  assert_true(b.wipe);
  lv__buf_free(&b);
  lv__buf_init(&b, 10); /* too small a cap surfaces as an error */
  assert_int_equal(lv__keyfile_format(&b, &k, true), LV_E_TOO_LARGE);
  lv__buf_free(&b);
  lv__keyfile_wipe(&k);
}

static void keyfile_id_depends_on_kind_keys_and_machine_id(void **state) {
  (void)state;
  lv__keyfile m, m2;
  uint8_t id[LV__KEYID];
  make_machine(&m);
  memcpy(&m2, &m, sizeof m);
  m2.machine_id[0] ^= 1;
  lv__keyfile_compute_id(&m2);
  assert_memory_not_equal(m.id, m2.id, LV__KEYID);
  memcpy(&m2, &m, sizeof m);
  m2.box_pk[5] ^= 1;
  lv__keyfile_compute_id(&m2);
  assert_memory_not_equal(m.id, m2.id, LV__KEYID);
  memcpy(&m2, &m, sizeof m);
  m2.kind = LV__KEY_SERVICE;
  lv__keyfile_compute_id(&m2);
  assert_memory_not_equal(m.id, m2.id, LV__KEYID);
  memcpy(id, m2.id, LV__KEYID);
  m2.machine_id[0] ^= 1; /* not part of a service key's id */
  lv__keyfile_compute_id(&m2);
  assert_memory_equal(id, m2.id, LV__KEYID);
}

static void keyfile_kind_names(void **state) {
  (void)state;
  assert_string_equal(lv__key_kind_name(LV__KEY_ISSUER), "issuer");
  assert_string_equal(lv__key_kind_name(LV__KEY_SERVICE), "service");
  assert_string_equal(lv__key_kind_name(LV__KEY_MACHINE), "machine");
  assert_string_equal(lv__key_kind_name((lv__key_kind)0), "?");
}

static void keyfile_wipe_clears_everything(void **state) {
  (void)state;
  lv__keyfile k;
  assert_int_equal(lv__keyfile_generate(&k, LV__KEY_SERVICE), LV_OK);
  lv__keyfile_wipe(&k);
  const uint8_t *p = (const uint8_t *)&k;
  for (size_t i = 0; i < sizeof k; i++) assert_int_equal(p[i], 0);
}

/* ---- parse rejections -------------------------------------------------- */

typedef struct fixture {
  lv__keyfile issuer, service, machine;
  text issuer_sec, issuer_pub, service_sec, service_pub, machine_pub;
} fixture;

static int setup_keys(void **state) {
  fixture *f = calloc(1, sizeof *f);
  if (!f) return -1;
  if (lv__keyfile_generate(&f->issuer, LV__KEY_ISSUER) < 0 ||
      lv__keyfile_generate(&f->service, LV__KEY_SERVICE) < 0)
    return -1;
  make_machine(&f->machine);
  fmt(&f->issuer_sec, &f->issuer, true);
  fmt(&f->issuer_pub, &f->issuer, false);
  fmt(&f->service_sec, &f->service, true);
  fmt(&f->service_pub, &f->service, false);
  fmt(&f->machine_pub, &f->machine, false);
  *state = f;
  return 0;
}

static int teardown_keys(void **state) {
  fixture *f = *state;
  lv__memzero(f, sizeof *f);
  free(f);
  return 0;
}

/* All valid texts of the fixture, for loops over every kind. */
static const text *all_texts(const fixture *f, size_t i) {
  const text *ts[] = {&f->issuer_sec, &f->issuer_pub, &f->service_sec, &f->service_pub,
                      &f->machine_pub};
  return i < 5 ? ts[i] : NULL;
}

static void keyfile_fixture_texts_all_parse(void **state) {
  fixture *f = *state;
  for (size_t i = 0; all_texts(f, i); i++) assert_int_equal(parse(all_texts(f, i), NULL), LV_OK);
}

static void keyfile_parse_rejects_missing_or_wrong_header(void **state) {
  fixture *f = *state;
  text t = f->issuer_pub;
  edit_line(&t, "kind", "kind issuer\n"); /* no change: sanity */
  assert_int_equal(parse(&t, NULL), LV_OK);
  memmove(t.s, t.s + 15, t.n - 15 + 1); /* drop "licvault-key 1\n" */
  t.n -= 15;
  expect_key_file_error(&t);
  static const char *const heads[] = {"licvault-key 2\n", "licvault-key 1 \n",
                                      "Licvault-key 1\n", "licvault-key  1\n",
                                      "licvault-key\n", "\nlicvault-key 1\n"};
  for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
    text u;
    size_t hl = strlen(heads[i]);
    memcpy(u.s, heads[i], hl);
    memcpy(u.s + hl, f->issuer_pub.s + 15, f->issuer_pub.n - 15 + 1);
    u.n = hl + f->issuer_pub.n - 15;
    expect_key_file_error(&u);
  }
  set_text(&t, "licvault-key 1");
  expect_key_file_error(&t);
  set_text(&t, "licvault-key 1\n");
  expect_key_file_error(&t);
  set_text(&t, "");
  expect_key_file_error(&t);
}

static void keyfile_parse_rejects_unknown_field(void **state) {
  fixture *f = *state;
  static const char *const extra[] = {"comment hello\n", "Kind issuer\n", "id2 00\n",
                                      "sign-public2 AAAA\n", "kind-x issuer\n"};
  for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++) {
    text t = f->issuer_pub;
    char line[512], repl[600];
    get_line(line, sizeof line, &t, "id");
    snprintf(repl, sizeof repl, "%s%s", line, extra[i]);
    edit_line(&t, "id", repl);
    expect_key_file_error(&t);
  }
}

static void keyfile_parse_rejects_repeated_field(void **state) {
  fixture *f = *state;
  static const char *const names[] = {"kind", "id", "sign-public", "box-public",
                                      "sign-secret", "box-secret"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    text t = f->service_sec;
    char line[512], repl[1100];
    get_line(line, sizeof line, &t, names[i]);
    snprintf(repl, sizeof repl, "%s%s", line, line);
    edit_line(&t, names[i], repl);
    expect_key_file_error(&t);
  }
  text t = f->machine_pub;
  char line[512], repl[1100];
  get_line(line, sizeof line, &t, "machine-id");
  snprintf(repl, sizeof repl, "%s%s", line, line);
  edit_line(&t, "machine-id", repl);
  expect_key_file_error(&t);
}

static void keyfile_parse_rejects_missing_required_field(void **state) {
  fixture *f = *state;
  static const char *const names[] = {"kind", "id", "machine-id", "sign-public",
                                      "box-public", "sign-secret", "box-secret"};
  for (size_t i = 0; all_texts(f, i); i++) {
    for (size_t j = 0; j < sizeof names / sizeof names[0]; j++) {
      text t = *all_texts(f, i);
      char key[64];
      snprintf(key, sizeof key, "\n%s ", names[j]);
      if (!strstr(t.s, key)) continue;
      edit_line(&t, names[j], "");
      expect_key_file_error(&t);
    }
  }
}

/* Inserts the line "name ..." of src right after the line "after ..." of t. */
static void insert_after(text *t, const char *after, const text *src, const char *name) {
  char line[512], anchor[512], repl[1100];
  get_line(line, sizeof line, src, name);
  get_line(anchor, sizeof anchor, t, after);
  snprintf(repl, sizeof repl, "%s%s", anchor, line);
  edit_line(t, after, repl);
}

static void keyfile_parse_rejects_field_foreign_to_kind(void **state) {
  fixture *f = *state;
  text t = f->issuer_pub; /* an issuer has no box key */
  insert_after(&t, "sign-public", &f->service_pub, "box-public");
  expect_key_file_error(&t);
  t = f->service_pub; /* only a machine has a machine id */
  insert_after(&t, "id", &f->machine_pub, "machine-id");
  expect_key_file_error(&t);
  t = f->issuer_pub; /* a public file with a secret line */
  insert_after(&t, "sign-public", &f->issuer_sec, "sign-secret");
  expect_key_file_error(&t);
  t = f->service_pub; /* a public service file with only one secret */
  insert_after(&t, "box-public", &f->service_sec, "box-secret");
  expect_key_file_error(&t);
}

static void keyfile_parse_rejects_kind_not_first(void **state) {
  fixture *f = *state;
  text t = f->issuer_pub;
  char kind[64], id[64];
  get_line(kind, sizeof kind, &t, "kind");
  get_line(id, sizeof id, &t, "id");
  edit_line(&t, "id", kind);   /* header, kind, kind, rest */
  edit_line(&t, "kind", id);   /* header, id, kind, rest */
  assert_int_equal(strncmp(t.s + 15, "id ", 3), 0);
  assert_non_null(strstr(t.s, kind));
  expect_key_file_error(&t);
}

/* docs/keys.md: the lines come "in exactly this order", so one key has
 * exactly one text. */
static void keyfile_parse_rejects_fields_out_of_order(void **state) {
  fixture *f = *state;
  text t = f->service_pub;
  char sign[128], box[128];
  get_line(sign, sizeof sign, &t, "sign-public");
  get_line(box, sizeof box, &t, "box-public");
  edit_line(&t, "sign-public", box); /* ..., box, box */
  edit_line(&t, "box-public", "");   /* ..., box */
  t.n += (size_t)snprintf(t.s + t.n, sizeof t.s - t.n, "%s", sign); /* box, sign */
  assert_non_null(strstr(t.s, box));
  assert_true(strstr(t.s, box) < strstr(t.s, "\nsign-public "));
  expect_key_file_error(&t);
  /* the same for the id after sign-public, and secrets before publics */
  t = f->issuer_pub;
  char id[64];
  get_line(id, sizeof id, &t, "id");
  edit_line(&t, "id", "");
  t.n += (size_t)snprintf(t.s + t.n, sizeof t.s - t.n, "%s", id);
  expect_key_file_error(&t);
  t = f->issuer_sec;
  char sec[160];
  get_line(sign, sizeof sign, &t, "sign-public");
  get_line(sec, sizeof sec, &t, "sign-secret");
  edit_line(&t, "sign-public", sec); /* ..., secret, secret */
  edit_line(&t, "sign-secret", "");   /* drops the first */
  t.n += (size_t)snprintf(t.s + t.n, sizeof t.s - t.n, "%s", sign);
  expect_key_file_error(&t);
}

static void keyfile_parse_rejects_unknown_kind(void **state) {
  fixture *f = *state;
  static const char *const kinds[] = {"kind Issuer\n", "kind issuer-public\n",
                                      "kind issuersecret\n", "kind \n", "kind issuer \n",
                                      "kind user\n", "kind issuer-secret-secret\n"};
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
    text t = f->issuer_pub;
    edit_line(&t, "kind", kinds[i]);
    expect_key_file_error(&t);
  }
}

static void keyfile_parse_rejects_machine_secret_kind(void **state) {
  fixture *f = *state;
  lv__keyfile m = f->machine;
  text t;
  m.has_secret = true; /* the format would print it; the parser refuses */
  fmt(&t, &m, true);
  assert_non_null(strstr(t.s, "kind machine-secret\n"));
  assert_non_null(strstr(t.s, "\nsign-secret "));
  expect_key_file_error(&t);
  lv__keyfile_wipe(&m);
}

static void keyfile_parse_rejects_secret_not_matching_public(void **state) {
  fixture *f = *state;
  lv__keyfile k = f->issuer, other;
  text t;
  /* a consistent id over a foreign public key: only the secret check fails */
  assert_int_equal(lv__keyfile_generate(&other, LV__KEY_ISSUER), LV_OK);
  memcpy(k.sign_pk, other.sign_pk, LV__SIGN_PK);
  lv__keyfile_compute_id(&k);
  fmt(&t, &k, true);
  expect_key_file_error(&t);
  fmt(&t, &k, false); /* the public half alone is a fine key */
  assert_int_equal(parse(&t, NULL), LV_OK);
  /* the same for the box key of a service */
  k = f->service;
  assert_int_equal(lv__box_keypair(other.box_pk, other.box_sk), LV_OK);
  memcpy(k.box_pk, other.box_pk, LV__BOX_PK);
  lv__keyfile_compute_id(&k);
  fmt(&t, &k, true);
  expect_key_file_error(&t);
  /* a service key whose secret lines were swapped with another service's */
  text u = f->service_sec;
  lv__keyfile s2;
  text t2;
  char line[512];
  assert_int_equal(lv__keyfile_generate(&s2, LV__KEY_SERVICE), LV_OK);
  fmt(&t2, &s2, true);
  get_line(line, sizeof line, &t2, "box-secret");
  edit_line(&u, "box-secret", line);
  expect_key_file_error(&u);
  u = f->service_sec;
  get_line(line, sizeof line, &t2, "sign-secret");
  edit_line(&u, "sign-secret", line);
  expect_key_file_error(&u);
  lv__keyfile_wipe(&k);
  lv__keyfile_wipe(&other);
  lv__keyfile_wipe(&s2);
}

/* Changes character i of the value of line name to another base64/hex
 * character, keeping the text well-formed. */
static void edit_value_char(text *t, const char *name, size_t i) {
  char key[64];
  snprintf(key, sizeof key, "\n%s ", name);
  char *v = strstr(t->s, key);
  assert_non_null(v);
  v += strlen(key);
  v[i] = v[i] == 'a' ? 'b' : 'a';
}

static void keyfile_parse_rejects_edited_id(void **state) {
  fixture *f = *state;
  for (size_t i = 0; all_texts(f, i); i++)
    for (size_t c = 0; c < 2 * LV__KEYID; c++) {
      text t = *all_texts(f, i);
      edit_value_char(&t, "id", c);
      expect_key_file_error(&t);
    }
  text t = f->issuer_pub;
  edit_line(&t, "id", "id 00\n");
  expect_key_file_error(&t);
  t = f->issuer_pub;
  edit_line(&t, "id", "id 00000000000000000\n");
  expect_key_file_error(&t);
}

static void keyfile_parse_rejects_edited_public_key(void **state) {
  fixture *f = *state;
  /* each id is computed over the public keys, so editing one breaks it */
  for (size_t i = 0; all_texts(f, i); i++) {
    for (size_t c = 0; c < 40; c += 3) {
      text t = *all_texts(f, i);
      edit_value_char(&t, "sign-public", c);
      expect_key_file_error(&t);
      if (!strstr(t.s, "\nbox-public ")) continue;
      t = *all_texts(f, i);
      edit_value_char(&t, "box-public", c);
      expect_key_file_error(&t);
    }
  }
  text t = f->machine_pub;
  edit_value_char(&t, "machine-id", 0);
  expect_key_file_error(&t);
}

static void keyfile_parse_rejects_missing_final_newline(void **state) {
  fixture *f = *state;
  for (size_t i = 0; all_texts(f, i); i++) {
    text t = *all_texts(f, i);
    t.s[--t.n] = '\0';
    expect_key_file_error(&t);
  }
}

static void keyfile_parse_rejects_every_truncation(void **state) {
  fixture *f = *state;
  for (size_t i = 0; all_texts(f, i); i++) {
    const text *full = all_texts(f, i);
    for (size_t n = 0; n < full->n; n++) {
      text t = *full;
      t.n = n;
      t.s[n] = '\0';
      expect_key_file_error(&t);
    }
  }
}

static void keyfile_parse_rejects_every_flipped_byte_of_public_file(void **state) {
  fixture *f = *state;
  const text *pubs[] = {&f->issuer_pub, &f->service_pub, &f->machine_pub};
  for (size_t i = 0; i < 3; i++)
    for (size_t off = 0; off < pubs[i]->n; off++)
      for (int bit = 0; bit < 8; bit++) {
        text t = *pubs[i];
        t.s[off] = (char)(t.s[off] ^ (1 << bit));
        lv__keyfile k;
        if (lv__keyfile_parse(&k, t.s, t.n) != LV_E_KEY_FILE)
          fail_msg("file %zu: bit %d of byte %zu flipped still parses", i, bit, off);
      }
}

static void keyfile_parse_rejects_line_ending_and_space_variants(void **state) {
  fixture *f = *state;
  char line[512], repl[600];
  text t = f->issuer_pub;
  get_line(line, sizeof line, &t, "id");
  line[strlen(line) - 1] = '\0';
  snprintf(repl, sizeof repl, "%s\r\n", line); /* CRLF */
  edit_line(&t, "id", repl);
  expect_key_file_error(&t);
  t = f->issuer_pub;
  snprintf(repl, sizeof repl, "%s \n", line); /* trailing space */
  edit_line(&t, "id", repl);
  expect_key_file_error(&t);
  t = f->issuer_pub;
  snprintf(repl, sizeof repl, "%s\n\n", line); /* blank line */
  edit_line(&t, "id", repl);
  expect_key_file_error(&t);
  t = f->issuer_pub;
  snprintf(repl, sizeof repl, " %s\n", line); /* leading space */
  edit_line(&t, "id", repl);
  expect_key_file_error(&t);
  t = f->issuer_pub;
  snprintf(repl, sizeof repl, "id  %s\n", line + 3); /* two spaces */
  edit_line(&t, "id", repl);
  expect_key_file_error(&t);
  t = f->issuer_pub;
  snprintf(repl, sizeof repl, "id\t%s\n", line + 3); /* tab */
  edit_line(&t, "id", repl);
  expect_key_file_error(&t);
  /* trailing bytes after the last newline */
  t = f->issuer_pub;
  t.s[t.n++] = 'x';
  t.s[t.n] = '\0';
  expect_key_file_error(&t);
  /* an embedded NUL */
  t = f->issuer_pub;
  char *nl = strchr(t.s + 15, ' ');
  assert_non_null(nl);
  nl[1] = '\0';
  expect_key_file_error(&t);
}

/* docs/keys.md: "hex is lower case", on input too: one spelling per key. */
static void keyfile_parse_rejects_upper_case_hex(void **state) {
  fixture *f = *state;
  static const char *const names[] = {"id", "machine-id"};
  for (size_t j = 0; j < 2; j++) {
    text t = f->machine_pub;
    char line[128];
    get_line(line, sizeof line, &t, names[j]);
    size_t n = strlen(line), changed = 0;
    for (size_t i = strlen(names[j]) + 1; i < n; i++)
      if (line[i] >= 'a' && line[i] <= 'f') {
        line[i] = (char)(line[i] - 'a' + 'A');
        changed++;
        break; /* one letter is enough */
      }
    if (!changed) continue; /* all digits: nothing to upper-case */
    edit_line(&t, names[j], line);
    expect_key_file_error(&t);
  }
}

static void keyfile_parse_rejects_over_4096_bytes(void **state) {
  fixture *f = *state;
  static char big[LV__KEYFILE_MAX + 2];
  lv__keyfile k;
  /* a valid file followed by padding lines up to the limit and past it */
  memset(big, 'x', sizeof big);
  memcpy(big, f->service_sec.s, f->service_sec.n);
  big[LV__KEYFILE_MAX] = '\n';
  assert_int_equal(lv__keyfile_parse(&k, big, LV__KEYFILE_MAX + 1), LV_E_KEY_FILE);
  assert_int_equal(lv__keyfile_parse(&k, big, LV__KEYFILE_MAX + 2), LV_E_KEY_FILE);
  assert_int_equal(lv__keyfile_parse(&k, big, f->service_sec.n), LV_OK);
}

/* BUG (src/crypto/keyfile.c, check_secret): the Ed25519 secret is 64 bytes,
 * seed || public key, and lv__sign_sk_to_pk only copies its second half.
 * An edited seed therefore parses as a valid secret key file, although the
 * key then signs with a scalar whose public key is not sign-public: every
 * signature it makes fails to verify. The header promises LV_E_KEY_FILE for
 * "a secret that does not match its public key". Enable after the fix. */
static void keyfile_parse_rejects_edited_sign_secret_seed(void **state) {
  fixture *f = *state;
  lv__keyfile k = f->issuer;
  text t;
  k.sign_sk[0] ^= 0x01; /* the seed half; the public half still matches */
  fmt(&t, &k, true);
  lv__keyfile got;
  lv_status rc = lv__keyfile_parse(&got, t.s, t.n);
  assert_int_equal(rc, LV_E_KEY_FILE);
  lv__keyfile_wipe(&k);
}

/* ---- files on disk ----------------------------------------------------- */

static void keyfile_save_pair_writes_key_0600_and_pub_0644(void **state) {
  (void)state;
  char *base = tu_tmpdir("keys");
  char *dir = tu_path(base, "nested/keys"); /* created on the way */
  char *key = tu_path(dir, "svc.key"), *pub = tu_path(dir, "svc.pub");
  lv__keyfile k, back;
  assert_int_equal(lv__keyfile_generate(&k, LV__KEY_SERVICE), LV_OK);
  assert_int_equal(lv__keyfile_save_pair(&k, dir, "svc"), LV_OK);
  assert_int_equal(file_mode(key), 0600);
  assert_int_equal(file_mode(pub), 0644);
  assert_int_equal(file_mode(dir), 0700);
  assert_int_equal(lv__keyfile_load(&back, key), LV_OK);
  assert_same_key(&k, &back, true);
  assert_int_equal(lv__keyfile_load(&back, pub), LV_OK);
  assert_same_key(&k, &back, false);
  assert_false(back.has_secret);
  /* saving again replaces both */
  lv__keyfile k2;
  assert_int_equal(lv__keyfile_generate(&k2, LV__KEY_SERVICE), LV_OK);
  assert_int_equal(lv__keyfile_save_pair(&k2, dir, "svc"), LV_OK);
  assert_int_equal(lv__keyfile_load(&back, key), LV_OK);
  assert_same_key(&k2, &back, true);
  assert_int_equal(file_mode(key), 0600);
  lv__keyfile_wipe(&k), lv__keyfile_wipe(&k2), lv__keyfile_wipe(&back);
  free(key), free(pub), free(dir), free(base);
}

static void keyfile_save_pair_of_public_key_writes_only_pub(void **state) {
  (void)state;
  char *dir = tu_tmpdir("keys");
  char *key = tu_path(dir, "m.key"), *pub = tu_path(dir, "m.pub");
  lv__keyfile m, back;
  make_machine(&m);
  assert_int_equal(lv__keyfile_save_pair(&m, dir, "m"), LV_OK);
  struct stat st;
  assert_int_not_equal(stat(key, &st), 0);
  assert_int_equal(file_mode(pub), 0644);
  assert_int_equal(lv__keyfile_load(&back, pub), LV_OK);
  assert_same_key(&m, &back, false);
  free(key), free(pub), free(dir);
}

static void keyfile_load_errors(void **state) {
  fixture *f = *state;
  char *dir = tu_tmpdir("keys");
  char *missing = tu_path(dir, "missing.key"), *big = tu_path(dir, "big.key");
  char *bad = tu_path(dir, "bad.key");
  lv__keyfile k;
  assert_int_equal(lv__keyfile_load(&k, missing), LV_E_NO_FILE);
  static char data[5000];
  memset(data, '\n', sizeof data);
  memcpy(data, f->issuer_sec.s, f->issuer_sec.n);
  assert_int_equal(tu_write(big, data, sizeof data), 0);
  assert_int_equal(lv__keyfile_load(&k, big), LV_E_KEY_FILE); /* not TOO_LARGE */
  assert_int_equal(tu_write(bad, f->issuer_sec.s, f->issuer_sec.n - 1), 0);
  assert_int_equal(lv__keyfile_load(&k, bad), LV_E_KEY_FILE);
  assert_int_equal(tu_write(bad, f->issuer_sec.s, f->issuer_sec.n), 0);
  assert_int_equal(lv__keyfile_load(&k, bad), LV_OK);
  assert_same_key(&f->issuer, &k, true);
  lv__keyfile_wipe(&k);
  free(missing), free(big), free(bad), free(dir);
}

#define F(fn) cmocka_unit_test_setup_teardown(fn, setup_keys, teardown_keys)

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(keyfile_generate_issuer_and_service),
      cmocka_unit_test(keyfile_generate_refuses_machine_kind),
      cmocka_unit_test(keyfile_issuer_secret_and_public_parse_back_equal),
      cmocka_unit_test(keyfile_service_secret_and_public_parse_back_equal),
      cmocka_unit_test(keyfile_machine_identity_parses_back_equal),
      cmocka_unit_test(keyfile_text_has_documented_shape),
      cmocka_unit_test(keyfile_format_secret_sets_wipe),
      cmocka_unit_test(keyfile_id_depends_on_kind_keys_and_machine_id),
      cmocka_unit_test(keyfile_kind_names),
      cmocka_unit_test(keyfile_wipe_clears_everything),
      F(keyfile_fixture_texts_all_parse),
      F(keyfile_parse_rejects_missing_or_wrong_header),
      F(keyfile_parse_rejects_unknown_field),
      F(keyfile_parse_rejects_repeated_field),
      F(keyfile_parse_rejects_missing_required_field),
      F(keyfile_parse_rejects_field_foreign_to_kind),
      F(keyfile_parse_rejects_kind_not_first),
      F(keyfile_parse_rejects_fields_out_of_order),
      F(keyfile_parse_rejects_unknown_kind),
      F(keyfile_parse_rejects_machine_secret_kind),
      F(keyfile_parse_rejects_secret_not_matching_public),
      F(keyfile_parse_rejects_edited_id),
      F(keyfile_parse_rejects_edited_public_key),
      F(keyfile_parse_rejects_missing_final_newline),
      F(keyfile_parse_rejects_every_truncation),
      F(keyfile_parse_rejects_every_flipped_byte_of_public_file),
      F(keyfile_parse_rejects_line_ending_and_space_variants),
      F(keyfile_parse_rejects_upper_case_hex),
      F(keyfile_parse_rejects_over_4096_bytes),
      F(keyfile_parse_rejects_edited_sign_secret_seed),
      cmocka_unit_test(keyfile_save_pair_writes_key_0600_and_pub_0644),
      cmocka_unit_test(keyfile_save_pair_of_public_key_writes_only_pub),
      F(keyfile_load_errors),
  };
  if (lv__crypto_init() < 0) return 1;
  return cmocka_run_group_tests(tests, NULL, NULL);
}
