/* proto.h (internal) - the messages between a restoring computer and the
 * License Management Service (docs/protocol.md): JSON bodies, signed by the
 * computer (requests) and by the service (answers), parsed strictly and
 * bounded. Used by src/client and src/service; fuzzed on both sides.
 * Ownership: parsed messages that hold arrays are freed with their _free. */
#ifndef LV_PROTO_PROTO_H
#define LV_PROTO_PROTO_H

#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"
#include "crypto/crypto.h"
#include "crypto/keyfile.h"
#include "license/lock.h"

#define LV__PROTO_VERSION 2
#define LV__BODY_MAX (4u << 20)   /* any request or answer body */
#define LV__ITEMS_MAX 1000        /* licenses per restore request */
#define LV__SKEW 300              /* seconds a request's time may be off */
#define LV__RID 16
#define LV__SIG_HEADER "X-Licvault-Signature"
#define LV__PATH_OPEN "/v1/open"
#define LV__PATH_RESTORE "/v1/restore"

typedef struct lv__identity {
  uint8_t machine_id[LV__MACHINE_ID];
  uint8_t sign_pk[LV__SIGN_PK];
  uint8_t box_pk[LV__BOX_PK];
} lv__identity;

typedef struct lv__req_head {
  uint8_t rid[LV__RID]; /* the idempotency key: a retry sends the same */
  int64_t time;
  lv__identity who;
} lv__req_head;

typedef struct lv__open_req {
  lv__req_head h;
  uint8_t sealed_secret[LV__SEALED_SECRET];
  uint8_t source_machine[LV__MACHINE_ID];
  uint32_t generation;
  uint64_t licenses;
  uint8_t service_id[LV__KEYID];
} lv__open_req;

typedef struct lv__item {
  lv__lic_ref ref;
  char title[LV_TITLE_MAX + 1]; /* for the limit page only; "" when none */
} lv__item;

typedef struct lv__restore_req {
  lv__req_head h;
  bool dry_run;
  uint8_t sealed_secret[LV__SEALED_SECRET];
  lv__item *items;
  size_t n;
} lv__restore_req;

typedef enum lv__outcome {
  LV__OUT_RESTORE = 1, /* granted: restore it */
  LV__OUT_ALREADY = 2, /* this computer already has it: granted, free */
  LV__OUT_LIMIT = 3,   /* refused: on too many computers */
  LV__OUT_REVOKED = 4  /* refused: revoked (license, or its computer) */
} lv__outcome;

typedef struct lv__result {
  uint8_t lid[LV_LID_LEN];
  lv__outcome outcome;
  uint32_t left; /* computers it may still go to */
} lv__result;

#define LV__SEALED_KEY (LV__KEY + LV__AEAD_OVERHEAD)

typedef struct lv__open_resp {
  uint8_t req_hash[LV__HASH];
  uint8_t stream_key[LV__SEALED_KEY]; /* under the answer key, ad = req_hash */
} lv__open_resp;

typedef struct lv__restore_resp {
  uint8_t req_hash[LV__HASH];
  lv__result *items;
  size_t n;
  uint8_t *pads; /* under the answer key: 32 bytes per granted item, in order */
  size_t pads_len; /* 0 for a dry run */
  char limit_url[1024]; /* "" unless a license hit the limit */
} lv__restore_resp;

typedef struct lv__error_resp {
  uint8_t req_hash[LV__HASH];
  char code[64];      /* lv_status name */
  uint32_t hresult;
  char message[256];
} lv__error_resp;

/* The request's hash, which its answer names. */
void lv__proto_hash(uint8_t out[LV__HASH], const void *body, size_t n);
const char *lv__outcome_name(lv__outcome o);

/* Signatures: requests by the computer over "licvault request v1" 0 path 0
 * body; answers by the service over "licvault response v1" 0 status 0 body.
 * Signatures travel base64 in the X-Licvault-Signature header. */
void lv__proto_sign_request(char sig_b64[89], const char *path, const void *body, size_t n,
                            const uint8_t sign_sk[LV__SIGN_SK]);
lv_status lv__proto_verify_request(const char *sig_b64, const char *path, const void *body,
                                   size_t n, const uint8_t sign_pk[LV__SIGN_PK]);
void lv__proto_sign_answer(char sig_b64[89], unsigned status, const void *body, size_t n,
                           const uint8_t sign_sk[LV__SIGN_SK]);
lv_status lv__proto_verify_answer(const char *sig_b64, unsigned status, const void *body,
                                  size_t n, const uint8_t sign_pk[LV__SIGN_PK]);

/* The key that protects what an answer hands one computer (the stream key,
 * pads): X25519 between the service's and the computer's box keys. */
lv_status lv__answer_key(uint8_t key[LV__KEY], const uint8_t my_box_sk[LV__BOX_SK],
                         const uint8_t peer_box_pk[LV__BOX_PK],
                         const uint8_t service_box_pk[LV__BOX_PK],
                         const uint8_t client_box_pk[LV__BOX_PK]);

/* Formatting (compact JSON into b) and strict parsing. Parsers return
 * LV_E_BAD_NET_RESP for any body that is not exactly such a message (the
 * service maps it to a 400). */
lv_status lv__open_req_format(lv__buf *b, const lv__open_req *m);
lv_status lv__open_req_parse(lv__open_req *m, const void *body, size_t n);
lv_status lv__restore_req_format(lv__buf *b, const lv__restore_req *m);
lv_status lv__restore_req_parse(lv__restore_req *m, const void *body, size_t n);
void lv__restore_req_free(lv__restore_req *m);
lv_status lv__open_resp_format(lv__buf *b, const lv__open_resp *m);
lv_status lv__open_resp_parse(lv__open_resp *m, const void *body, size_t n);
lv_status lv__restore_resp_format(lv__buf *b, const lv__restore_resp *m);
lv_status lv__restore_resp_parse(lv__restore_resp *m, const void *body, size_t n);
void lv__restore_resp_free(lv__restore_resp *m);
lv_status lv__error_resp_format(lv__buf *b, const lv__error_resp *m);
lv_status lv__error_resp_parse(lv__error_resp *m, const void *body, size_t n);

/* Tests and fuzzers only: true makes the restore parsers hand every body
 * to jansson whole, instead of reading a batch's items and pads past it
 * (messages.c), so the two ways can be compared. Not thread-safe to flip. */
extern bool lv__proto_no_cuts;

#endif
