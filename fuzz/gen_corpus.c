/* gen_corpus.c - writes the seed corpora of the fuzz harnesses (license files,
 * records, key files, dates and a few broken inputs); built and run by hand. */

/* From the top of the tree, after a normal build in build-f:
 *
 *   cc -std=c17 -D_DEFAULT_SOURCE -Iinclude -Isrc fuzz/gen_corpus.c \
 *      build-f/liblicvault_static.a $(pkg-config --libs libsodium libcrypto sqlite3) \
 *      -lpthread -o /tmp/gen_corpus
 *   /tmp/gen_corpus fuzz/corpora
 *
 * Keys and identities are fresh each run, so the outputs differ every time;
 * only their shapes matter. The name has no fuzz_ prefix, so CMake's glob in
 * fuzz/CMakeLists.txt does not turn it into a harness. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/file.h"
#include "crypto/keyfile.h"
#include "license/license.h"
#include "licvault/license.h"

#define MAX_INPUT 8192

static const char *root; /* the corpora folder */

static int fail(const char *what, lv_status rc) {
  fprintf(stderr, "gen_corpus: %s: %s\n", what, lv_status_str(rc));
  return 1;
}

/* Writes root/harness/name. */
static int put(const char *harness, const char *name, const void *p, size_t n) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", root, harness);
  lv_status rc = lv__mkdir_p(path, 0755);
  if (rc < 0) return fail(path, rc);
  snprintf(path, sizeof path, "%s/%s/%s", root, harness, name);
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
    perror(path);
    return 1;
  }
  printf("%-60s %5zu bytes\n", path, n);
  return 0;
}

static int put_str(const char *harness, const char *name, const char *s) {
  return put(harness, name, s, strlen(s));
}

/* Reads a file made in the scratch folder. */
static int slurp(const char *dir, const char *name, uint8_t **out, size_t *n) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  lv_status rc = lv__file_read_all(path, MAX_INPUT, out, n);
  return rc < 0 ? fail(path, rc) : 0;
}

static int copy_file(const char *dir, const char *name, const char *harness,
                     const char *as) {
  uint8_t *p;
  size_t n;
  if (slurp(dir, name, &p, &n)) return 1;
  int bad = put(harness, as, p, n);
  free(p);
  return bad;
}

/* A made-up computer: random machine id, fresh keys, public half only. */
static int write_identity(const char *dir) {
  lv__keyfile k;
  lv__buf b;
  char path[1024];
  memset(&k, 0, sizeof k);
  k.kind = LV__KEY_MACHINE;
  lv__random(k.machine_id, LV__MACHINE_ID);
  lv_status rc = lv__sign_keypair(k.sign_pk, k.sign_sk);
  if (rc == LV_OK) rc = lv__box_keypair(k.box_pk, k.box_sk);
  if (rc < 0) return fail("machine keys", rc);
  lv__keyfile_compute_id(&k);
  lv__buf_init(&b, LV__KEYFILE_MAX);
  rc = lv__keyfile_format(&b, &k, false);
  snprintf(path, sizeof path, "%s/machine.pub", dir);
  if (rc == LV_OK) rc = lv__file_write_atomic(path, b.data, b.len, 0644);
  lv__buf_free(&b);
  lv__keyfile_wipe(&k);
  return rc < 0 ? fail("machine.pub", rc) : 0;
}

typedef struct lic_spec {
  const char *title;
  lv_rights rights;
} lic_spec;

static int write_licfile(lv_issuer *iss, const char *dir, const char *name,
                         const lic_spec *specs, size_t n) {
  char id[1024], path[1024];
  lv_licfile_writer *w;
  snprintf(id, sizeof id, "%s/machine.pub", dir);
  snprintf(path, sizeof path, "%s/%s", dir, name);
  lv_status rc = lv_licfile_create(&w, iss, id, path);
  if (rc < 0) return fail("lv_licfile_create", rc);
  for (size_t i = 0; i < n; i++) {
    if ((rc = lv_licfile_add(w, NULL, specs[i].title, &specs[i].rights, NULL)) < 0) {
      lv_licfile_abort(w);
      return fail("lv_licfile_add", rc);
    }
  }
  rc = lv_licfile_commit(w);
  return rc < 0 ? fail("lv_licfile_commit", rc) : 0;
}

static int make_licfiles(lv_issuer *iss, const char *dir) {
  lic_spec one[1], three[3];
  lv_rights_init(&one[0].rights);
  one[0].title = NULL;
  for (int i = 0; i < 3; i++) lv_rights_init(&three[i].rights);
  three[0].title = "Symphony No. 5";
  three[0].rights.flags |= LV_RIGHT_BACKUP_RESTORE;
  three[0].rights.playcount = 10;
  three[1].title = "Caf\xc3\xa9 \xe9\x9f\xb3\xe6\xa5\xbd"; /* UTF-8 */
  three[1].rights.flags |= LV_RIGHT_BURN_TO_CD | LV_RIGHT_DELETE_ON_ROLLBACK;
  three[1].rights.begin_date = 1577836800;      /* 2020-01-01 */
  three[1].rights.expiration_date = 1893456000; /* 2030-01-01 */
  three[1].rights.burn_to_cd_count = 3;
  three[2].title = "Live at the Fuzz Bar";
  three[2].rights.flags = LV_RIGHT__ALL & ~LV_RIGHT_DELETE_ON_ROLLBACK;
  three[2].rights.expire_after_first_use = 48;
  three[2].rights.transfer_count = 2;
  three[2].rights.min_app_security = LV_APP_SECURITY;
  if (write_licfile(iss, dir, "one.lvlf", one, 1) ||
      write_licfile(iss, dir, "three.lvlf", three, 3))
    return 1;
  return copy_file(dir, "one.lvlf", "fuzz_license", "licfile_1") ||
         copy_file(dir, "three.lvlf", "fuzz_license", "licfile_3");
}

