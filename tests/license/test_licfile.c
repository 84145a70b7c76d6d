/* test_licfile.c - the issuer API (keys, license files for one computer) and
 * the strict reader: round trip, truncation, reordering, tampering, faults. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "core/encoding.h"
#include "core/fault.h"
#include "core/file.h"
#include "core/timeutil.h"
#include "license/license.h"
#include "licvault/license.h"
#include "testutil.h"

#define NOW INT64_C(1700000000)

static void rich_rights(lv_rights *r) {
  lv_rights_init(r);
  r->flags = LV_RIGHT_PLAY | LV_RIGHT_BACKUP_RESTORE | LV_RIGHT_BURN_TO_CD |
             LV_RIGHT_TRANSFER_NONSDMI | LV_RIGHT_DELETE_ON_ROLLBACK;
  r->playcount = 5;
  r->begin_date = NOW - 86400;
  r->expiration_date = NOW + 30 * 86400;
  r->expire_after_first_use = 48;
  r->burn_to_cd_count = 2;
  r->transfer_count = 3;
  r->min_app_security = 1500;
}

static void assert_rights_equal(const lv_rights *a, const lv_rights *b) {
  assert_int_equal(a->flags, b->flags);
  assert_int_equal(a->playcount, b->playcount);
  assert_int_equal(a->begin_date, b->begin_date);
  assert_int_equal(a->expiration_date, b->expiration_date);
  assert_int_equal(a->expire_after_first_use, b->expire_after_first_use);
  assert_int_equal(a->burn_to_cd_count, b->burn_to_cd_count);
  assert_int_equal(a->transfer_count, b->transfer_count);
  assert_int_equal(a->min_app_security, b->min_app_security);
}

/* ---- fixtures ---------------------------------------------------------- */

typedef struct file_fixture {
  char *dir, *keyfile, *pubfile, *identity, *licpath;
  lv_issuer *iss;
  lv__keyfile issuer_pub;
  lv__keyfile machine; /* with its secrets, kept by "the computer" */
} file_fixture;

static void write_identity(const lv__keyfile *m, const char *path) {
  lv__buf b;
  lv__buf_init(&b, LV__KEYFILE_MAX);
  assert_int_equal(lv__keyfile_format(&b, m, false), LV_OK);
  assert_int_equal(lv__file_write_atomic(path, b.data, b.len, 0644), LV_OK);
  lv__buf_free(&b);
}

static void make_machine(lv__keyfile *m) {
  memset(m, 0, sizeof *m);
  m->kind = LV__KEY_MACHINE;
  lv__random(m->machine_id, LV__MACHINE_ID);
  assert_int_equal(lv__sign_keypair(m->sign_pk, m->sign_sk), LV_OK);
  assert_int_equal(lv__box_keypair(m->box_pk, m->box_sk), LV_OK);
  lv__keyfile_compute_id(m);
}

static int setup_files(void **state) {
  file_fixture *f = calloc(1, sizeof *f);
  char id[LV_KEYID_STRLEN], want[LV_KEYID_STRLEN];
  if (!f) return -1;
  f->dir = tu_tmpdir("licfile");
  f->keyfile = tu_path(f->dir, "issuer.key");
  f->pubfile = tu_path(f->dir, "issuer.pub");
  f->identity = tu_path(f->dir, "machine.pub");
  f->licpath = tu_path(f->dir, "out.lic");
  memset(id, 0, sizeof id);
  assert_int_equal(lv_issuer_keygen(f->dir, id), LV_OK);
  assert_int_equal(strlen(id), 16);
  assert_int_equal(lv_issuer_open(&f->iss, f->keyfile), LV_OK);
  assert_int_equal(lv__keyfile_load(&f->issuer_pub, f->pubfile), LV_OK);
  lv__hex_encode(want, f->issuer_pub.id, LV__KEYID);
  assert_string_equal(id, want);
  make_machine(&f->machine);
  write_identity(&f->machine, f->identity);
  lv__time_set_fake(NOW);
  *state = f;
  return 0;
}

