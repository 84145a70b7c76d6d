/* dump_secrets.c - test-only: every secret a demo run made that the
 * library's internals can reach, one per line, for scan_secrets (issue #7):
 *
 *     SCOPE LABEL HEX
 *
 * SCOPE is "-" for a secret that must appear nowhere, else the one file
 * (as named on the command line) that may hold it by design.
 *
 * Usage: dump_secrets [--store DIR MACHINE_FILE]... [--issuer-key FILE]...
 *                     [--service-key FILE] [--set DIR]...
 *
 * Per store: the binding secret (only in MACHINE_FILE), the binding key, the
 * unsealed identity (Ed25519 seed, X25519 secret key), the store key, the
 * answer key shared with the pinned service, every content key and, for
 * licenses issued to that computer, the license file's key and each
 * license's wrap key. Per key file: the issuer's or service's secret keys
 * (only in that file). Per backup set, opened with the service's key: the
 * set secret S, the stream key and every license's pad.
 *
 * Everything is cross-checked (a content key must unwrap from its license
 * file with the derived keys; every set entry's locked key XOR its pad must
 * be the content key a store holds), so a dumper that drifts from the
 * library fails loudly instead of feeding the scan wrong secrets.
 * Exit 0 on success, 1 on any failure. Never built into the product. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backup/backup.h"
#include "core/encoding.h"
#include "core/file.h"
#include "crypto/keyfile.h"
#include "license/license.h"
#include "license/lock.h"
#include "proto/proto.h"
#include "store/store.h"

#define MACHINE_HEAD "licvault-machine 1\n"

static int failures;

__attribute__((format(printf, 1, 2))) static void fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "dump_secrets: ");
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  failures++;
}

static void emit(const char *scope, const char *label, const char *where, const uint8_t *v,
                 size_t n) {
  char hex[2 * 64 + 1];
  if (n > 64) n = 64;
  lv__hex_encode(hex, v, n);
  printf("%s %s:%s %s\n", scope ? scope : "-", label, where, hex);
}

/* Content keys seen in stores, by LID: the backup set is checked against them. */
typedef struct ckey_entry {
  uint8_t lid[LV_LID_LEN];
  uint8_t ckey[LV__CKEY];
} ckey_entry;
static ckey_entry *known;
static size_t nknown, capknown;

static void remember(const uint8_t lid[LV_LID_LEN], const uint8_t ckey[LV__CKEY]) {
  if (nknown == capknown) {
    size_t cap = capknown ? 2 * capknown : 1024;
    ckey_entry *p = realloc(known, cap * sizeof *p);
    if (!p) {
      fail("out of memory");
      return;
    }
    known = p;
    capknown = cap;
  }
  memcpy(known[nknown].lid, lid, LV_LID_LEN);
  memcpy(known[nknown].ckey, ckey, LV__CKEY);
  nknown++;
}

/* 1: a store holds this LID with this content key; 0: another key; -1: none. */
static int known_ckey(const uint8_t lid[LV_LID_LEN], const uint8_t ckey[LV__CKEY]) {
  int r = -1;
  for (size_t i = 0; i < nknown; i++) {
    if (memcmp(known[i].lid, lid, LV_LID_LEN)) continue;
    if (!memcmp(known[i].ckey, ckey, LV__CKEY)) return 1;
    r = 0;
  }
  return r;
}

static void binding_secret(const char *mfile) {
  uint8_t *data = NULL, secret[32];
  size_t n = 0;
  const size_t head = sizeof MACHINE_HEAD - 1;
  if (lv__file_read_all(mfile, 256, &data, &n) < 0 || n != head + 64 + 1 ||
      memcmp(data, MACHINE_HEAD, head) ||
      lv__hex_decode(secret, sizeof secret, (const char *)data + head, 64) < 0) {
    fail("%s: not a binding secret file", mfile);
  } else {
    emit(mfile, "binding-secret", mfile, secret, sizeof secret);
  }
  lv__memzero(secret, sizeof secret);
  if (data) lv__memzero(data, n);
  free(data);
}

