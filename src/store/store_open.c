/* store_open.c - individualization, opening a store on this computer, and
 * the identity-level settings: trusted issuers and the pinned service. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/encoding.h"
#include "core/file.h"
#include "core/timeutil.h"
#include "store/store.h"

#define SEALED_LEN (sizeof(lv__store_secrets) + LV__AEAD_OVERHEAD)
#define SEAL_AD "licvault store secrets v1"

static char *xdg_path(const char *env, const char *xdg, const char *home_rel,
                      const char *leaf) {
  const char *e = getenv(env);
  if (e && *e) return lv__strdup(e);
  char *p = NULL;
  const char *x = getenv(xdg), *home = getenv("HOME");
  size_t n;
  if (x && *x) {
    n = strlen(x) + strlen(leaf) + 2;
    if ((p = lv__malloc(n))) snprintf(p, n, "%s/%s", x, leaf);
  } else if (home && *home) {
    n = strlen(home) + strlen(home_rel) + strlen(leaf) + 3;
    if ((p = lv__malloc(n))) snprintf(p, n, "%s/%s/%s", home, home_rel, leaf);
  }
  return p;
}

char *lv_default_store_dir(void) {
  return xdg_path("LICVAULT_STORE", "XDG_DATA_HOME", ".local/share", "licvault");
}

char *lv_default_machine_file(void) {
  return xdg_path("LICVAULT_MACHINE", "XDG_CONFIG_HOME", ".config",
                  "licvault/machine.key");
}

void lv_store_free(lv_store *s) {
  if (!s) return;
  sqlite3_finalize(s->has_lid);
  if (s->db) sqlite3_close(s->db);
  if (s->sec) lv__secure_free(s->sec);
  free(s->dir);
  free(s);
}

static lv_status new_store(lv_store **out, const char *dir) {
  lv_status rc = lv__crypto_init();
  if (rc < 0) return rc;
  lv_store *s = lv__calloc(1, sizeof *s);
  if (!s) return LV_E_NOMEM;
  s->dir = lv__strdup(dir);
  s->sec = lv__secure_alloc(sizeof *s->sec);
  if (!s->dir || !s->sec) {
    lv_store_free(s);
    return LV_E_NOMEM;
  }
  *out = s;
  return LV_OK;
}

static void seal_ad(uint8_t ad[sizeof SEAL_AD + LV__MACHINE_ID], const lv_store *s) {
  memcpy(ad, SEAL_AD, sizeof SEAL_AD);
  memcpy(ad + sizeof SEAL_AD, s->machine_id, LV__MACHINE_ID);
}

static lv_status write_identity(lv_store *s, const char *machine_file) {
  uint8_t bkey[LV__KEY], sealed[SEALED_LEN], ad[sizeof SEAL_AD + LV__MACHINE_ID];
  lv_status rc;
  lv__random(s->machine_id, LV__MACHINE_ID);
  if ((rc = lv__sign_keypair(s->sign_pk, s->sec->sign_sk)) < 0 ||
      (rc = lv__box_keypair(s->box_pk, s->sec->box_sk)) < 0)
    return rc;
  lv__random(s->sec->store_key, LV__STORE_KEY);
  if ((rc = lv__binding_key(bkey, machine_file, s->machine_id, true)) < 0) return rc;
  seal_ad(ad, s);
  rc = lv__aead_seal(sealed, s->sec, sizeof *s->sec, ad, sizeof ad, bkey);
  lv__memzero(bkey, sizeof bkey);
  if (rc == LV_OK) rc = lv__meta_put_int(s->db, "schema", LV__STORE_SCHEMA);
  if (rc == LV_OK) rc = lv__meta_put(s->db, "machine_id", s->machine_id, LV__MACHINE_ID);
  if (rc == LV_OK) rc = lv__meta_put(s->db, "sign_pk", s->sign_pk, LV__SIGN_PK);
  if (rc == LV_OK) rc = lv__meta_put(s->db, "box_pk", s->box_pk, LV__BOX_PK);
  if (rc == LV_OK) rc = lv__meta_put(s->db, "sealed", sealed, sizeof sealed);
  if (rc == LV_OK) rc = lv__meta_put_int(s->db, "created_at", lv__time_now());
  return rc;
}

static lv_status trust_in_tx(lv_store *s, const char *pubfile, char id_out[LV_KEYID_STRLEN]);
static lv_status service_in_tx(lv_store *s, const char *url, const char *pubfile);

lv_status lv_store_create(lv_store **out, const char *dir, const char *machine_file,
                          const lv_init_opts *opts) {
  char *ddir = dir ? NULL : lv_default_store_dir();
  char *dmf = machine_file ? NULL : lv_default_machine_file();
  lv_store *s = NULL;
  lv_status rc = LV_OK;
  int64_t schema;
  if (!out) return LV_E_INVALID_ARG;
  if (!dir) dir = ddir;
  if (!machine_file) machine_file = dmf;
  if (!dir || !machine_file) rc = LV_E_INVALID_ARG;
  if (rc == LV_OK && opts && !opts->service_url != !opts->service_key_file) rc = LV_E_INVALID_ARG;
  if (rc == LV_OK) rc = lv__mkdir_p(dir, 0700);
  if (rc == LV_OK) rc = new_store(&s, dir);
  if (rc == LV_OK) rc = lv__db_open(&s->db, dir, true);
  if (rc == LV_OK) rc = lv__db_begin(s->db);
  if (rc == LV_OK) rc = lv__db_schema(s->db);
  /* a store is individualized once its identity committed; a crash before
   * that leaves an empty database that init may fill */
  if (rc == LV_OK && lv__meta_get_int(s->db, "schema", &schema) == LV_OK) rc = LV_E_ALREADY_INDIV;
  if (rc == LV_OK) rc = write_identity(s, machine_file);
  for (size_t i = 0; rc == LV_OK && opts && i < opts->ntrust; i++)
    rc = trust_in_tx(s, opts->trust_files[i], NULL);
  if (rc == LV_OK && opts && opts->service_url)
    rc = service_in_tx(s, opts->service_url, opts->service_key_file);
  if (rc == LV_OK) rc = lv__db_commit(s->db);
  if (rc < 0 && s) lv__db_rollback(s->db);
  free(ddir);
  free(dmf);
  if (rc < 0) {
    lv_store_free(s);
    return rc;
  }
  *out = s;
  return LV_OK;
}

