/* test_set_vector.c - the test vector of docs/format.md, both ways: from
 * fixed inputs (the license of docs/license-format.md's vector, fixed keys,
 * a fixed random stream) the writer produces exactly the documented
 * manifest and part; and the documented files verify, and open with the
 * documented stream key to the documented entry. Then the versions: a
 * version 1 set (BLAKE2b part hashes) still verifies and opens, a version
 * 1 manifest with a version 2 hash does not verify, and version 3 is
 * refused as unknown.
 *
 * LV_PRINT_VECTOR=1 prints the block for docs/format.md instead of
 * comparing (after a deliberate format change). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "backup/backup.h"
#include "core/encoding.h"

#define LINES 40

/* What a ```vector block of a document holds: "name value" lines, the
 * values of names that repeat (record, part, manifest) concatenated. */
typedef struct block {
  char set_secret[65], stream_key[65], pad[65], ckey[65];
  uint8_t rec[1024], part[2048];
  size_t reclen, partlen;
  char manifest[4096];
} block;

static void hex_into(uint8_t *out, size_t cap, size_t *len, const char *hex) {
  size_t hl = strcspn(hex, "\n");
  assert_true(*len + hl / 2 <= cap);
  assert_int_equal(lv__hex_decode(out + *len, hl / 2, hex, hl), LV_OK);
  *len += hl / 2;
}

static void value(const char *line, const char *name, char *out, size_t cap) {
  size_t n = strlen(name);
  if (strncmp(line, name, n) || line[n] != ' ') return;
  snprintf(out, cap, "%s", line + n + 1);
  out[strcspn(out, "\n")] = '\0';
}

/* Reads the first ```vector block of a document under docs/. */
static void load(block *v, const char *doc) {
  char path[512], line[512];
  snprintf(path, sizeof path, "%s/docs/%s", LV_SOURCE_DIR, doc);
  FILE *f = fopen(path, "r");
  bool in = false, done = false;
  assert_non_null(f);
  while (!done && fgets(line, sizeof line, f)) {
    if (!strncmp(line, "```vector", 9)) {
      in = true;
      continue;
    }
    if (in && !strncmp(line, "```", 3)) done = true;
    if (!in || done) continue;
    value(line, "set-secret", v->set_secret, sizeof v->set_secret);
    value(line, "stream-key", v->stream_key, sizeof v->stream_key);
    value(line, "pad", v->pad, sizeof v->pad);
    value(line, "content-key", v->ckey, sizeof v->ckey);
    if (!strncmp(line, "record ", 7)) hex_into(v->rec, sizeof v->rec, &v->reclen, line + 7);
    if (!strncmp(line, "part-bytes ", 11))
      hex_into(v->part, sizeof v->part, &v->partlen, line + 11);
    if (!strncmp(line, "| ", 2)) /* a manifest line, as the file has it */
      strncat(v->manifest, line + 2, sizeof v->manifest - strlen(v->manifest) - 1);
  }
  fclose(f);
}

static void hex32(uint8_t out[32], const char *hex) {
  assert_int_equal(lv__hex_decode(out, 32, hex, strlen(hex)), LV_OK);
}

/* The fixed inputs beside the license: seeds are counting bytes. */
static void seed(uint8_t s[32], uint8_t first) {
  for (int i = 0; i < 32; i++) s[i] = (uint8_t)(first + i);
}

typedef struct made {
  lv__manifest m;
  uint8_t machine_sk[LV__SIGN_SK], secret[32], key[32], pad[32], entry[LV__ENTRY];
  lv__buf text;
} made;

/* Writes the one-license set of the vector into dir with the real writer
 * and formats its manifest (version as given). */