static void dump_store(const char *dir, const char *mfile) {
  lv_store *s = NULL;
  uint8_t key[LV__KEY], sbox[LV__BOX_PK], eph[LV__BOX_PK], fkey[LV__KEY];
  bool have_fkey = false;
  lv_status rc = lv_store_open(&s, dir, mfile);
  if (rc < 0) {
    fail("%s: does not open (status %ld)", dir, (long)rc);
    return;
  }
  binding_secret(mfile);
  if (lv__binding_key(key, mfile, s->machine_id, false) == LV_OK)
    emit(NULL, "binding-key", dir, key, LV__KEY);
  else
    fail("%s: no binding key", dir);
  /* an Ed25519 secret key is seed || public key: only the seed is secret */
  emit(NULL, "store-sign-seed", dir, s->sec->sign_sk, 32);
  emit(NULL, "store-box-secret", dir, s->sec->box_sk, LV__BOX_SK);
  emit(NULL, "store-key", dir, s->sec->store_key, LV__STORE_KEY);
  if (lv__meta_get(s->db, "service_box_pk", sbox, sizeof sbox) == LV_OK) {
    if (lv__answer_key(key, s->sec->box_sk, sbox, sbox, s->box_pk) == LV_OK)
      emit(NULL, "answer-key", dir, key, LV__KEY);
    else
      fail("%s: no answer key", dir);
  }

  sqlite3_stmt *st;
  long rows = 0, unwrapped = 0;
  if (sqlite3_prepare_v2(s->db, "SELECT lid, body, ckey FROM licenses ORDER BY id", -1, &st,
                         NULL) != SQLITE_OK) {
    fail("%s: cannot list licenses", dir);
    lv_store_free(s);
    return;
  }
  while (sqlite3_step(st) == SQLITE_ROW) {
    lv__license l;
    uint8_t ckey[LV__CKEY], again[LV__CKEY], wkey[LV__KEY];
    rows++;
    if (sqlite3_column_bytes(st, 0) != LV_LID_LEN ||
        lv__license_decode(&l, sqlite3_column_blob(st, 1),
                           (size_t)sqlite3_column_bytes(st, 1)) < 0 ||
        lv__store_open_ckey(s, ckey, sqlite3_column_blob(st, 2),
                            (size_t)sqlite3_column_bytes(st, 2), l.lid) < 0) {
      fail("%s: license row %ld does not open", dir, rows);
      continue;
    }
    emit(NULL, "content-key", dir, ckey, LV__CKEY);
    remember(l.lid, ckey);
    if (!memcmp(l.machine_id, s->machine_id, LV__MACHINE_ID)) {
      /* issued to this computer: the license file's key, one per file */
      if (!have_fkey || memcmp(eph, l.eph_pk, LV__BOX_PK)) {
        if (lv__license_file_key(fkey, s->sec->box_sk, l.eph_pk, l.eph_pk, s->box_pk) < 0) {
          fail("%s: license row %ld: no file key", dir, rows);
          continue;
        }
        memcpy(eph, l.eph_pk, LV__BOX_PK);
        have_fkey = true;
        emit(NULL, "licfile-key", dir, fkey, LV__KEY);
      }
      /* the per-license wrap key (license.c), proven by opening the wrap */
      uint8_t ad[LV_LID_LEN + LV_KID_LEN];
      lv__kdf(wkey, fkey, "licvault license key v1", l.lid, LV_LID_LEN);
      memcpy(ad, l.lid, LV_LID_LEN);
      memcpy(ad + LV_LID_LEN, l.kid, LV_KID_LEN);
      if (lv__aead_open(again, l.wrapped, LV__WRAPPED, ad, sizeof ad, wkey) < 0 ||
          memcmp(again, ckey, LV__CKEY)) {
        fail("%s: license row %ld: the derived wrap key does not open its key", dir, rows);
      } else {
        emit(NULL, "wrap-key", dir, wkey, LV__KEY);
        unwrapped++;
      }
      if (lv__license_unwrap(again, &l, fkey) < 0 || memcmp(again, ckey, LV__CKEY))
        fail("%s: license row %ld: stored key differs from the license file's", dir, rows);
    }
    lv__memzero(ckey, sizeof ckey);
    lv__memzero(again, sizeof again);
    lv__memzero(wkey, sizeof wkey);
  }
  sqlite3_finalize(st);
  fprintf(stderr, "dump_secrets: %s: %ld content keys (%ld checked against their license file)\n",
          dir, rows, unwrapped);
  lv__memzero(key, sizeof key);
  lv__memzero(fkey, sizeof fkey);
  lv_store_free(s);
}

static bool load_key(lv__keyfile *k, const char *file, lv__key_kind kind) {
  if (lv__keyfile_load(k, file) < 0 || k->kind != kind || !k->has_secret) {
    fail("%s: not a secret key file of the expected kind", file);
    return false;
  }
  return true;
}

