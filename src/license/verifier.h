/* verifier.h (internal) - license signatures checked on background threads
 * while the caller goes on with the same licenses (decode, store, build
 * indexes), so that a load's serial work overlaps the verifications, which
 * are its floor. The caller queues each record with its index in the input
 * and its issuer's key; at the end it learns the first record, in input
 * order, whose signature failed. Nothing queued is trusted until then.
 *
 * Memory is a fixed ring of chunks, whatever the count: when it is full,
 * lv__verifier_add waits for the threads. The ring is how far the caller
 * may run ahead: at 16 MiB, about 48,000 licenses, a second or more of
 * the cores' verifications. It holds only signed records and public keys,
 * nothing secret.
 *
 * One caller thread drives a verifier: add, add, ..., then finish, which
 * also frees it. Not for use from several threads at once. */
#ifndef LV_LICENSE_VERIFIER_H
#define LV_LICENSE_VERIFIER_H

#include <stddef.h>
#include <stdint.h>

#include "license/license.h"

#define LV__VERIFIER_CHUNK (64 * 1024)
/* What a record takes in a chunk beside its bytes: its index, its length
 * and its issuer's key. A chunk is handed over when the next record would
 * not fit. */
#define LV__VERIFIER_REC_HDR (8 + 4 + LV__SIGN_PK)
#define LV__VERIFIER_CHUNKS 256 /* at most: a ring of 16 MiB */
/* The ring of a bulk load (an import, a restore onto a new computer): it
 * lasts through the index build at a million licenses (~2 s on one core) */
#define LV__VERIFIER_RING_LOAD ((size_t)16 << 20)

typedef struct lv__verifier lv__verifier;

/* Starts nthreads threads (0: each chunk is verified on the caller's thread
 * as it fills; a thread that cannot be started is simply missing) with a
 * ring of about `bytes` (2 to LV__VERIFIER_CHUNKS chunks). LV_E_NOMEM, and
 * *out NULL, when the ring cannot be had. */
lv_status lv__verifier_start(lv__verifier **out, unsigned nthreads, size_t bytes);
/* Queues record idx (n bytes, copied) to be verified against pk (copied).
 * idx must grow from one call to the next. Returns LV_E_BAD_SIGNATURE
 * (or the verification's own error) once any queued record has failed, so
 * the caller can stop early; LV_E_INVALID_ARG for a record that cannot be
 * a license's (larger than LV__LIC_MAX). */
lv_status lv__verifier_add(lv__verifier *v, uint64_t idx, const uint8_t *rec, size_t n,
                           const uint8_t pk[LV__SIGN_PK]);
/* Records whose signature has been checked so far (for progress). */
uint64_t lv__verifier_done(const lv__verifier *v);
/* Waits for every queued record, stops the threads and frees v. Returns
 * LV_OK when all verified, else the error of the first failed record in
 * idx order, its idx in *bad_idx and, when bad_rec is not NULL, a copy of
 * it (LV__LIC_MAX bytes of room) and its length in *bad_len. Accepts NULL
 * (LV_OK). */
lv_status lv__verifier_finish(lv__verifier *v, uint64_t *bad_idx, uint8_t *bad_rec,
                              size_t *bad_len);
/* Stops without verifying what is still queued (a canceled load), then
 * frees v as finish does. Accepts NULL. */
void lv__verifier_abort(lv__verifier *v);

#endif