static void make_set(made *x, const block *lic, const char *dir, uint32_t version) {
  uint8_t mseed[32], sseed[32], bseed[32], rnd[32], box_sk[32], svc_sk[64], ckey[32];
  lv__license l;
  lv__lic_ref ref;
  memset(x, 0, sizeof *x);
  assert_int_equal(lv__license_decode(&l, lic->rec, lic->reclen), LV_OK);
  lv__lic_ref_of(&ref, &l);
  seed(x->secret, 0xC0);
  seed(mseed, 0xD0);
  seed(bseed, 0xE0);
  seed(sseed, 0xF0);
  memset(rnd, 0x55, sizeof rnd);
  lv__random_set_fake(rnd); /* the sealed box's ephemeral key, the stream header */
  lv__sign_seed_keypair(x->m.machine_sign_pk, x->machine_sk, mseed);
  lv__box_seed_keypair(x->m.service_box_pk, box_sk, bseed);
  lv__sign_seed_keypair(x->m.service_sign_pk, svc_sk, sseed);
  memset(x->m.service_id, 0x5E, LV__KEYID);
  snprintf(x->m.service_url, sizeof x->m.service_url, "https://lms.example.org/");
  x->m.version = version;
  x->m.generation = 1;
  x->m.created = 1796083200; /* 2026-12-01T00:00:00Z */
  memcpy(x->m.machine_id, l.machine_id, LV__MACHINE_ID);
  x->m.issuers = calloc(1, sizeof *x->m.issuers);
  assert_non_null(x->m.issuers);
  x->m.nissuers = 1;
  memcpy(x->m.issuers[0].id, l.issuer_id, LV__KEYID);
  assert_int_equal(lv__b64_decode(x->m.issuers[0].pk, LV__SIGN_PK,
                                  "A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=", 44),
                   LV_OK); /* the issuer of docs/license-format.md's vector */
  x->m.licenses = 1;
  assert_int_equal(lv__seal(x->m.sealed_secret, x->secret, 32, x->m.service_box_pk), LV_OK);
  lv__set_stream_key(x->key, x->secret);
  lv__set_license_pad(x->pad, x->secret, &ref);
  hex32(ckey, lic->ckey);
  uint8_t locked[32];
  for (int i = 0; i < 32; i++) locked[i] = ckey[i] ^ x->pad[i];
  lv__entry_encode(x->entry, lic->rec, lic->reclen, 3, 1795392000 /* 2026-11-23 */, locked);

  lv__set_writer *w;
  assert_int_equal(lv__set_writer_open(&w, dir, 1, LV__PART_MAX_DEFAULT, x->key,
                                       x->m.stream_header),
                   LV_OK);
  uint8_t *g = lv__set_writer_take(w);
  memcpy(g, x->entry, LV__ENTRY);
  assert_int_equal(lv__set_writer_put(w, g, 1), LV_OK);
  assert_int_equal(lv__set_writer_finish(w, &x->m.parts, &x->m.nparts), LV_OK);
  lv__random_set_fake(NULL);
  if (version == 1) { /* the hash a version 1 set records */
    size_t n;
    char *p = tu_path(dir, x->m.parts[0].name);
    uint8_t *bytes = tu_read(p, &n);
    assert_non_null(bytes);
    lv__hash(x->m.parts[0].hash, bytes, n);
    free(bytes);
    free(p);
  }
  lv__buf_init(&x->text, LV__MAN_MAX);
  assert_int_equal(lv__manifest_format(&x->text, &x->m, x->machine_sk), LV_OK);
  char *mp = tu_path(dir, LV__MAN_NAME);
  assert_int_equal(tu_write(mp, x->text.data, x->text.len), 0);
  free(mp);
}

static void made_free(made *x) {
  lv__manifest_free(&x->m);
  lv__buf_free(&x->text);
}

static void print_block(const made *x, const char *dir) {
  char h[65];
  size_t n;
  char *p = tu_path(dir, x->m.parts[0].name);
  uint8_t *bytes = tu_read(p, &n);
  printf("```vector\n");
  lv__hex_encode(h, x->secret, 32);
  printf("set-secret %s\n", h);
  lv__hex_encode(h, x->key, 32);
  printf("stream-key %s\n", h);
  lv__hex_encode(h, x->pad, 32);
  printf("pad %s\n", h);
  for (size_t off = 0; off < n; off += 32) {
    lv__hex_encode(h, bytes + off, n - off < 32 ? n - off : 32);
    printf("part-bytes %s\n", h);
  }
  const char *t = (const char *)x->text.data, *end = t + x->text.len;
  while (t < end) {
    const char *nl = memchr(t, '\n', (size_t)(end - t));
    printf("| %.*s\n", (int)(nl - t), t);
    t = nl + 1;
  }
  printf("```\n");
  free(bytes);
  free(p);
}