static int teardown_files(void **state) {
  file_fixture *f = *state;
  lv__time_set_fake(0);
  for (int p = 0; p < LV_FAULT__COUNT; p++) lv__fault_arm((lv__fault_point)p, 0, 0);
  lv_issuer_free(f->iss);
  lv__keyfile_wipe(&f->machine);
  free(f->dir), free(f->keyfile), free(f->pubfile), free(f->identity), free(f->licpath);
  free(f);
  return 0;
}

static unsigned file_mode(const char *path) {
  struct stat st;
  assert_int_equal(stat(path, &st), 0);
  return (unsigned)(st.st_mode & 07777);
}

static int count_entries(const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *e;
  int n = 0;
  assert_non_null(d);
  while ((e = readdir(d)) != NULL)
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
  closedir(d);
  return n;
}

#define KID0 "AAECAwQFBgcICQoLDA0ODw=="

/* Writes the standard three-license file; kids[] receives the KIDs. */
static void write_three(file_fixture *f, char kids[3][LV_KID_STRLEN]) {
  lv_licfile_writer *w;
  lv_rights r0, r1, r2;
  char title[LV_TITLE_MAX + 1];
  rich_rights(&r0);
  lv_rights_init(&r1);
  lv_rights_init(&r2);
  r2.flags |= LV_RIGHT_BACKUP_RESTORE;
  memset(title, 'T', LV_TITLE_MAX);
  title[LV_TITLE_MAX] = '\0';
  assert_int_equal(lv_licfile_create(&w, f->iss, f->identity, f->licpath), LV_OK);
  assert_int_equal(lv_licfile_add(w, KID0, "Caf\xc3\xa9 au lait", &r0, kids[0]), LV_OK);
  assert_int_equal(lv_licfile_add(w, NULL, NULL, &r1, kids[1]), LV_OK);
  assert_int_equal(lv_licfile_add(w, NULL, title, &r2, kids[2]), LV_OK);
  assert_int_equal(lv_licfile_commit(w), LV_OK);
}

static void issuer_keygen_writes_key_pair_with_modes(void **state) {
  file_fixture *f = *state;
  lv__keyfile k;
  assert_int_equal(file_mode(f->keyfile), 0600);
  assert_int_equal(file_mode(f->pubfile), 0644);
  assert_int_equal(lv__keyfile_load(&k, f->keyfile), LV_OK);
  assert_int_equal(k.kind, LV__KEY_ISSUER);
  assert_true(k.has_secret);
  assert_memory_equal(k.id, f->issuer_pub.id, LV__KEYID);
  assert_false(f->issuer_pub.has_secret);
  lv__keyfile_wipe(&k);
  assert_int_equal(lv_issuer_keygen(NULL, NULL), LV_E_INVALID_ARG);
  assert_int_equal(lv_issuer_keygen("", NULL), LV_E_INVALID_ARG);
}

static void issuer_open_rejects_public_wrong_kind_and_missing(void **state) {
  file_fixture *f = *state;
  lv_issuer *iss = (lv_issuer *)&iss;
  char *svc = tu_path(f->dir, "svc");
  char *svc_key = tu_path(f->dir, "svc/service.key");
  char *missing = tu_path(f->dir, "missing.key");
  lv__keyfile s;
  assert_int_equal(lv_issuer_open(&iss, f->pubfile), LV_E_KEY_FILE);
  assert_int_equal(lv_issuer_open(&iss, f->identity), LV_E_KEY_FILE);
  assert_int_equal(lv__keyfile_generate(&s, LV__KEY_SERVICE), LV_OK);
  assert_int_equal(lv__keyfile_save_pair(&s, svc, "service"), LV_OK);
  assert_int_equal(lv_issuer_open(&iss, svc_key), LV_E_KEY_FILE);
  assert_int_equal(lv_issuer_open(&iss, missing), LV_E_NO_FILE);
  assert_int_equal(lv_issuer_open(NULL, f->keyfile), LV_E_INVALID_ARG);
  assert_int_equal(lv_issuer_open(&iss, NULL), LV_E_INVALID_ARG);
  assert_ptr_equal(iss, (lv_issuer *)&iss); /* nothing written on failure */
  lv_issuer_free(NULL);
  lv__keyfile_wipe(&s);
  free(svc), free(svc_key), free(missing);
}

