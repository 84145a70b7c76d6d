/* licvaultd.c - the License Management Service's command: keygen, serve,
 * revoke, status. Serving is a thin loop: start the HTTP front, wait for
 * SIGTERM or SIGINT, stop accepting, finish what is in flight, close. */
#include <getopt.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "core/encoding.h"
#include "core/timeutil.h"
#include "licvault/common.h"
#include "service/svc.h"

static int usage(FILE *f, int rc) {
  fprintf(f,
          "Usage: licvaultd keygen --out DIR\n"
          "       licvaultd serve --listen 127.0.0.1:PORT --db PATH --key DIR\n"
          "                 [--max-computers N] [--period-days D] [--public-url URL]\n"
          "                 [--max-connections N] [--timeout S] [--quiet]\n"
          "       licvaultd revoke --db PATH (--kid KID | --lid LID | --machine ID)\n"
          "       licvaultd status --db PATH [--json]\n"
          "       licvaultd --version\n"
          "\n"
          "The License Management Service of licvault: it approves restores of\n"
          "backed-up licenses, license by license, and keeps the durable record.\n"
          "  keygen   create the service's key pair: DIR/service.key (secret, 0600)\n"
          "           and DIR/service.pub, which computers pin\n"
          "  serve    answer on the address (PORT 0 picks a free port and prints it);\n"
          "           a license may live on at most --max-computers computers\n"
          "           (default 4, counting the one it was issued to); with\n"
          "           --period-days only restores inside that rolling window count;\n"
          "           --public-url is how clients reach the service (limit page)\n"
          "  revoke   never restore a license (by KID or LID) or any license of a\n"
          "           computer (by machine id) again\n"
          "  status   what the service has recorded\n"
          "See licvaultd(8) and docs/protocol.md.\n");
  return rc;
}

static int fail(const char *what, lv_status rc) {
  fprintf(stderr, "licvaultd: %s: %s (%s, 0x%08X)\n", what, lv_status_str(rc), lv_status_name(rc),
          lv_status_to_hresult(rc));
  return 1;
}