static lv_status unseal(lv_store *s, const char *machine_file) {
  uint8_t bkey[LV__KEY], sealed[SEALED_LEN], ad[sizeof SEAL_AD + LV__MACHINE_ID];
  lv_status rc = lv__meta_get(s->db, "sealed", sealed, sizeof sealed);
  if (rc == LV_E_NOT_FOUND) rc = LV_E_STORE_CORRUPT;
  if (rc == LV_OK) rc = lv__binding_key(bkey, machine_file, s->machine_id, false);
  if (rc == LV_E_KEY_FILE) rc = LV_E_INVALID_MACHINE;
  if (rc < 0) return rc;
  seal_ad(ad, s);
  rc = lv__aead_open((uint8_t *)s->sec, sealed, sizeof sealed, ad, sizeof ad, bkey);
  lv__memzero(bkey, sizeof bkey);
  /* another binding: this store was made on (or for) another computer */
  return rc == LV_E_DECRYPT ? LV_E_INVALID_MACHINE : rc;
}

lv_status lv_store_open(lv_store **out, const char *dir, const char *machine_file) {
  char *ddir = dir ? NULL : lv_default_store_dir();
  char *dmf = machine_file ? NULL : lv_default_machine_file();
  lv_store *s = NULL;
  lv_status rc = LV_OK;
  int64_t schema = 0;
  if (!out) return LV_E_INVALID_ARG;
  if (!dir) dir = ddir;
  if (!machine_file) machine_file = dmf;
  if (!dir || !machine_file) rc = LV_E_INVALID_ARG;
  if (rc == LV_OK) rc = new_store(&s, dir);
  if (rc == LV_OK) rc = lv__db_open(&s->db, dir, false);
  if (rc == LV_OK) {
    rc = lv__meta_get_int(s->db, "schema", &schema);
    /* tables absent or empty: created but never individualized */
    if (rc == LV_E_NOT_FOUND || rc == LV_E_IO) rc = LV_E_NEEDS_INDIV;
  }
  if (rc == LV_OK && schema > LV__STORE_SCHEMA) rc = LV_E_STORE_VERSION;
  if (rc == LV_OK) rc = lv__meta_get(s->db, "machine_id", s->machine_id, LV__MACHINE_ID);
  if (rc == LV_OK) rc = lv__meta_get(s->db, "sign_pk", s->sign_pk, LV__SIGN_PK);
  if (rc == LV_OK) rc = lv__meta_get(s->db, "box_pk", s->box_pk, LV__BOX_PK);
  if (rc == LV_E_NOT_FOUND) rc = LV_E_STORE_CORRUPT;
  if (rc == LV_OK) rc = unseal(s, machine_file);
  free(ddir);
  free(dmf);
  if (rc < 0) {
    lv_store_free(s);
    return rc;
  }
  *out = s;
  return LV_OK;
}