static void licfile_round_trips_through_reader(void **state) {
  file_fixture *f = *state;
  char kids[3][LV_KID_STRLEN];
  lv__licfile_reader *r;
  const uint8_t *rec;
  size_t n;
  uint8_t eph[LV__BOX_PK], lids[3][LV_LID_LEN];
  write_three(f, kids);
  assert_string_equal(kids[0], KID0);
  assert_int_equal(lv_kid_check(kids[1]), LV_OK);
  assert_string_not_equal(kids[1], kids[2]);
  assert_int_equal(file_mode(f->licpath), 0644);
  assert_int_equal(lv__licfile_open(&r, f->licpath), LV_OK);
  for (unsigned i = 0; i < 3; i++) {
    lv__license l;
    uint8_t key[LV__KEY], ckey[LV__CKEY];
    char kid[LV_KID_STRLEN];
    assert_int_equal(lv__licfile_next(r, &rec, &n), LV_OK);
    assert_non_null(rec);
    assert_int_equal(lv__licfile_index(r), i + 1);
    assert_int_equal(lv__license_decode(&l, rec, n), LV_OK);
    assert_int_equal(lv__license_verify(rec, n, f->issuer_pub.sign_pk), LV_OK);
    assert_memory_equal(l.issuer_id, f->issuer_pub.id, LV__KEYID);
    assert_memory_equal(l.machine_id, f->machine.machine_id, LV__MACHINE_ID);
    assert_int_equal(l.issued_at, NOW);
    lv__b64_encode(kid, l.kid, LV_KID_LEN);
    assert_string_equal(kid, kids[i]);
    if (i == 0) memcpy(eph, l.eph_pk, LV__BOX_PK);
    assert_memory_equal(l.eph_pk, eph, LV__BOX_PK); /* one exchange per file */
    memcpy(lids[i], l.lid, LV_LID_LEN);
    /* the computer derives the file key from its own secret */
    assert_int_equal(lv__license_file_key(key, f->machine.box_sk, l.eph_pk, l.eph_pk,
                                          f->machine.box_pk),
                     LV_OK);
    assert_int_equal(lv__license_unwrap(ckey, &l, key), LV_OK);
    lv_rights want;
    if (i == 0) {
      rich_rights(&want);
      assert_string_equal(l.title, "Caf\xc3\xa9 au lait");
    } else if (i == 1) {
      lv_rights_init(&want);
      assert_int_equal(l.title_len, 0);
    } else {
      lv_rights_init(&want);
      want.flags |= LV_RIGHT_BACKUP_RESTORE;
      assert_int_equal(l.title_len, LV_TITLE_MAX);
    }
    assert_rights_equal(&l.rights, &want);
  }
  assert_memory_not_equal(lids[0], lids[1], LV_LID_LEN);
  assert_memory_not_equal(lids[1], lids[2], LV_LID_LEN);
  assert_int_equal(lv__licfile_next(r, &rec, &n), LV_OK); /* the verified end */
  assert_null(rec);
  assert_int_equal(n, 0);
  assert_int_equal(lv__licfile_next(r, &rec, &n), LV_OK); /* and it stays there */
  assert_null(rec);
  assert_int_equal(lv__licfile_index(r), 3);
  lv__licfile_close(r);
  lv__licfile_close(NULL);
}

static void licfile_parse_mem_counts_records(void **state) {
  file_fixture *f = *state;
  char kids[3][LV_KID_STRLEN];
  uint8_t *p;
  size_t n;
  uint64_t count = 99;
  write_three(f, kids);
  assert_int_equal(lv__file_read_all(f->licpath, 1 << 20, &p, &n), LV_OK);
  assert_memory_equal(p, "LVLF\x01\0\0\0", 8);
  assert_int_equal(lv__licfile_parse_mem(p, n, &count), LV_OK);
  assert_int_equal(count, 3);
  free(p);
}

/* docs/license-format.md: header "LVLF" 1 0 0 0; records as u32 length and
 * bytes; trailer u32 0, u64 count, BLAKE2b-256 of everything before it. */
