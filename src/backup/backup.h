/* backup.h (internal) - the backup set of docs/format.md: its manifest, the
 * entry layout, the writer, the reader and the verifier. Knows nothing of
 * threads beyond core/parallel's data-parallel loop, nothing of HTTP.
 * Ownership: lv__manifest owns its parts array (lv__manifest_free). */
#ifndef LV_BACKUP_BACKUP_H
#define LV_BACKUP_BACKUP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"
#include "crypto/crypto.h"
#include "crypto/keyfile.h"
#include "license/license.h"
#include "license/lock.h"
#include "licvault/backup.h"
#include "licvault/store.h"

/* The version written; a reader takes every version from 1 up to it. They
 * differ only in the parts' hash: BLAKE2b-256 (1), SHA-256 (2). */
#define LV__SET_VERSION 2
#define LV__SET_VERSION_MIN 1
#define LV__MAN_NAME "LVBACKUP.MAN"
#define LV__MAN_MAX (8u << 20)     /* bytes */
#define LV__MAN_MAX_ISSUERS 256
#define LV__MAN_MAX_PARTS 65535u
#define LV__PART_MAX_DEFAULT (1ull << 30) /* FAT32-safe, and no file over 1 GiB */
#define LV__PART_MIN 65536u
#define LV__ENTRY 840            /* bytes per license, fixed: sizes reveal only the count */
#define LV__ENTRIES_PER_MSG 64   /* entries per secretstream message */

typedef struct lv__part {
  char name[13]; /* "LVggpppp.DAT" */
  uint64_t size;
  uint8_t hash[LV__HASH];
} lv__part;

typedef struct lv__issuer_pk {
  uint8_t id[LV__KEYID];
  uint8_t pk[LV__SIGN_PK];
} lv__issuer_pk;

typedef struct lv__manifest {
  uint32_t version;    /* LV__SET_VERSION_MIN..LV__SET_VERSION */
  uint32_t generation; /* 1..255, names the parts */
  int64_t created;
  uint8_t machine_id[LV__MACHINE_ID];
  uint8_t machine_sign_pk[LV__SIGN_PK];
  char service_url[1024];
  uint8_t service_id[LV__KEYID];
  uint8_t service_sign_pk[LV__SIGN_PK];
  uint8_t service_box_pk[LV__BOX_PK];
  lv__issuer_pk *issuers;
  unsigned nissuers;
  uint64_t licenses;
  uint8_t sealed_secret[LV__SEALED_SECRET];
  uint8_t stream_header[LV__SSTREAM_HEADER];
  lv__part *parts;
  uint32_t nparts;
  uint8_t sig[LV__SIG];
} lv__manifest;

void lv__manifest_free(lv__manifest *m);
/* Strict, canonical parse of the manifest text, then its signature checked
 * against the machine key it names. LV_E_BACKUP_CORRUPT for anything else,
 * LV_E_LICENSE_VERSION for another format version. */
lv_status lv__manifest_parse(lv__manifest *out, const char *text, size_t n);
/* Formats and signs (sign_sk: the source computer's). */
lv_status lv__manifest_format(lv__buf *out, lv__manifest *m, const uint8_t sign_sk[LV__SIGN_SK]);
/* Reads dir/LVBACKUP.MAN: LV_E_NO_FILE when there is none. */
lv_status lv__manifest_load(lv__manifest *out, const char *dir);

/* The parts' hash in a set of this format version (one that parses). */
lv__digest_alg lv__set_digest_alg(uint32_t version);

/* Name of part i of generation gen ("LV07000A.DAT"). */
void lv__part_name(char out[13], uint32_t gen, uint32_t i);
/* Size in bytes of the whole ciphertext stream for n licenses. */
uint64_t lv__stream_size(uint64_t n);