static void dump_set(const char *dir, const lv__keyfile *svc) {
  lv__manifest m;
  lv__set_reader *r = NULL;
  uint8_t secret[LV__SECRET], skey[LV__KEY];
  long entries = 0, matched = 0;
  memset(&m, 0, sizeof m);
  if (lv__manifest_load(&m, dir) < 0) {
    fail("%s: no backup set", dir);
    return;
  }
  if (!svc || lv__seal_open(secret, m.sealed_secret, LV__SEALED_SECRET, svc->box_pk,
                            svc->box_sk) < 0) {
    fail("%s: the set secret does not open with the service key", dir);
    lv__manifest_free(&m);
    return;
  }
  emit(NULL, "set-secret", dir, secret, LV__SECRET);
  lv__set_stream_key(skey, secret);
  emit(NULL, "stream-key", dir, skey, LV__KEY);
  if (lv__set_reader_open(&r, dir, &m, skey) < 0) {
    fail("%s: the stream does not open", dir);
  } else {
    lv__entry e;
    while (lv__set_reader_next(r, &e) == LV_OK && e.rec) {
      lv__license l;
      lv__lic_ref ref;
      uint8_t pad[32], ckey[LV__CKEY];
      entries++;
      if (lv__license_decode(&l, e.rec, e.len) < 0) {
        fail("%s: entry %ld does not decode", dir, entries);
        continue;
      }
      lv__lic_ref_of(&ref, &l);
      lv__set_license_pad(pad, secret, &ref);
      emit(NULL, "pad", dir, pad, sizeof pad);
      for (int k = 0; k < 32; k++) ckey[k] = e.locked[k] ^ pad[k];
      int kn = known_ckey(l.lid, ckey);
      if (kn == 0) fail("%s: entry %ld unlocks to a key no store holds", dir, entries);
      if (kn < 0) emit(NULL, "content-key", dir, ckey, LV__CKEY); /* not in a given store */
      matched += kn == 1;
      lv__memzero(pad, sizeof pad);
      lv__memzero(ckey, sizeof ckey);
    }
    lv__set_reader_close(r);
    if ((uint64_t)entries != m.licenses)
      fail("%s: read %ld entries, the manifest says otherwise", dir, entries);
  }
  fprintf(stderr, "dump_secrets: %s: %ld pads (%ld content keys matched a store's)\n", dir,
          entries, matched);
  lv__memzero(secret, sizeof secret);
  lv__memzero(skey, sizeof skey);
  lv__manifest_free(&m);
}

static int usage(void) {
  fprintf(stderr, "usage: dump_secrets [--store DIR MACHINE_FILE]... [--issuer-key FILE]...\n"
                  "                    [--service-key FILE] [--set DIR]...\n");
  return 1;
}

int main(int argc, char **argv) {
  const char *service_file = NULL;
  lv__keyfile svc;
  bool have_svc = false;
  if (lv__crypto_init() < 0) return 1;
  /* first pass: arguments' form, and the service key (sets need it) */
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--store") && i + 2 < argc) i += 2;
    else if ((!strcmp(argv[i], "--issuer-key") || !strcmp(argv[i], "--set")) && i + 1 < argc) i++;
    else if (!strcmp(argv[i], "--service-key") && i + 1 < argc) service_file = argv[++i];
    else return usage();
  }
  if (service_file && (have_svc = load_key(&svc, service_file, LV__KEY_SERVICE))) {
    emit(service_file, "service-sign-seed", service_file, svc.sign_sk, 32);
    emit(service_file, "service-box-secret", service_file, svc.box_sk, LV__BOX_SK);
  }
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--store")) {
      dump_store(argv[i + 1], argv[i + 2]);
      i += 2;
    } else if (!strcmp(argv[i], "--issuer-key")) {
      lv__keyfile k;
      if (load_key(&k, argv[i + 1], LV__KEY_ISSUER))
        emit(argv[i + 1], "issuer-sign-seed", argv[i + 1], k.sign_sk, 32);
      lv__keyfile_wipe(&k);
      i++;
    } else if (!strcmp(argv[i], "--set")) {
      dump_set(argv[i + 1], have_svc ? &svc : NULL);
      i++;
    } else if (!strcmp(argv[i], "--service-key")) {
      i++;
    }
  }
  if (have_svc) lv__keyfile_wipe(&svc);
  free(known);
  if (fflush(stdout) != 0) failures++;
  return failures ? 1 : 0;
}