static void licfile_has_documented_layout(void **state) {
  file_fixture *f = *state;
  char kids[3][LV_KID_STRLEN];
  uint8_t *p, h[LV__HASH];
  size_t n, off = LV__LICFILE_HEADER;
  write_three(f, kids);
  assert_int_equal(lv__file_read_all(f->licpath, 1 << 20, &p, &n), LV_OK);
  assert_memory_equal(p, "LVLF\x01\0\0\0", LV__LICFILE_HEADER);
  for (int i = 0; i < 3; i++) {
    uint32_t len = lv__load_u32(p + off);
    assert_true(len >= 280 && len <= 792);
    off += 4 + len;
  }
  assert_int_equal(off + LV__LICFILE_TRAILER, n);
  assert_int_equal(lv__load_u32(p + off), 0);
  assert_int_equal(lv__load_u64(p + off + 4), 3);
  lv__hash(h, p, n - LV__HASH);
  assert_memory_equal(h, p + n - LV__HASH, LV__HASH);
  free(p);
}

static void licfile_with_no_licenses_is_valid(void **state) {
  file_fixture *f = *state;
  lv_licfile_writer *w;
  uint8_t *p;
  size_t n;
  uint64_t count = 99;
  assert_int_equal(lv_licfile_create(&w, f->iss, f->identity, f->licpath), LV_OK);
  assert_int_equal(lv_licfile_commit(w), LV_OK);
  assert_int_equal(lv__file_read_all(f->licpath, 1 << 20, &p, &n), LV_OK);
  assert_int_equal(n, LV__LICFILE_HEADER + LV__LICFILE_TRAILER);
  assert_int_equal(lv__licfile_parse_mem(p, n, &count), LV_OK);
  assert_int_equal(count, 0);
  free(p);
}

static void licfile_every_truncation_fails(void **state) {
  file_fixture *f = *state;
  char kids[3][LV_KID_STRLEN];
  uint8_t *p;
  size_t n;
  uint64_t count = 77;
  write_three(f, kids);
  assert_int_equal(lv__file_read_all(f->licpath, 1 << 20, &p, &n), LV_OK);
  for (size_t len = 0; len < n; len++) {
    lv_status rc = lv__licfile_parse_mem(p, len, &count);
    if (rc >= 0) fail_msg("file cut to %zu of %zu bytes parsed", len, n);
    assert_int_equal(rc, LV_E_LICENSE_CORRUPT);
  }
  assert_int_equal(count, 77); /* nothing written on failure */
  /* the streaming reader too, for a few cuts */
  static const size_t cuts[] = {0, 7, 8, 11, 12, 300};
  for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
    lv__licfile_reader *r;
    const uint8_t *rec;
    size_t rn;
    lv_status rc;
    assert_int_equal(tu_write(f->licpath, p, cuts[i]), 0);
    rc = lv__licfile_open(&r, f->licpath);
    if (rc == LV_OK) {
      while ((rc = lv__licfile_next(r, &rec, &rn)) == LV_OK && rec) {
      }
      lv__licfile_close(r);
    }
    assert_int_equal(rc, LV_E_LICENSE_CORRUPT);
  }
  /* one byte too many is as bad as one too few */
  uint8_t *more = malloc(n + 1);
  assert_non_null(more);
  memcpy(more, p, n);
  more[n] = 0;
  assert_int_equal(lv__licfile_parse_mem(more, n + 1, &count), LV_E_LICENSE_CORRUPT);
  free(more);
  free(p);
}

