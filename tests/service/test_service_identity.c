/* test_service_identity.c - who asks and who answers: licvaultd refuses
 * forged, altered and replayed requests; a client believes only its service. */
#include <string.h>

#include "client/client.h"
#include "crypto/keyfile.h"
#include "svc_fixture.h"

static void forged_and_replayed_requests_refused(void **state) {
  svc_fx *f = *state;
  fx_start(f, "svc-forged", 4, 0, T0);
  comp x, a, mallory, a2;
  set s;
  lv__item L[1];
  req q, q2;
  resp r;
  got g;
  char sig[89];
  comp_new(&x), comp_new(&a), comp_new(&mallory);
  set_new(&s, f->key.box_pk);
  lic_new(&L[0], x.who.machine_id, "Guarded");
  resp_init(&r);
  req_restore(&q, &a, &s, L, 1, false, T0, NULL);

  /* signed by someone else */
  lv__proto_sign_request(sig, LV__PATH_RESTORE, q.body.data, q.body.len, mallory.sign_sk);
  fx_post(f, LV__PATH_RESTORE, q.body.data, q.body.len, sig, &r);
  assert_error(f, &r, 401, LV_E_BAD_SIGNATURE, q.hash);
  /* A's signature with one bit changed */
  memcpy(sig, q.sig, sizeof sig);
  sig[10] = sig[10] == 'A' ? 'B' : 'A';
  fx_post(f, LV__PATH_RESTORE, q.body.data, q.body.len, sig, &r);
  assert_error(f, &r, 401, LV_E_BAD_SIGNATURE, q.hash);
  /* no signature, or not base64 */
  fx_post(f, LV__PATH_RESTORE, q.body.data, q.body.len, NULL, &r);
  assert_error(f, &r, 401, LV_E_BAD_SIGNATURE, q.hash);
  fx_post(f, LV__PATH_RESTORE, q.body.data, q.body.len, "!!not base64!!", &r);
  assert_error(f, &r, 401, LV_E_BAD_SIGNATURE, q.hash);
  /* A's signature over another body (the request altered on the way) */
  req_restore(&q2, &a, &s, L, 1, true, T0, q.rid);
  fx_post(f, LV__PATH_RESTORE, q2.body.data, q2.body.len, q.sig, &r);
  assert_error(f, &r, 401, LV_E_BAD_SIGNATURE, q2.hash);
  req_free(&q2);
  /* a signature over another path */
  lv__proto_sign_request(sig, LV__PATH_OPEN, q.body.data, q.body.len, a.sign_sk);
  fx_post(f, LV__PATH_RESTORE, q.body.data, q.body.len, sig, &r);
  assert_error(f, &r, 401, LV_E_BAD_SIGNATURE, q.hash);
  req_open(&q2, &a, &s, f->key.id, T0);
  lv__proto_sign_request(sig, LV__PATH_RESTORE, q2.body.data, q2.body.len, a.sign_sk);
  fx_post(f, LV__PATH_OPEN, q2.body.data, q2.body.len, sig, &r);
  assert_error(f, &r, 401, LV_E_BAD_SIGNATURE, q2.hash);
  post_req(f, LV__PATH_OPEN, &q2, &r); /* with the right one: fine */
  assert_int_equal(r.status, 200);
  req_free(&q2);

  /* the time: 300 s either way is fine (dry runs), 301 s is not */
  static const int64_t skew[4] = {-301, 301, -300, 300};
  for (int i = 0; i < 4; i++) {
    req_restore(&q2, &a, &s, L, 1, true, T0 + skew[i], NULL);
    post_req(f, LV__PATH_RESTORE, &q2, &r);
    if (i < 2) {
      assert_error(f, &r, 401, LV_E_BAD_SIGNATURE, q2.hash);
    } else {
      assert_int_equal(r.status, 200);
      check_restore(f, &a, &s, L, 1, true, q2.hash, &r.body, &g);
      fx_expect(&g, 0, LV__OUT_RESTORE, 2);
    }
    req_free(&q2);
  }

  /* A's machine id (now known) with another key, properly signed */
  a2 = a;
  assert_int_equal(lv__sign_keypair(a2.who.sign_pk, a2.sign_sk), LV_OK);
  req_restore(&q2, &a2, &s, L, 1, false, T0, NULL);
  post_req(f, LV__PATH_RESTORE, &q2, &r);
  assert_error(f, &r, 403, LV_E_ACCESS, q2.hash);
  lv__client *cl;
  lv__buf ans;
  lv__buf_init(&ans, LV__BODY_MAX);
  assert_int_equal(lv__client_new(&cl, f->base, f->key.sign_pk, a2.sign_sk, NULL), LV_OK);
  assert_int_equal(lv__client_post(cl, LV__PATH_RESTORE, &q2.body, &ans, NULL), LV_E_ACCESS);
  lv__client_free(cl);
  lv__buf_free(&ans);
  req_free(&q2);
  /* ... even when it also swaps the box key */
  assert_int_equal(lv__box_keypair(a2.who.box_pk, a2.box_sk), LV_OK);
  req_restore(&q2, &a2, &s, L, 1, true, T0, NULL);
  post_req(f, LV__PATH_RESTORE, &q2, &r);
  assert_error(f, &r, 403, LV_E_ACCESS, q2.hash);
  req_free(&q2);

  /* none of that charged anything or used up A's request id */
  assert_int_equal(stats_of(f).grants, 0);
  assert_int_equal(stats_of(f).answers, 0);
  post_req(f, LV__PATH_RESTORE, &q, &r);
  assert_int_equal(r.status, 200);
  check_restore(f, &a, &s, L, 1, false, q.hash, &r.body, &g);
  fx_expect(&g, 0, LV__OUT_RESTORE, 2);

  /* the genuine request captured and replayed after 301 s: refused, though
   * its answer is stored */
  fx_clock(f, T0 + 301);
  post_req(f, LV__PATH_RESTORE, &q, &r);
  assert_error(f, &r, 401, LV_E_BAD_SIGNATURE, q.hash);
  assert_int_equal(stats_of(f).grants, 1);
  assert_int_equal(atomic_load(&f->svc.m.errors), 13);
  req_free(&q), resp_free(&r);
}