static int keygen(int argc, char **argv) {
  static const struct option o[] = {{"out", required_argument, NULL, 'o'},
                                    {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
  const char *out = NULL;
  int c;
  while ((c = getopt_long(argc, argv, "h", o, NULL)) != -1) {
    if (c == 'o') out = optarg;
    else return usage(c == 'h' ? stdout : stderr, c == 'h' ? 0 : 2);
  }
  if (!out || optind != argc) return usage(stderr, 2);
  lv__keyfile k;
  lv_status rc = lv__keyfile_generate(&k, LV__KEY_SERVICE);
  if (rc == LV_OK) rc = lv__keyfile_save_pair(&k, out, "service");
  char id[2 * LV__KEYID + 1];
  lv__hex_encode(id, k.id, LV__KEYID);
  lv__keyfile_wipe(&k);
  if (rc < 0) return fail(out, rc);
  printf("Service key %s written to %s/service.key and %s/service.pub\n", id, out, out);
  return 0;
}

static bool num(const char *s, unsigned long max, unsigned *out) {
  char *end;
  unsigned long v = strtoul(s, &end, 10);
  if (*end || end == s || s[0] == '-' || v > max) return false;
  *out = (unsigned)v;
  return true;
}

static int serve(int argc, char **argv) {
  static const struct option o[] = {
      {"listen", required_argument, NULL, 'l'},     {"db", required_argument, NULL, 'd'},
      {"key", required_argument, NULL, 'k'},        {"max-computers", required_argument, NULL, 'm'},
      {"period-days", required_argument, NULL, 'p'}, {"public-url", required_argument, NULL, 'u'},
      {"max-connections", required_argument, NULL, 'c'}, {"timeout", required_argument, NULL, 't'},
      {"quiet", no_argument, NULL, 'q'},            {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  lv__svc_opts so = {.listen = "127.0.0.1:0"};
  int c;
  while ((c = getopt_long(argc, argv, "hq", o, NULL)) != -1) {
    bool ok = true;
    switch (c) {
    case 'l': so.listen = optarg; break;
    case 'd': so.db = optarg; break;
    case 'k': so.key_dir = optarg; break;
    case 'm': ok = num(optarg, 1000000, &so.max_computers) && so.max_computers >= 1; break;
    case 'p': ok = num(optarg, 36500, &so.period_days); break;
    case 'u': so.public_url = optarg; break;
    case 'c': ok = num(optarg, 100000, &so.max_connections) && so.max_connections >= 1; break;
    case 't': ok = num(optarg, 3600, &so.timeout_s) && so.timeout_s >= 1; break;
    case 'q': so.quiet = true; break;
    case 'h': return usage(stdout, 0);
    default: return usage(stderr, 2);
    }
    if (!ok) {
      fprintf(stderr, "licvaultd: bad value '%s'\n", optarg);
      return 2;
    }
  }
  if (!so.db || !so.key_dir || optind != argc) return usage(stderr, 2);
  /* signals are taken by sigwait below, never by a worker thread */
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, NULL);
  signal(SIGPIPE, SIG_IGN);
  /* the service's secret keys live as long as it serves: in guarded memory
   * (locked, kept out of core dumps, wiped when freed) */
  lv__svc *s = lv__secure_alloc(sizeof *s);
  if (!s) return fail("serve", LV_E_NOMEM);
  lv_status rc = lv__svc_init(s, &so);
  if (rc < 0) {
    lv__secure_free(s);
    return fail("serve", rc);
  }
  lv__http *h;
  uint16_t port = 0;
  if ((rc = lv__http_start(&h, s, &port)) < 0) {
    lv__svc_fini(s);
    lv__secure_free(s);
    fprintf(stderr, "licvaultd: cannot listen on %s (port taken, or not an IPv4 address)\n", so.listen);
    return 1;
  }
  if (!so.public_url) {
    char host[64];
    const char *colon = strrchr(so.listen, ':');
    snprintf(host, sizeof host, "%.*s", (int)(colon - so.listen), so.listen);
    snprintf(s->public_url, sizeof s->public_url, "http://%s:%u", host, port);
  }
  printf("licvaultd: listening on %s (port %u)\n", s->public_url, port);
  fflush(stdout);
  int sig = 0;
  sigwait(&set, &sig);
  fprintf(stderr, "ts=- level=info msg=\"shutting down\" signal=%d\n", sig);
  lv__http_stop(h); /* in-flight requests finish first */
  lv__svc_fini(s);  /* the writer commits what is queued */
  lv__secure_free(s);
  return 0;
}

static int revoke(int argc, char **argv) {
  static const struct option o[] = {{"db", required_argument, NULL, 'd'},
                                    {"kid", required_argument, NULL, 'k'},
                                    {"lid", required_argument, NULL, 'l'},
                                    {"machine", required_argument, NULL, 'm'},
                                    {"help", no_argument, NULL, 'h'},
                                    {NULL, 0, NULL, 0}};
  const char *db = NULL, *kind = NULL, *val = NULL;
  int c;
  while ((c = getopt_long(argc, argv, "h", o, NULL)) != -1) {
    if (c == 'd') db = optarg;
    else if (c == 'k' || c == 'l' || c == 'm') {
      if (kind) return usage(stderr, 2);
      kind = c == 'k' ? "kid" : c == 'l' ? "lid" : "machine";
      val = optarg;
    } else return usage(c == 'h' ? stdout : stderr, c == 'h' ? 0 : 2);
  }
  if (!db || !kind || optind != argc) return usage(stderr, 2);
  uint8_t v[16];
  lv_status rc = !strcmp(kind, "kid") ? lv__b64_decode(v, 16, val, strlen(val))
                                      : lv__hex_decode(v, 16, val, strlen(val));
  if (rc < 0) {
    fprintf(stderr, "licvaultd: '%s' is not a %s\n", val, kind);
    return 2;
  }
  lv__svc_db *d;
  if ((rc = lv__svc_db_open(&d, db)) < 0) return fail(db, rc);
  rc = d->ops->revoke(d, kind, v, 16, lv__time_now());
  d->ops->close(d);
  if (rc < 0) return fail("revoke", rc);
  printf("Revoked %s %s: it will not be restored again\n", kind, val);
  return 0;
}

static int status(int argc, char **argv) {
  static const struct option o[] = {{"db", required_argument, NULL, 'd'},
                                    {"json", no_argument, NULL, 'j'},
                                    {"help", no_argument, NULL, 'h'},
                                    {NULL, 0, NULL, 0}};
  const char *db = NULL;
  bool json = false;
  int c;
  while ((c = getopt_long(argc, argv, "h", o, NULL)) != -1) {
    if (c == 'd') db = optarg;
    else if (c == 'j') json = true;
    else return usage(c == 'h' ? stdout : stderr, c == 'h' ? 0 : 2);
  }
  if (!db || optind != argc) return usage(stderr, 2);
  lv__svc_db *d;
  lv__svc_stats st;
  lv_status rc = lv__svc_db_open(&d, db);
  if (rc < 0) return fail(db, rc);
  rc = d->ops->stats(d, &st);
  d->ops->close(d);
  if (rc < 0) return fail("status", rc);
  if (json)
    printf("{\"machines\": %llu, \"licenses\": %llu, \"grants\": %llu, \"revoked\": %llu, "
           "\"answers\": %llu}\n",
           (unsigned long long)st.machines, (unsigned long long)st.licenses,
           (unsigned long long)st.grants, (unsigned long long)st.revoked,
           (unsigned long long)st.answers);
  else
    printf("computers seen:       %llu\nlicenses restored:    %llu\nrestores granted:     %llu\n"
           "revocations:          %llu\nanswers kept:         %llu\n",
           (unsigned long long)st.machines, (unsigned long long)st.licenses,
           (unsigned long long)st.grants, (unsigned long long)st.revoked,
           (unsigned long long)st.answers);
  return 0;
}

int main(int argc, char **argv) {
  /* keygen makes and serve holds the service's secret keys, which unlock
   * every backup set: a crash must not write them to a core file, and
   * another process of the same user must not read them through ptrace or
   * /proc/PID/mem. First thing, before any secret exists (docs/secrets.md). */
  setrlimit(RLIMIT_CORE, &(struct rlimit){0, 0});
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  if (argc < 2) return usage(stderr, 2);
  const char *cmd = argv[1];
  if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) return usage(stdout, 0);
  if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
    printf("licvaultd %s\n", LICVAULT_VERSION);
    return 0;
  }
  if (lv__crypto_init() < 0) return fail("start", LV_E_INTERNAL);
  int (*fn)(int, char **) = !strcmp(cmd, "keygen") ? keygen
                            : !strcmp(cmd, "serve") ? serve
                            : !strcmp(cmd, "revoke") ? revoke
                            : !strcmp(cmd, "status") ? status
                                                     : NULL;
  if (!fn) {
    fprintf(stderr, "licvaultd: unknown command '%s'\n", cmd);
    return usage(stderr, 2);
  }
  return fn(argc - 1, argv + 1);
}