static void licfile_swapped_records_fail(void **state) {
  file_fixture *f = *state;
  lv_licfile_writer *w;
  lv_rights r;
  uint8_t *p, tmp[LV__LIC_MAX + 4];
  size_t n;
  uint64_t count;
  lv_rights_init(&r);
  assert_int_equal(lv_licfile_create(&w, f->iss, f->identity, f->licpath), LV_OK);
  assert_int_equal(lv_licfile_add(w, NULL, "first", &r, NULL), LV_OK);
  assert_int_equal(lv_licfile_add(w, NULL, "secnd", &r, NULL), LV_OK);
  assert_int_equal(lv_licfile_commit(w), LV_OK);
  assert_int_equal(lv__file_read_all(f->licpath, 1 << 20, &p, &n), LV_OK);
  size_t rl = 4 + LV__LIC_MIN + 5; /* both records have the same length */
  assert_int_equal(n, LV__LICFILE_HEADER + 2 * rl + LV__LICFILE_TRAILER);
  assert_int_equal(lv__licfile_parse_mem(p, n, &count), LV_OK);
  memcpy(tmp, p + 8, rl);
  memmove(p + 8, p + 8 + rl, rl);
  memcpy(p + 8 + rl, tmp, rl);
  assert_int_equal(lv__licfile_parse_mem(p, n, &count), LV_E_LICENSE_CORRUPT);
  /* each record on its own still decodes and verifies: only the trailer
   * notices the order */
  lv__license l;
  assert_int_equal(lv__license_decode(&l, p + 12, rl - 4), LV_OK);
  assert_int_equal(lv__license_verify(p + 12, rl - 4, f->issuer_pub.sign_pk), LV_OK);
  /* dropping one record and fixing nothing else fails too */
  memmove(p + 8 + rl, p + 8 + 2 * rl, LV__LICFILE_TRAILER);
  assert_int_equal(lv__licfile_parse_mem(p, n - rl, &count), LV_E_LICENSE_CORRUPT);
  free(p);
}

static void licfile_flipped_bit_anywhere_fails(void **state) {
  file_fixture *f = *state;
  char kids[3][LV_KID_STRLEN];
  uint8_t *p;
  size_t n;
  uint64_t count;
  write_three(f, kids);
  assert_int_equal(lv__file_read_all(f->licpath, 1 << 20, &p, &n), LV_OK);
  /* every bit of the trailer */
  for (size_t off = n - LV__LICFILE_TRAILER; off < n; off++)
    for (int bit = 0; bit < 8; bit++) {
      p[off] ^= (uint8_t)(1u << bit);
      if (lv__licfile_parse_mem(p, n, &count) >= 0)
        fail_msg("bit %d of trailer byte %zu flipped: parsed", bit, off);
      p[off] ^= (uint8_t)(1u << bit);
    }
  /* one bit of every other byte */
  for (size_t off = 0; off < n - LV__LICFILE_TRAILER; off++) {
    p[off] ^= 0x04;
    if (lv__licfile_parse_mem(p, n, &count) >= 0) fail_msg("byte %zu flipped: parsed", off);
    p[off] ^= 0x04;
  }
  assert_int_equal(lv__licfile_parse_mem(p, n, &count), LV_OK);
  /* and through the streaming reader, from disk */
  assert_int_equal(tu_flip(f->licpath, (long)n - 1), 0);
  lv__licfile_reader *r;
  const uint8_t *rec;
  size_t rn;
  lv_status rc;
  assert_int_equal(lv__licfile_open(&r, f->licpath), LV_OK);
  while ((rc = lv__licfile_next(r, &rec, &rn)) == LV_OK && rec) {
  }
  lv__licfile_close(r);
  assert_int_equal(rc, LV_E_LICENSE_CORRUPT);
  free(p);
}

static void licfile_bad_header_fields(void **state) {
  file_fixture *f = *state;
  char kids[3][LV_KID_STRLEN];
  uint8_t *p;
  size_t n;
  uint64_t count;
  lv__licfile_reader *r = (lv__licfile_reader *)&r;
  write_three(f, kids);
  assert_int_equal(lv__file_read_all(f->licpath, 1 << 20, &p, &n), LV_OK);
  p[4] = 2; /* a future version */
  assert_int_equal(lv__licfile_parse_mem(p, n, &count), LV_E_LICENSE_VERSION);
  assert_int_equal(tu_write(f->licpath, p, n), 0);
  assert_int_equal(lv__licfile_open(&r, f->licpath), LV_E_LICENSE_VERSION);
  assert_ptr_equal(r, (lv__licfile_reader *)&r);
  p[4] = 0;
  assert_int_equal(lv__licfile_parse_mem(p, n, &count), LV_E_LICENSE_VERSION);
  p[4] = 1;
  for (int i = 5; i < 8; i++) { /* reserved */
    p[i] = 1;
    assert_int_equal(lv__licfile_parse_mem(p, n, &count), LV_E_LICENSE_CORRUPT);
    p[i] = 0;
  }
  for (int i = 0; i < 4; i++) { /* magic */
    p[i] ^= 0x20;
    assert_int_equal(lv__licfile_parse_mem(p, n, &count), LV_E_LICENSE_CORRUPT);
    p[i] ^= 0x20;
  }
  assert_int_equal(lv__licfile_parse_mem(p, n, &count), LV_OK);
  free(p);
  char *missing = tu_path(f->dir, "missing.lic");
  assert_int_equal(lv__licfile_open(&r, missing), LV_E_NO_FILE);
  free(missing);
}

