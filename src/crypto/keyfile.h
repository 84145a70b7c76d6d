/* keyfile.h - the one key file format of licvault (docs/keys.md): a short
 * text file, "licvault-key 1" then "name value" lines, for issuers, the
 * License Management Service and a computer's public identity. A secret
 * file (mode 0600) carries the public half too; a .pub file only that.
 * Ownership: lv__keyfile is a plain value; lv__keyfile_wipe clears secrets. */
#ifndef LV_CRYPTO_KEYFILE_H
#define LV_CRYPTO_KEYFILE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"
#include "crypto/crypto.h"

#define LV__KEYID 8
#define LV__MACHINE_ID 16
#define LV__KEYFILE_MAX 4096

typedef enum lv__key_kind {
  LV__KEY_ISSUER = 1,  /* Ed25519: signs licenses */
  LV__KEY_SERVICE = 2, /* Ed25519 signs answers, X25519 unlocks backups */
  LV__KEY_MACHINE = 3  /* a computer's public identity (id, both keys) */
} lv__key_kind;

typedef struct lv__keyfile {
  lv__key_kind kind;
  bool has_secret;
  uint8_t id[LV__KEYID];
  uint8_t machine_id[LV__MACHINE_ID]; /* machine only */
  uint8_t sign_pk[LV__SIGN_PK];
  uint8_t box_pk[LV__BOX_PK]; /* service and machine */
  uint8_t sign_sk[LV__SIGN_SK];
  uint8_t box_sk[LV__BOX_SK];
} lv__keyfile;

/* The key id: first 8 bytes of BLAKE2b over kind, sign_pk and box_pk (or, for
 * a machine, its machine id). Stable, printable as 16 hex digits. */
void lv__keyfile_compute_id(lv__keyfile *k);

/* Strict parser: LV_E_KEY_FILE for any text that is not exactly a key file
 * (unknown or repeated names, missing fields, a secret that does not match
 * its public key, a wrong id). */
lv_status lv__keyfile_parse(lv__keyfile *out, const char *text, size_t n);
/* Writes the text form; secret=false omits the secret lines. */
lv_status lv__keyfile_format(lv__buf *out, const lv__keyfile *k, bool secret);

lv_status lv__keyfile_load(lv__keyfile *out, const char *path);
/* Writes dir/name.key (0600, secret) and dir/name.pub (0644), atomically. */
lv_status lv__keyfile_save_pair(const lv__keyfile *k, const char *dir, const char *name);
/* Generates a fresh secret key of an issuer or service kind. */
lv_status lv__keyfile_generate(lv__keyfile *out, lv__key_kind kind);
void lv__keyfile_wipe(lv__keyfile *k);

const char *lv__key_kind_name(lv__key_kind kind);

#endif