/* The first record of a license file: after the 8-byte header, a u32 LE
 * length and the record. */
static int put_record(const char *dir, const char *file, const char *as) {
  uint8_t *p;
  size_t n;
  if (slurp(dir, file, &p, &n)) return 1;
  size_t len = n >= LV__LICFILE_HEADER + 4 ? lv__load_u32(p + LV__LICFILE_HEADER) : 0;
  int bad = len == 0 || LV__LICFILE_HEADER + 4 + len > n;
  if (bad) fprintf(stderr, "gen_corpus: %s has no first record\n", file);
  else bad = put("fuzz_license", as, p + LV__LICFILE_HEADER + 4, len);
  free(p);
  return bad;
}

/* Broken license files and records: each trips one early check. */
static int make_bad_licenses(const char *dir) {
  static const uint8_t trunc[] = {'L', 'V', 'L', 'F', 1};
  static const uint8_t magic[] = {'L', 'V', 'L', 'X', 1, 0, 0, 0, 0, 0, 0, 0};
  static const uint8_t v2[] = {'L', 'V', 'L', 'F', 2, 0, 0, 0, 0, 0, 0, 0};
  uint8_t *p;
  size_t n;
  if (put("fuzz_license", "bad_empty", "", 0) ||
      put("fuzz_license", "bad_truncated_header", trunc, sizeof trunc) ||
      put("fuzz_license", "bad_magic", magic, sizeof magic) ||
      put("fuzz_license", "bad_version2", v2, sizeof v2))
    return 1;
  if (slurp(dir, "one.lvlf", &p, &n)) return 1;
  /* a file cut inside its trailer, and a record of version 2 */
  int bad = put("fuzz_license", "bad_truncated_trailer", p, n - 5);
  p[LV__LICFILE_HEADER + 4 + 4] = 2;
  if (!bad) {
    size_t len = lv__load_u32(p + LV__LICFILE_HEADER);
    bad = put("fuzz_license", "bad_record_version2", p + LV__LICFILE_HEADER + 4, len);
  }
  free(p);
  return bad;
}

static int put_keyfile(const lv__keyfile *k, bool secret, const char *as) {
  lv__buf b;
  lv__buf_init(&b, LV__KEYFILE_MAX);
  lv_status rc = lv__keyfile_format(&b, k, secret);
  int bad = rc < 0 ? fail(as, rc) : put("fuzz_keyfile", as, b.data, b.len);
  lv__buf_free(&b);
  return bad;
}

static int make_keyfiles(const char *dir) {
  lv__keyfile svc;
  lv_status rc = lv__keyfile_generate(&svc, LV__KEY_SERVICE);
  if (rc < 0) return fail("service key", rc);
  int bad = copy_file(dir, "issuer.key", "fuzz_keyfile", "issuer.key") ||
            copy_file(dir, "issuer.pub", "fuzz_keyfile", "issuer.pub") ||
            copy_file(dir, "machine.pub", "fuzz_keyfile", "machine.pub") ||
            put_keyfile(&svc, true, "service.key") ||
            put_keyfile(&svc, false, "service.pub") ||
            put("fuzz_keyfile", "bad_empty", "", 0) ||
            put_str("fuzz_keyfile", "bad_header", "licvault-key 2\nkind issuer\n") ||
            put_str("fuzz_keyfile", "bad_machine_secret",
                    "licvault-key 1\nkind machine-secret\n");
  lv__keyfile_wipe(&svc);
  return bad;
}

static int make_times(void) {
  static const char *const inputs[][2] = {
      {"date", "2024-02-29"},          {"minutes", "1999-12-31T23:59Z"},
      {"seconds", "2038-01-19T03:14:08Z"}, {"epoch", "1970-01-01T00:00:00Z"},
      {"last", "9999-12-31T23:59:59Z"},    {"bad_leap", "2023-02-29"},
      {"bad_offset", "2024-01-01T00:00:00+01:00"}, {"bad_year", "1969-12-31"},
      {"bad_empty", ""}};
  for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++)
    if (put_str("fuzz_timeparse", inputs[i][0], inputs[i][1])) return 1;
  return 0;
}

int main(int argc, char **argv) {
  char dir[] = "/tmp/lv_gen_corpus.XXXXXX", key[64];
  lv_issuer *iss = NULL;
  if (argc != 2) {
    fprintf(stderr, "usage: %s CORPORA_DIR\n", argv[0]);
    return 2;
  }
  root = argv[1];
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    return 1;
  }
  lv_status rc = lv__crypto_init();
  if (rc == LV_OK) rc = lv_issuer_keygen(dir, NULL);
  snprintf(key, sizeof key, "%s/issuer.key", dir);
  if (rc == LV_OK) rc = lv_issuer_open(&iss, key);
  int bad = rc < 0 ? fail("issuer", rc) : 0;
  bad = bad || write_identity(dir) || make_licfiles(iss, dir) ||
        put_record(dir, "one.lvlf", "record_1") ||
        put_record(dir, "three.lvlf", "record_titled") || make_bad_licenses(dir) ||
        make_keyfiles(dir) || make_times();
  lv_issuer_free(iss);
  static const char *const scratch[] = {"issuer.key", "issuer.pub", "machine.pub",
                                        "one.lvlf", "three.lvlf"};
  for (size_t i = 0; i < sizeof scratch / sizeof scratch[0]; i++) {
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, scratch[i]);
    unlink(path);
  }
  rmdir(dir);
  return bad;
}
