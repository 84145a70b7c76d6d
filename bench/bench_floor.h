/* bench_floor.h - the verification floor of import and restore (issues #2,
 * #4): n Ed25519 verifications spread over every core, as
 * lv__par spreads the real ones. Each verifies one of BENCH_FLOOR_SIGS
 * distinct license-sized messages signed by one issuer key, as an import
 * or a restore does: one signature verified over and over lets the CPU's
 * branch predictor learn its scalars' digits, and measured 2-6% faster
 * here than distinct ones (docs/performance.md, session 8), a floor no
 * real load can reach. The signing happens in bench_floor_prepare, before
 * the timed child is forked. */
#ifndef LV_BENCH_FLOOR_H
#define LV_BENCH_FLOOR_H

#include <stdint.h>

#include "core/parallel.h"
#include "crypto/crypto.h"

#define BENCH_FLOOR_SIGS 4096
#define BENCH_FLOOR_MSG 281 /* a license record's signed body, title included */

static uint8_t floor_msg[BENCH_FLOOR_SIGS][BENCH_FLOOR_MSG];
static uint8_t floor_sig[BENCH_FLOOR_SIGS][LV__SIG];
static uint8_t floor_pk[LV__SIGN_PK];

static void bench_floor_prepare(void) {
  uint8_t sk[LV__SIGN_SK];
  lv__crypto_init();
  lv__sign_keypair(floor_pk, sk);
  for (size_t i = 0; i < BENCH_FLOOR_SIGS; i++) {
    lv__random(floor_msg[i], BENCH_FLOOR_MSG);
    lv__sign(floor_sig[i], floor_msg[i], BENCH_FLOOR_MSG, sk);
  }
}

static void bench_floor_one(void *ctx, size_t i) {
  size_t k = i % BENCH_FLOOR_SIGS;
  if (lv__sign_verify(floor_sig[k], floor_msg[k], BENCH_FLOOR_MSG, floor_pk) != LV_OK)
    *(int *)ctx = 1;
}

/* The timed part: 0 when every verification passed. */
static int bench_floor_run(uint64_t n) {
  int bad = 0;
  lv__par p;
  lv__par_start(&p, lv__par_threads(), (size_t)n, bench_floor_one, &bad);
  lv__par_join(&p);
  return bad;
}

#endif
