/* store.h (internal) - the lv_store object and helpers shared by the files
 * of src/store: SQLite access, meta values, the sealed secrets. */
#ifndef LV_STORE_STORE_H
#define LV_STORE_STORE_H

#include <sqlite3.h>
#include <stdbool.h>

#include "crypto/crypto.h"
#include "crypto/keyfile.h"
#include "licvault/store.h"

#define LV__STORE_DB "store.db"
#define LV__STORE_SCHEMA 1
#define LV__STORE_KEY 32

/* Long-lived secrets, in guarded memory (lv__secure_alloc). */
typedef struct lv__store_secrets {
  uint8_t sign_sk[LV__SIGN_SK];
  uint8_t box_sk[LV__BOX_SK];
  uint8_t store_key[LV__STORE_KEY]; /* encrypts content keys at rest */
} lv__store_secrets;

struct lv_store {
  sqlite3 *db;
  char *dir;
  uint8_t machine_id[LV__MACHINE_ID];
  uint8_t sign_pk[LV__SIGN_PK];
  uint8_t box_pk[LV__BOX_PK];
  lv__store_secrets *sec;
  sqlite3_stmt *has_lid; /* cached: asked once per license on restore */
};

/* ---- store_db.c ---- */
lv_status lv__sqlite_status(int rc);
/* Opens (creating when create) dir/store.db with licvault's pragmas. */
lv_status lv__db_open(sqlite3 **out, const char *dir, bool create);
lv_status lv__db_exec(sqlite3 *db, const char *sql);
lv_status lv__db_schema(sqlite3 *db);
/* Binds a KID given in text form as its 16 bytes (the column's form). */
lv_status lv__bind_kid(sqlite3_stmt *st, int idx, const char *kid);
lv_status lv__db_begin(sqlite3 *db); /* BEGIN IMMEDIATE */
/* Loading many licenses into an empty store, inside the caller's
 * transaction: its indexes are dropped (*bulk true) and built once at the
 * end by lv__db_bulk_end, a sort instead of a random B-tree insert per
 * row. While bulk, nothing may look a license up by lid or kid. bulk_end
 * removes the later rows of a license loaded twice (*dups of them). */
lv_status lv__db_bulk_begin(sqlite3 *db, bool *bulk);
lv_status lv__db_bulk_end(sqlite3 *db, uint64_t *dups);
lv_status lv__db_commit(sqlite3 *db);
void lv__db_rollback(sqlite3 *db);
/* SQLite's page cache for this connection, in KiB: a long load raises it
 * for its duration (a cap, not a size that grows with the input), then
 * puts back LV__DB_CACHE_DEFAULT_KIB. */
#define LV__DB_CACHE_DEFAULT_KIB 2000 /* SQLite's own default */
lv_status lv__db_cache_kib(sqlite3 *db, unsigned kib);
lv_status lv__meta_put(sqlite3 *db, const char *k, const void *v, size_t n);
lv_status lv__meta_put_int(sqlite3 *db, const char *k, int64_t v);
/* Copies exactly n bytes of meta k into v (LV_E_STORE_CORRUPT otherwise);
 * LV_E_NOT_FOUND when k is absent. */
lv_status lv__meta_get(sqlite3 *db, const char *k, void *v, size_t n);
/* A text or blob of at most cap-1 bytes, NUL-terminated. */
lv_status lv__meta_get_str(sqlite3 *db, const char *k, char *v, size_t cap);
lv_status lv__meta_get_int(sqlite3 *db, const char *k, int64_t *v);

/* ---- store_binding.c ---- */
#define LV__BINDING_SECRET 32
/* Parses the text of a binding secret file (docs/keys.md: "licvault-machine
 * 1\n", 64 hex digits, "\n") into secret. LV_E_KEY_FILE for anything else;
 * nothing is written to secret then. Pure: fuzz/fuzz_binding.c drives it. */
lv_status lv__binding_parse(uint8_t secret[LV__BINDING_SECRET], const uint8_t *data, size_t n);
/* The binding key of this computer for a store with machine_id: from the
 * binding secret file (created when create is set) and the OS machine id.
 * LV_E_INVALID_MACHINE when the file is absent and create is not set. */
lv_status lv__binding_key(uint8_t key[LV__KEY], const char *machine_file,
                          const uint8_t machine_id[LV__MACHINE_ID], bool create);

/* ---- store_open.c ---- */
/* Looks up a trusted issuer's public key by id. */
lv_status lv__store_issuer_pk(lv_store *s, const uint8_t id[LV__KEYID],
                              uint8_t pk[LV__SIGN_PK]);
/* Seals / opens a content key under the store key, bound to the LID. */
lv_status lv__store_seal_ckey(const lv_store *s, uint8_t *out, const uint8_t *ckey,
                              const uint8_t lid[16]);
lv_status lv__store_open_ckey(const lv_store *s, uint8_t *ckey, const uint8_t *in,
                              size_t n, const uint8_t lid[16]);

/* ---- store_restore.c ---- */
lv_status lv__store_trust_raw(lv_store *s, const uint8_t id[LV__KEYID], const uint8_t pk[LV__SIGN_PK]);
lv_status lv__store_service_raw(lv_store *s, const char *url, const uint8_t id[LV__KEYID],
                                const uint8_t sign_pk[LV__SIGN_PK], const uint8_t box_pk[LV__BOX_PK]);
bool lv__store_has_lid(lv_store *s, const uint8_t lid[16]);
/* Inserts a restored license (already verified) in the caller's
 * transaction; a license already there (same LID) stays as it is. *ins
 * caches the prepared statement (sqlite3_finalize it after). */
lv_status lv__store_put_restored(lv_store *s, sqlite3_stmt **ins, const uint8_t *rec, size_t len,
                                 const uint8_t lid[16], const uint8_t kid[16],
                                 const uint8_t ckey[32], uint32_t plays, int64_t first_use,
                                 bool *added);

#endif