static void wrong_service_key_is_not_believed(void **state) {
  svc_fx *f = *state;
  fx_start(f, "svc-wrongkey", 4, 0, T0);
  comp x, a;
  set s;
  lv__item L[1];
  lv__keyfile other;
  lv__client *cl;
  lv__buf ans;
  req q, stale;
  resp r;
  got g;
  comp_new(&x), comp_new(&a);
  set_new(&s, f->key.box_pk);
  lic_new(&L[0], x.who.machine_id, NULL);
  assert_int_equal(lv__keyfile_generate(&other, LV__KEY_SERVICE), LV_OK);
  lv__buf_init(&ans, LV__BODY_MAX);
  resp_init(&r);

  /* a genuine request; the client pinned another service: not believed */
  req_restore(&q, &a, &s, L, 1, false, T0, NULL);
  assert_int_equal(lv__client_new(&cl, f->base, other.sign_pk, a.sign_sk, NULL), LV_OK);
  assert_int_equal(lv__client_post(cl, LV__PATH_RESTORE, &q.body, &ans, NULL), LV_E_BAD_NET_RESP);
  /* nor is an error answer from it */
  req_restore(&stale, &a, &s, L, 1, false, T0 - 1000, NULL);
  assert_int_equal(lv__client_post(cl, LV__PATH_RESTORE, &stale.body, &ans, NULL), LV_E_BAD_NET_RESP);
  lv__client_free(cl);
  req_free(&stale);

  /* the answer was the service's; signed for its status only */
  post_req(f, LV__PATH_RESTORE, &q, &r);
  assert_int_equal(r.status, 200);
  assert_signed(f, &r);
  assert_int_not_equal(lv__proto_verify_answer(r.sig, 200, r.body.data, r.body.len, other.sign_pk), LV_OK);
  assert_int_not_equal(lv__proto_verify_answer(r.sig, 201, r.body.data, r.body.len, f->key.sign_pk), LV_OK);
  r.body.data[r.body.len / 2] ^= 1;
  assert_int_not_equal(lv__proto_verify_answer(r.sig, 200, r.body.data, r.body.len, f->key.sign_pk), LV_OK);

  /* the client pinned right: the same request, the stored answer */
  assert_int_equal(lv__client_new(&cl, f->base, f->key.sign_pk, a.sign_sk, NULL), LV_OK);
  assert_int_equal(lv__client_post(cl, LV__PATH_RESTORE, &q.body, &ans, NULL), LV_OK);
  lv__client_free(cl);
  check_restore(f, &a, &s, L, 1, false, q.hash, &ans, &g);
  fx_expect(&g, 0, LV__OUT_RESTORE, 2);
  assert_int_equal(stats_of(f).grants, 1);
  lv__keyfile_wipe(&other);
  lv__buf_free(&ans);
  req_free(&q), resp_free(&r);
}

int main(void) {
  if (lv__crypto_init() < 0) return 1;
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return 1;
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
  const struct CMUnitTest tests[] = {
      T(forged_and_replayed_requests_refused),
      T(wrong_service_key_is_not_believed),
  };
#undef T
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  curl_global_cleanup();
  return rc;
}