static void writer_makes_the_documented_set(void **state) {
  (void)state;
  block lic = {0}, doc = {0};
  made x;
  load(&lic, "license-format.md");
  load(&doc, "format.md");
  char *dir = tu_tmpdir("setvec");
  make_set(&x, &lic, dir, LV__SET_VERSION);
  if (getenv("LV_PRINT_VECTOR")) print_block(&x, dir);
  /* every byte as documented: the manifest, the part */
  assert_int_equal(x.text.len, strlen(doc.manifest));
  assert_memory_equal(x.text.data, doc.manifest, x.text.len);
  size_t n;
  char *p = tu_path(dir, x.m.parts[0].name);
  uint8_t *bytes = tu_read(p, &n);
  assert_int_equal(n, lv__stream_size(1));
  assert_int_equal(n, doc.partlen);
  assert_memory_equal(bytes, doc.part, n);
  free(bytes);
  free(p);
  made_free(&x);
  tu_rm_dir(dir);
  free(dir);
}

static void documented_set_verifies_and_opens(void **state) {
  (void)state;
  block lic = {0}, doc = {0};
  uint8_t secret[32], key[32], want[32], ckey[32];
  load(&lic, "license-format.md");
  load(&doc, "format.md");
  char *dir = tu_tmpdir("setvec_read"), *mp = tu_path(dir, LV__MAN_NAME),
       *pp = tu_path(dir, "LV010000.DAT");
  assert_int_equal(tu_write(mp, doc.manifest, strlen(doc.manifest)), 0);
  assert_int_equal(tu_write(pp, doc.part, doc.partlen), 0);

  lv_backup_info info;
  assert_int_equal(lv_backup_verify(dir, &info, NULL, NULL), LV_OK);
  assert_int_equal(info.version, 2);
  assert_int_equal(info.licenses, 1);

  /* the keys derive from S as documented */
  hex32(secret, doc.set_secret);
  lv__set_stream_key(key, secret);
  hex32(want, doc.stream_key);
  assert_memory_equal(key, want, 32);
  lv__license l;
  lv__lic_ref ref;
  uint8_t pad[32];
  assert_int_equal(lv__license_decode(&l, lic.rec, lic.reclen), LV_OK);
  lv__lic_ref_of(&ref, &l);
  lv__set_license_pad(pad, secret, &ref);
  hex32(want, doc.pad);
  assert_memory_equal(pad, want, 32);

  /* the stream opens to the one entry: the license, its state, its key */
  lv__manifest m;
  lv__set_reader *r;
  lv__entry e;
  assert_int_equal(lv__manifest_load(&m, dir), LV_OK);
  assert_int_equal(lv__set_reader_open(&r, dir, &m, key), LV_OK);
  assert_int_equal(lv__set_reader_next(r, &e), LV_OK);
  assert_non_null(e.rec);
  assert_int_equal(e.len, lic.reclen);
  assert_memory_equal(e.rec, lic.rec, lic.reclen);
  assert_int_equal(e.plays_used, 3);
  assert_int_equal(e.first_use, 1795392000);
  hex32(ckey, lic.ckey);
  for (int i = 0; i < 32; i++) assert_int_equal(e.locked[i] ^ pad[i], ckey[i]);
  assert_int_equal(lv__set_reader_next(r, &e), LV_OK);
  assert_null(e.rec); /* the verified end */
  lv__set_reader_close(r);
  lv__manifest_free(&m);
  tu_rm_dir(dir);
  free(mp);
  free(pp);
  free(dir);
}

/* Rewrites dir's manifest with another version line and the given part
 * hash, signed again by the machine (so only those two differ). */
static void resign(made *x, const char *dir, uint32_t version, const uint8_t hash[LV__HASH]) {
  x->m.version = version;
  memcpy(x->m.parts[0].hash, hash, LV__HASH);
  lv__buf_free(&x->text);
  lv__buf_init(&x->text, LV__MAN_MAX);
  assert_int_equal(lv__manifest_format(&x->text, &x->m, x->machine_sk), LV_OK);
  char *mp = tu_path(dir, LV__MAN_NAME);
  assert_int_equal(tu_write(mp, x->text.data, x->text.len), 0);
  free(mp);
}