static void licfile_record_length_out_of_range_fails(void **state) {
  file_fixture *f = *state;
  char kids[3][LV_KID_STRLEN];
  uint8_t *p;
  size_t n;
  uint64_t count;
  write_three(f, kids);
  assert_int_equal(lv__file_read_all(f->licpath, 1 << 20, &p, &n), LV_OK);
  uint32_t len = lv__load_u32(p + 8);
  static const uint32_t bad[] = {1, LV__LIC_MIN - 1, LV__LIC_MAX + 1, UINT32_MAX};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    lv__store_u32(p + 8, bad[i]);
    assert_int_equal(lv__licfile_parse_mem(p, n, &count), LV_E_LICENSE_CORRUPT);
  }
  lv__store_u32(p + 8, len);
  assert_int_equal(lv__licfile_parse_mem(p, n, &count), LV_OK);
  free(p);
}

static void licfile_abort_leaves_no_file(void **state) {
  file_fixture *f = *state;
  lv_licfile_writer *w;
  lv_rights r;
  int before = count_entries(f->dir);
  lv_rights_init(&r);
  assert_int_equal(lv_licfile_create(&w, f->iss, f->identity, f->licpath), LV_OK);
  assert_int_equal(lv_licfile_add(w, NULL, "x", &r, NULL), LV_OK);
  lv_licfile_abort(w);
  struct stat st;
  assert_int_not_equal(stat(f->licpath, &st), 0);
  assert_int_equal(count_entries(f->dir), before); /* no temp file either */
  lv_licfile_abort(NULL);
  /* an existing file at path is left alone by an aborted writer */
  assert_int_equal(tu_write(f->licpath, "old", 3), 0);
  assert_int_equal(lv_licfile_create(&w, f->iss, f->identity, f->licpath), LV_OK);
  assert_int_equal(lv_licfile_add(w, NULL, "x", &r, NULL), LV_OK);
  lv_licfile_abort(w);
  size_t n;
  uint8_t *p = tu_read(f->licpath, &n);
  assert_non_null(p);
  assert_int_equal(n, 3);
  assert_memory_equal(p, "old", 3);
  free(p);
}