lv_status lv_store_get_info(lv_store *s, lv_store_info *out) {
  uint8_t sid[LV__KEYID];
  sqlite3_stmt *st;
  if (!s || !out) return LV_E_INVALID_ARG;
  memset(out, 0, sizeof *out);
  lv__hex_encode(out->machine_id, s->machine_id, LV__MACHINE_ID);
  lv_status rc = lv__meta_get_str(s->db, "service_url", out->service_url, sizeof out->service_url);
  if (rc == LV_OK && lv__meta_get(s->db, "service_id", sid, sizeof sid) == LV_OK)
    lv__hex_encode(out->service_key, sid, LV__KEYID);
  if (rc == LV_E_NOT_FOUND) rc = LV_OK;
  if (rc < 0) return rc;
  int src = sqlite3_prepare_v2(s->db,
                               "SELECT (SELECT count(*) FROM licenses),"
                               " (SELECT count(*) FROM issuers)",
                               -1, &st, NULL);
  if (src != SQLITE_OK) return lv__sqlite_status(src);
  if ((src = sqlite3_step(st)) == SQLITE_ROW) {
    out->licenses = (uint64_t)sqlite3_column_int64(st, 0);
    out->issuers = (unsigned)sqlite3_column_int(st, 1);
  }
  sqlite3_finalize(st);
  return src == SQLITE_ROW ? LV_OK : lv__sqlite_status(src);
}

static lv_status identity_buf(lv_store *s, lv__buf *b) {
  lv__keyfile k;
  memset(&k, 0, sizeof k);
  k.kind = LV__KEY_MACHINE;
  memcpy(k.machine_id, s->machine_id, LV__MACHINE_ID);
  memcpy(k.sign_pk, s->sign_pk, LV__SIGN_PK);
  memcpy(k.box_pk, s->box_pk, LV__BOX_PK);
  lv__keyfile_compute_id(&k);
  return lv__keyfile_format(b, &k, false);
}

lv_status lv_store_export_identity(lv_store *s, const char *path) {
  lv__buf b;
  if (!s || !path) return LV_E_INVALID_ARG;
  lv__buf_init(&b, LV__KEYFILE_MAX);
  lv_status rc = identity_buf(s, &b);
  if (rc == LV_OK) rc = lv__file_write_atomic(path, b.data, b.len, 0644);
  lv__buf_free(&b);
  return rc;
}

lv_status lv_store_identity_text(lv_store *s, char **out) {
  lv__buf b;
  if (!s || !out) return LV_E_INVALID_ARG;
  lv__buf_init(&b, LV__KEYFILE_MAX);
  lv_status rc = identity_buf(s, &b);
  if (rc == LV_OK) rc = lv__buf_put_u8(&b, 0);
  if (rc < 0) {
    lv__buf_free(&b);
    return rc;
  }
  *out = (char *)b.data;
  return LV_OK;
}

static lv_status trust_in_tx(lv_store *s, const char *pubfile, char id_out[LV_KEYID_STRLEN]) {
  lv__keyfile k;
  char id[LV_KEYID_STRLEN];
  sqlite3_stmt *st;
  lv_status rc = lv__keyfile_load(&k, pubfile);
  if (rc < 0) return rc;
  /* a secret key file is refused: an issuer's secret never goes to computers */
  if (k.kind != LV__KEY_ISSUER || k.has_secret) rc = LV_E_KEY_FILE;
  lv__hex_encode(id, k.id, LV__KEYID);
  int src = rc < 0 ? SQLITE_OK
                   : sqlite3_prepare_v2(s->db,
                                        "INSERT OR IGNORE INTO issuers(id,sign_pk,added_at)"
                                        " VALUES(?,?,?)",
                                        -1, &st, NULL);
  if (rc == LV_OK && src == SQLITE_OK) {
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, k.sign_pk, LV__SIGN_PK, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, lv__time_now());
    src = sqlite3_step(st);
    sqlite3_finalize(st);
  }
  if (rc == LV_OK) rc = lv__sqlite_status(src);
  if (rc == LV_OK && id_out) memcpy(id_out, id, sizeof id);
  lv__keyfile_wipe(&k);
  return rc;
}