static void versions_one_and_two_verify_three_does_not(void **state) {
  (void)state;
  block lic = {0};
  made x;
  uint8_t b2[LV__HASH], sha[LV__HASH];
  load(&lic, "license-format.md");
  char *dir = tu_tmpdir("setvec_v1");
  make_set(&x, &lic, dir, 1);
  lv_backup_info info;
  assert_int_equal(lv_backup_verify(dir, &info, NULL, NULL), LV_OK);
  assert_int_equal(info.version, 1);
  memcpy(b2, x.m.parts[0].hash, LV__HASH);
  /* and it opens as any set does: the reader does not depend on the version */
  lv__manifest m1;
  lv__set_reader *r;
  lv__entry e;
  assert_int_equal(lv__manifest_load(&m1, dir), LV_OK);
  assert_int_equal(m1.version, 1);
  assert_int_equal(lv__set_reader_open(&r, dir, &m1, x.key), LV_OK);
  assert_int_equal(lv__set_reader_next(r, &e), LV_OK);
  assert_non_null(e.rec);
  assert_memory_equal(e.rec, lic.rec, lic.reclen);
  assert_int_equal(lv__set_reader_next(r, &e), LV_OK);
  assert_null(e.rec);
  lv__set_reader_close(r);
  lv__manifest_free(&m1);

  /* the same part under version 2 needs its SHA-256 */
  resign(&x, dir, 2, b2);
  assert_int_equal(lv_backup_verify(dir, NULL, NULL, NULL), LV_E_BACKUP_CORRUPT);
  lv__digest d;
  size_t n;
  char *p = tu_path(dir, x.m.parts[0].name);
  uint8_t *bytes = tu_read(p, &n);
  assert_int_equal(lv__digest_init(&d, LV__DIGEST_SHA256), LV_OK);
  assert_int_equal(lv__digest_update(&d, bytes, n), LV_OK);
  assert_int_equal(lv__digest_final(&d, sha), LV_OK);
  resign(&x, dir, 2, sha);
  assert_int_equal(lv_backup_verify(dir, &info, NULL, NULL), LV_OK);
  assert_int_equal(info.version, 2);
  /* and version 1 with the SHA-256 is altered */
  resign(&x, dir, 1, sha);
  assert_int_equal(lv_backup_verify(dir, NULL, NULL, NULL), LV_E_BACKUP_CORRUPT);
  /* a version this licvault does not know (the writer refuses to write
   * one: the text is edited and signed again by hand) */
  resign(&x, dir, LV__SET_VERSION, sha);
  char *sigline = strstr((char *)x.text.data, "signature ");
  assert_non_null(sigline);
  size_t body = (size_t)(sigline - (char *)x.text.data);
  char head[32];
  snprintf(head, sizeof head, "licvault-backup %u\n", LV__SET_VERSION);
  assert_memory_equal(x.text.data, head, strlen(head));
  x.text.data[16] = (uint8_t)('0' + LV__SET_VERSION + 1);
  uint8_t sig[LV__SIG];
  char sig64[LV__B64_LEN(LV__SIG) + 1], *mp = tu_path(dir, LV__MAN_NAME);
  lv__sign(sig, x.text.data, body, x.machine_sk);
  lv__b64_encode(sig64, sig, LV__SIG);
  FILE *mf = fopen(mp, "wb");
  assert_non_null(mf);
  assert_int_equal(fwrite(x.text.data, 1, body, mf), body);
  fprintf(mf, "signature %s\n", sig64);
  fclose(mf);
  free(mp);
  x.m.version = 0;
  lv__buf scratch;
  lv__buf_init(&scratch, LV__MAN_MAX);
  assert_int_equal(lv__manifest_format(&scratch, &x.m, x.machine_sk), LV_E_INVALID_ARG);
  lv__buf_free(&scratch);
  assert_int_equal(lv_backup_verify(dir, NULL, NULL, NULL), LV_E_LICENSE_VERSION);
  lv__manifest m;
  assert_int_equal(lv__manifest_load(&m, dir), LV_E_LICENSE_VERSION);
  free(bytes);
  free(p);
  made_free(&x);
  tu_rm_dir(dir);
  free(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(writer_makes_the_documented_set),
      cmocka_unit_test(documented_set_verifies_and_opens),
      cmocka_unit_test(versions_one_and_two_verify_three_does_not),
  };
  lv__crypto_init();
  return cmocka_run_group_tests(tests, NULL, NULL);
}