static void licfile_add_rejects_bad_input_and_stays_usable(void **state) {
  file_fixture *f = *state;
  lv_licfile_writer *w;
  lv_rights r, bad;
  char long_title[LV_TITLE_MAX + 2];
  char kid[LV_KID_STRLEN] = "unchanged";
  uint8_t *p;
  size_t n;
  uint64_t count;
  lv_rights_init(&r);
  memset(long_title, 'x', LV_TITLE_MAX + 1);
  long_title[LV_TITLE_MAX + 1] = '\0';
  assert_int_equal(lv_licfile_create(&w, f->iss, f->identity, f->licpath), LV_OK);
  assert_int_equal(lv_licfile_add(w, "not base64!", NULL, &r, kid), LV_E_INVALID_ARG);
  assert_int_equal(lv_licfile_add(w, "AAECAwQFBgcICQoLDA0ODx==", NULL, &r, kid),
                   LV_E_INVALID_ARG);
  assert_int_equal(lv_licfile_add(w, NULL, "bad \xff", &r, kid), LV_E_INVALID_ARG);
  assert_int_equal(lv_licfile_add(w, NULL, "tab\there", &r, kid), LV_E_INVALID_ARG);
  assert_int_equal(lv_licfile_add(w, NULL, long_title, &r, kid), LV_E_INVALID_ARG);
  bad = r;
  bad.flags |= LV_RIGHT_DELETE_ON_ROLLBACK | LV_RIGHT_DISABLE_ON_ROLLBACK;
  assert_int_equal(lv_licfile_add(w, NULL, NULL, &bad, kid), LV_E_INVALID_ARG);
  bad = r;
  bad.flags |= 0x100;
  assert_int_equal(lv_licfile_add(w, NULL, NULL, &bad, kid), LV_E_INVALID_ARG);
  bad = r;
  bad.begin_date = 200;
  bad.expiration_date = 100;
  assert_int_equal(lv_licfile_add(w, NULL, NULL, &bad, kid), LV_E_INVALID_ARG);
  assert_int_equal(lv_licfile_add(w, NULL, NULL, NULL, kid), LV_E_INVALID_ARG);
  assert_int_equal(lv_licfile_add(NULL, NULL, NULL, &r, kid), LV_E_INVALID_ARG);
  assert_string_equal(kid, "unchanged");
  long_title[LV_TITLE_MAX] = '\0'; /* exactly the maximum is fine */
  assert_int_equal(lv_licfile_add(w, NULL, long_title, &r, kid), LV_OK);
  assert_int_equal(lv_licfile_add(w, NULL, "", &r, NULL), LV_OK);
  assert_int_equal(lv_licfile_commit(w), LV_OK);
  assert_int_equal(lv__file_read_all(f->licpath, 1 << 20, &p, &n), LV_OK);
  assert_int_equal(lv__licfile_parse_mem(p, n, &count), LV_OK);
  assert_int_equal(count, 2);
  free(p);
  assert_int_equal(lv_licfile_commit(NULL), LV_E_INVALID_ARG);
}

static void licfile_create_rejects_bad_identity_and_args(void **state) {
  file_fixture *f = *state;
  lv_licfile_writer *w = (lv_licfile_writer *)&w;
  char *missing = tu_path(f->dir, "nobody.pub");
  char *nodir = tu_path(f->dir, "no/such/dir.lic");
  assert_int_equal(lv_licfile_create(&w, f->iss, f->pubfile, f->licpath), LV_E_KEY_FILE);
  assert_int_equal(lv_licfile_create(&w, f->iss, f->keyfile, f->licpath), LV_E_KEY_FILE);
  assert_int_equal(lv_licfile_create(&w, f->iss, missing, f->licpath), LV_E_NO_FILE);
  assert_int_equal(lv_licfile_create(&w, f->iss, f->identity, nodir), LV_E_NO_FILE);
  assert_int_equal(lv_licfile_create(NULL, f->iss, f->identity, f->licpath), LV_E_INVALID_ARG);
  assert_int_equal(lv_licfile_create(&w, NULL, f->identity, f->licpath), LV_E_INVALID_ARG);
  assert_int_equal(lv_licfile_create(&w, f->iss, NULL, f->licpath), LV_E_INVALID_ARG);
  assert_int_equal(lv_licfile_create(&w, f->iss, f->identity, NULL), LV_E_INVALID_ARG);
  assert_ptr_equal(w, (lv_licfile_writer *)&w);
  /* a tampered identity (id no longer matches) is refused */
  assert_int_equal(tu_flip(f->identity, 60), 0);
  assert_int_equal(lv_licfile_create(&w, f->iss, f->identity, f->licpath), LV_E_KEY_FILE);
  struct stat st;
  assert_int_not_equal(stat(f->licpath, &st), 0);
  free(missing), free(nodir);
}

static void licfile_commit_failure_leaves_no_file(void **state) {
  file_fixture *f = *state;
  lv_licfile_writer *w;
  lv_rights r;
  int before = count_entries(f->dir);
  lv_rights_init(&r);
  static const lv__fault_point points[] = {LV_FAULT_WRITE, LV_FAULT_FSYNC, LV_FAULT_RENAME};
  for (size_t i = 0; i < 3; i++) {
    assert_int_equal(lv_licfile_create(&w, f->iss, f->identity, f->licpath), LV_OK);
    assert_int_equal(lv_licfile_add(w, NULL, "t", &r, NULL), LV_OK);
    lv__fault_arm(points[i], 1, EIO);
    assert_int_equal(lv_licfile_commit(w), LV_E_IO);
    lv__fault_arm(points[i], 0, 0);
    struct stat st;
    assert_int_not_equal(stat(f->licpath, &st), 0);
    assert_int_equal(count_entries(f->dir), before);
  }
}

