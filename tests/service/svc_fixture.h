/* svc_fixture.h - what the in-process service suite (tests/service/
 * test_service_*.c) shares: a licvaultd in this process on a loopback port,
 * computers, backup sets and licenses, signed requests, raw HTTP exchanges
 * and the checks a careful client makes of a restore answer.
 *
 * State and who owns it:
 *  - svc_fx: one per case, made by fx_setup (cmocka's state) and freed by
 *    fx_teardown, which also owns what fx_start made: the scratch folder and
 *    its files, the database (a SQLite file, or with LV_TEST_PG_URL a
 *    PostgreSQL database of the case's own, dropped at teardown), the
 *    service's keys (wiped), the service and its HTTP front (stopped).
 *  - The fake clock is process-wide: fx_start sets it before any service
 *    thread exists, fx_clock moves it with the HTTP front stopped, and
 *    fx_teardown puts the real clock back.
 *  - req and resp own their bodies (req_free, resp_free); comp, set and got
 *    are plain values.
 *  - Only http_do may run on other threads (it makes no cmocka calls);
 *    everything else asserts, on the test's own thread.
 *  - Each test program calls lv__crypto_init and curl_global_init first. */
#ifndef LV_SVC_FIXTURE_H
#define LV_SVC_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <curl/curl.h>

#include "core/buf.h"
#include "crypto/keyfile.h"
#include "license/lock.h"
#include "proto/proto.h"
#include "service/svc.h"
#include "testutil.h"

#define T0 INT64_C(1800000000) /* every case runs on this fake clock */
#define DAY INT64_C(86400)
#define PUBLIC_URL "http://licvault.test"
#define MAXI 16 /* items per request in these tests */

/* ---- the service, in this process ---- */

typedef struct svc_fx {
  char *dir, *db;
  char pgname[64]; /* the case's own PostgreSQL database (LV_TEST_PG_URL), or "" */
  lv__keyfile key; /* the service's keys: clients pin sign_pk, sets seal to box_pk */
  lv__svc svc;
  bool up;
  lv__http *http;
  char base[64]; /* http://127.0.0.1:PORT */
  struct timespec t0;
} svc_fx;

/* cmocka setup and teardown of every case: *state is the case's svc_fx. */
int fx_setup(void **state);
int fx_teardown(void **state);

/* LV_TEST_PG_URL (postgresql://user@host:port/DB) when set and not empty:
 * the same suite on PostgreSQL. NULL otherwise (SQLite). */
const char *pg_url(void);

/* A fresh service (keys, database) on a free port, its clock fixed at now.
 * max_computers 0 means the default. */
void fx_start(svc_fx *f, const char *tag, unsigned max_computers, unsigned period_days,
              int64_t now);
/* Starts f's HTTP front on a free port and sets f->base. */
void fx_listen(svc_fx *f);
/* Moves the service's clock: the HTTP front is stopped (its threads
 * joined) while the clock changes, so no thread reads it meanwhile. */
void fx_clock(svc_fx *f, int64_t now);
/* The database's counts (asserted to succeed). */
lv__svc_stats stats_of(svc_fx *f);

/* ---- computers, sets, licenses, requests ---- */

typedef struct comp {
  lv__identity who;
  uint8_t sign_sk[LV__SIGN_SK];
  uint8_t box_sk[LV__BOX_SK];
} comp;

typedef struct set {
  uint8_t secret[LV__SECRET];
  uint8_t sealed[LV__SEALED_SECRET]; /* S sealed to the service's box key */
} set;

typedef struct req {
  lv__buf body;
  char sig[89];
  uint8_t hash[LV__HASH];
  uint8_t rid[LV__RID];
} req;

/* A new computer: random machine id, fresh signing and box keys. */
void comp_new(comp *c);
/* A new backup set whose secret is sealed to box_pk. */
void set_new(set *s, const uint8_t box_pk[LV__BOX_PK]);
/* A license issued to original, random ids, titled title (NULL: untitled). */
void lic_new(lv__item *it, const uint8_t original[LV__MACHINE_ID], const char *title);
/* A signed restore request of c (rid NULL: a fresh one) at time t. */
void req_restore(req *r, const comp *c, const set *s, const lv__item *items, size_t n, bool dry,
                 int64_t t, const uint8_t *rid);
/* A request of any bytes, signed by c over path. */
void req_raw(req *r, const comp *c, const char *path, const void *body, size_t n);
/* A signed open request of c for set s, naming the service service_id. */
void req_open(req *r, const comp *c, const set *s, const uint8_t service_id[LV__KEYID], int64_t t);
void req_free(req *r);

/* ---- raw HTTP (libcurl), to craft what the library client never sends ---- */

typedef struct resp {
  long status;
  lv__buf body; /* NUL-terminated after len, for the string checks */
  char sig[128];
  char ctype[128];
} resp;

void resp_init(resp *r);
void resp_free(resp *r);
/* The body as a string ("" when there is none). */
const char *resp_text(const resp *r);

/* One exchange on k (kept alive), or on a fresh handle when k is NULL.
 * Returns 0, or the curl error. No cmocka calls: worker threads use it. */
int http_do(CURL *k, const char *base, const char *method, const char *path, const void *body,
            size_t n, const char *sig, resp *r);
/* One POST or GET to f's front, asserted to reach it. */
void fx_post(const svc_fx *f, const char *path, const void *body, size_t n, const char *sig,
          resp *r);
void post_req(const svc_fx *f, const char *path, const req *q, resp *r);
void fx_get(const svc_fx *f, const char *path, resp *r);
/* The answer carries the service's valid signature for its status and body. */
void assert_signed(const svc_fx *f, const resp *r);
/* A JSON error answer: status, signed by the service, naming the request
 * (hash NULL: zeros, the request unknown), with the code and its HRESULT. */
void assert_error(const svc_fx *f, const resp *r, long status, lv_status code,
                  const uint8_t *hash);

/* ---- restore answers ---- */

typedef struct got {
  size_t n;
  lv__outcome out[MAXI];
  uint32_t left[MAXI];
  char url[1024];
} got;

/* Checks a 200 restore answer as a careful client would: it names the
 * request and follows its order; its pads open, for this computer only, to
 * the pads S yields for exactly the granted items; a limit_url exactly when
 * an item hit the limit. Fills g with the outcomes. */
void check_restore(const svc_fx *f, const comp *c, const set *s, const lv__item *items, size_t n,
                   bool dry, const uint8_t hash[LV__HASH], const lv__buf *body, got *g);
/* A restore through the library client (signed, answer verified). */
void fx_restore(const svc_fx *f, const comp *c, const set *s, const lv__item *items, size_t n,
             bool dry, got *g);
/* Item i's outcome is o with left computers left; expect_all: every item's. */
void fx_expect(const got *g, size_t i, lv__outcome o, uint32_t left);
void fx_expect_all(const got *g, lv__outcome o, uint32_t left);

#endif