/* One decoded entry. */
typedef struct lv__entry {
  const uint8_t *rec; /* the signed license record */
  size_t len;
  uint32_t plays_used;
  int64_t first_use;
  uint8_t locked[32]; /* content key XOR the license's pad */
} lv__entry;
/* Decodes an entry of LV__ENTRY bytes (canonical: zero padding). */
lv_status lv__entry_decode(lv__entry *out, const uint8_t e[LV__ENTRY]);
void lv__entry_encode(uint8_t e[LV__ENTRY], const uint8_t *rec, size_t len, uint32_t plays,
                      int64_t first_use, const uint8_t locked[32]);
/* Where an entry's locked content key is: a backup encodes an entry with a
 * zero key on the thread that reads the store, and puts the key in later. */
#define LV__ENTRY_LOCKED (2 + LV__LIC_MAX + 12)

/* ---- writer (set_write.c) ---- */
typedef struct lv__set_writer lv__set_writer;
lv_status lv__set_writer_open(lv__set_writer **out, const char *dir, uint32_t gen,
                              uint64_t part_max, const uint8_t key[LV__KEY],
                              uint8_t header[LV__SSTREAM_HEADER]);
/* The writer hands its caller the buffers the entries are built in, so that
 * they are never copied: lv__set_writer_take gives room for
 * LV__SET_GROUP_ENTRIES entries (LV__ENTRY bytes each); lv__set_writer_put
 * hands it back, filled with n entries, to be encrypted and written.
 * Buffers are put in the order they were taken, at most LV__SET_HELD taken
 * and not yet put; every group is full (n = LV__SET_GROUP_ENTRIES) except a
 * last one, after which only finish is allowed. Once a put has failed the
 * writer is only to be aborted: take returns NULL, and the buffers are
 * wiped. */
#define LV__SET_GROUP_MSGS 16
#define LV__SET_GROUP_ENTRIES (LV__SET_GROUP_MSGS * LV__ENTRIES_PER_MSG)
#define LV__SET_HELD 3
uint8_t *lv__set_writer_take(lv__set_writer *w);
lv_status lv__set_writer_put(lv__set_writer *w, uint8_t *group, size_t n);
/* Ends the stream and makes every part durable; hands over the part list
 * (*parts: free()). Frees w. */
lv_status lv__set_writer_finish(lv__set_writer *w, lv__part **parts, uint32_t *nparts);
/* Removes every part written so far; frees w; accepts NULL. */
void lv__set_writer_abort(lv__set_writer *w);

/* ---- reader (set_read.c) ---- */
typedef struct lv__set_reader lv__set_reader;
/* Reads the stream of a loaded manifest with the stream key (from S). */
lv_status lv__set_reader_open(lv__set_reader **out, const char *dir, const lv__manifest *m,
                              const uint8_t key[LV__KEY]);
/* Next entry; *e valid until the next call. LV_OK with e->rec NULL at the
 * verified end (final tag, count matches). */
lv_status lv__set_reader_next(lv__set_reader *r, lv__entry *e);
void lv__set_reader_close(lv__set_reader *r);
/* Decrypts a whole stream in memory (fuzz entry point). */
lv_status lv__stream_parse_mem(const uint8_t *p, size_t n, const uint8_t key[LV__KEY],
                               const uint8_t header[LV__SSTREAM_HEADER], uint64_t licenses);

/* ---- the backup job (set_backup.c), synchronous ---- */
typedef struct lv__backup_hooks {
  void (*restricted)(void *ctx, const char *kid, const char *title);
  void (*progress)(void *ctx, uint64_t done, uint64_t total);
  void *ctx;
  const atomic_int *cancel; /* non-zero: stop before the commit point */
} lv__backup_hooks;

/* Writes the set of every license of s that allows backup to dir, over an
 * existing set when overwrite. *written / *restricted get the counts. */
lv_status lv__backup_run(lv_store *s, const char *dir, bool overwrite, uint64_t part_max,
                         const lv__backup_hooks *h, uint64_t *written, uint64_t *restricted);
/* LV_OK when dir holds a backup set (a manifest), LV_E_NO_FILE when not. */
lv_status lv__backup_present(const char *dir);

#endif