/* BUG (src/license/issuer.c, lv_licfile_add): when a buffered write of the
 * output fails (ENOSPC at a 64 KiB flush), the record was already hashed
 * and the buffered bytes are dropped, but the writer stays usable and
 * lv_licfile_commit then succeeds, leaving a license file that does not
 * read back. A writer that failed to write must refuse to commit (or the
 * committed file must be whole). Enable after the fix. */
static void licfile_commit_after_failed_add_never_yields_bad_file(void **state) {
  file_fixture *f = *state;
  lv_licfile_writer *w;
  lv_rights r;
  char title[LV_TITLE_MAX + 1];
  lv_status rc = LV_OK;
  int added = 0;
  lv_rights_init(&r);
  memset(title, 't', LV_TITLE_MAX);
  title[LV_TITLE_MAX] = '\0';
  assert_int_equal(lv_licfile_create(&w, f->iss, f->identity, f->licpath), LV_OK);
  lv__fault_arm(LV_FAULT_WRITE, 1, ENOSPC);
  for (int i = 0; i < 500 && rc == LV_OK; i++)
    if ((rc = lv_licfile_add(w, NULL, title, &r, NULL)) == LV_OK) added++;
  lv__fault_arm(LV_FAULT_WRITE, 0, 0);
  assert_int_equal(rc, LV_E_NOSPACE);
  assert_true(added > 0);
  /* the writer is poisoned: no more licenses, no commit, no file */
  assert_int_equal(lv_licfile_add(w, NULL, "after", &r, NULL), LV_E_NOSPACE);
  assert_int_equal(lv_licfile_commit(w), LV_E_NOSPACE);
  assert_int_not_equal(access(f->licpath, F_OK), 0);
}

static void licfile_reader_handles_many_records(void **state) {
  file_fixture *f = *state;
  lv_licfile_writer *w;
  lv_rights r;
  char title[64];
  uint8_t *p;
  size_t n;
  uint64_t count;
  lv_rights_init(&r);
  assert_int_equal(lv_licfile_create(&w, f->iss, f->identity, f->licpath), LV_OK);
  for (int i = 0; i < 300; i++) { /* more than one 64 KiB buffer of output */
    snprintf(title, sizeof title, "track %d \xe2\x99\xaa", i);
    assert_int_equal(lv_licfile_add(w, NULL, title, &r, NULL), LV_OK);
  }
  assert_int_equal(lv_licfile_commit(w), LV_OK);
  assert_int_equal(lv__file_read_all(f->licpath, 1 << 24, &p, &n), LV_OK);
  assert_true(n > 64 * 1024);
  assert_int_equal(lv__licfile_parse_mem(p, n, &count), LV_OK);
  assert_int_equal(count, 300);
  free(p);
}

#define FF(fn) cmocka_unit_test_setup_teardown(fn, setup_files, teardown_files)

int main(void) {
  const struct CMUnitTest tests[] = {
      FF(issuer_keygen_writes_key_pair_with_modes),
      FF(issuer_open_rejects_public_wrong_kind_and_missing),
      FF(licfile_round_trips_through_reader),
      FF(licfile_parse_mem_counts_records),
      FF(licfile_has_documented_layout),
      FF(licfile_with_no_licenses_is_valid),
      FF(licfile_every_truncation_fails),
      FF(licfile_swapped_records_fail),
      FF(licfile_flipped_bit_anywhere_fails),
      FF(licfile_bad_header_fields),
      FF(licfile_record_length_out_of_range_fails),
      FF(licfile_abort_leaves_no_file),
      FF(licfile_add_rejects_bad_input_and_stays_usable),
      FF(licfile_create_rejects_bad_identity_and_args),
      FF(licfile_commit_failure_leaves_no_file),
      FF(licfile_commit_after_failed_add_never_yields_bad_file),
      FF(licfile_reader_handles_many_records),
  };
  if (lv__crypto_init() < 0) return 1;
  return cmocka_run_group_tests(tests, NULL, NULL);
}