lv_status lv_store_trust_add(lv_store *s, const char *pubfile, char id_out[LV_KEYID_STRLEN]) {
  if (!s || !pubfile) return LV_E_INVALID_ARG;
  lv_status rc = lv__db_begin(s->db);
  if (rc == LV_OK) rc = trust_in_tx(s, pubfile, id_out);
  if (rc == LV_OK) rc = lv__db_commit(s->db);
  if (rc < 0) lv__db_rollback(s->db);
  return rc;
}

static bool url_ok(const char *url) {
  size_t n = strlen(url);
  if (n >= 1024 || !lv__utf8_valid_text((const uint8_t *)url, n)) return false;
  return !strncmp(url, "http://", 7) || !strncmp(url, "https://", 8);
}

static lv_status service_in_tx(lv_store *s, const char *url, const char *pubfile) {
  lv__keyfile k;
  if (!url_ok(url)) return LV_E_INVALID_ARG;
  lv_status rc = lv__keyfile_load(&k, pubfile);
  if (rc == LV_OK && k.kind != LV__KEY_SERVICE) rc = LV_E_KEY_FILE;
  if (rc == LV_OK) rc = lv__meta_put(s->db, "service_url", url, strlen(url));
  if (rc == LV_OK) rc = lv__meta_put(s->db, "service_id", k.id, LV__KEYID);
  if (rc == LV_OK) rc = lv__meta_put(s->db, "service_sign_pk", k.sign_pk, LV__SIGN_PK);
  if (rc == LV_OK) rc = lv__meta_put(s->db, "service_box_pk", k.box_pk, LV__BOX_PK);
  lv__keyfile_wipe(&k);
  return rc;
}

lv_status lv_store_service_set(lv_store *s, const char *url, const char *pubfile) {
  if (!s || !url || !pubfile) return LV_E_INVALID_ARG;
  lv_status rc = lv__db_begin(s->db);
  if (rc == LV_OK) rc = service_in_tx(s, url, pubfile);
  if (rc == LV_OK) rc = lv__db_commit(s->db);
  if (rc < 0) lv__db_rollback(s->db);
  return rc;
}

lv_status lv__store_issuer_pk(lv_store *s, const uint8_t id[LV__KEYID], uint8_t pk[LV__SIGN_PK]) {
  char hid[LV_KEYID_STRLEN];
  sqlite3_stmt *st;
  lv__hex_encode(hid, id, LV__KEYID);
  int src = sqlite3_prepare_v2(s->db, "SELECT sign_pk FROM issuers WHERE id=?", -1, &st, NULL);
  if (src != SQLITE_OK) return lv__sqlite_status(src);
  sqlite3_bind_text(st, 1, hid, -1, SQLITE_STATIC);
  lv_status rc = LV_E_UNTRUSTED_ISSUER;
  if ((src = sqlite3_step(st)) == SQLITE_ROW && sqlite3_column_bytes(st, 0) == LV__SIGN_PK) {
    memcpy(pk, sqlite3_column_blob(st, 0), LV__SIGN_PK);
    rc = LV_OK;
  } else if (src != SQLITE_DONE && src != SQLITE_ROW) {
    rc = lv__sqlite_status(src);
  }
  sqlite3_finalize(st);
  return rc;
}

#define CKEY_AD "licvault content key v1"

static void ckey_ad(uint8_t ad[sizeof CKEY_AD + 16], const uint8_t lid[16]) {
  memcpy(ad, CKEY_AD, sizeof CKEY_AD);
  memcpy(ad + sizeof CKEY_AD, lid, 16);
}

lv_status lv__store_seal_ckey(const lv_store *s, uint8_t *out, const uint8_t *ckey,
                              const uint8_t lid[16]) {
  uint8_t ad[sizeof CKEY_AD + 16];
  ckey_ad(ad, lid);
  return lv__aead_seal(out, ckey, 32, ad, sizeof ad, s->sec->store_key);
}

lv_status lv__store_open_ckey(const lv_store *s, uint8_t *ckey, const uint8_t *in, size_t n,
                              const uint8_t lid[16]) {
  uint8_t ad[sizeof CKEY_AD + 16];
  if (n != 32 + LV__AEAD_OVERHEAD) return LV_E_DECRYPT;
  ckey_ad(ad, lid);
  return lv__aead_open(ckey, in, n, ad, sizeof ad, s->sec->store_key);
}
