/* cmd_issuer.c - the issuer's tools: `issuer keygen` and `issuer issue`,
 * which streams any number of licenses into one file (flat memory). */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/timeutil.h"

static int issue_help(void) {
  printf("%s", _(
      "Usage: licvault issuer issue --key ISSUER_KEY --to IDENTITY_FILE\n"
      "         (--kid KID | --count N) --out FILE [RIGHTS]\n"
      "\n"
      "Signs licenses for one computer into one license file.\n"
      "  --key FILE        the issuer's secret key (issuer.key)\n"
      "  --to FILE         the computer's identity (from 'licvault id')\n"
      "  --kid KID         the key id (base64 of 16 bytes)\n"
      "  --count N         N licenses with generated key ids (1..100000000)\n"
      "  --title TEXT      a title (UTF-8, at most 512 bytes)\n"
      "  --out FILE        the license file to write (atomically)\n"
      "Rights (default: play allowed, nothing else):\n"
      "  --allow-backup            AllowBackupRestore\n"
      "  --no-play                 withhold AllowPlay\n"
      "  --plays N                 Playcount\n"
      "  --begin DATE              BeginDate (ISO 8601 UTC: 2026-01-31 or\n"
      "                            2026-01-31T12:00:00Z)\n"
      "  --expires DATE            ExpirationDate\n"
      "  --expire-after-first-use HOURS\n"
      "  --on-rollback delete|disable  DeleteOnClockRollback / DisableOnClockRollback\n"
      "  --allow-burn[=N]          AllowBurnToCD, BurnToCDCount\n"
      "  --allow-transfer[=N]      AllowTransferToSDMI and NonSDMI, TransferCount\n"
      "  --min-app-security N      MinimumAppSecurity (default 1000)\n"));
  return EXIT_OK;
}

static bool parse_u32(const char *s, uint32_t *out, uint32_t min) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || end == s || *end || s[0] == '-' || v > UINT32_MAX || v < min) return false;
  *out = (uint32_t)v;
  return true;
}

typedef struct issue_args {
  const char *key, *to, *kid, *title, *out;
  uint64_t count;
  lv_rights rights;
} issue_args;

static int parse_issue(cli *c, int argc, char **argv, issue_args *a) {
  static const struct option opts[] = {
      {"key", required_argument, NULL, 'k'},     {"to", required_argument, NULL, 't'},
      {"kid", required_argument, NULL, 'i'},     {"count", required_argument, NULL, 'n'},
      {"title", required_argument, NULL, 'T'},   {"out", required_argument, NULL, 'o'},
      {"allow-backup", no_argument, NULL, 'B'},  {"no-play", no_argument, NULL, 'P'},
      {"plays", required_argument, NULL, 'p'},   {"begin", required_argument, NULL, 'b'},
      {"expires", required_argument, NULL, 'e'}, {"expire-after-first-use", required_argument, NULL, 'f'},
      {"on-rollback", required_argument, NULL, 'r'}, {"allow-burn", optional_argument, NULL, 'c'},
      {"allow-transfer", optional_argument, NULL, 'x'}, {"min-app-security", required_argument, NULL, 'm'},
      {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0}};
  lv_rights *r = &a->rights;
  uint32_t u;
  int o;
  lv_rights_init(r);
  while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    switch (o) {
    case 'k': a->key = optarg; break;
    case 't': a->to = optarg; break;
    case 'i': a->kid = optarg; break;
    case 'T': a->title = optarg; break;
    case 'o': a->out = optarg; break;
    case 'B': r->flags |= LV_RIGHT_BACKUP_RESTORE; break;
    case 'P': r->flags &= ~LV_RIGHT_PLAY; break;
    case 'n': {
      char *end;
      errno = 0;
      unsigned long long v = strtoull(optarg, &end, 10);
      if (errno || *end || end == optarg || optarg[0] == '-' || v < 1 || v > 100000000ULL)
        return cli_usage(c, "issuer issue", _("--count wants a number from 1 to 100000000"));
      a->count = v;
      break;
    }
    case 'p':
      if (!parse_u32(optarg, &r->playcount, 1))
        return cli_usage(c, "issuer issue", _("--plays wants a positive number"));
      break;
    case 'f':
      if (!parse_u32(optarg, &r->expire_after_first_use, 1))
        return cli_usage(c, "issuer issue", _("--expire-after-first-use wants hours (> 0)"));
      break;
    case 'm':
      if (!parse_u32(optarg, &r->min_app_security, 0))
        return cli_usage(c, "issuer issue", _("--min-app-security wants a number"));
      break;
    case 'b':
    case 'e': {
      int64_t t;
      if (lv__time_parse(&t, optarg) < 0)
        return cli_usage(c, "issuer issue", _("'%s' is not an ISO 8601 UTC date"), optarg);
      if (o == 'b') r->begin_date = t;
      else r->expiration_date = t;
      break;
    }
    case 'r':
      r->flags &= ~(LV_RIGHT_DELETE_ON_ROLLBACK | LV_RIGHT_DISABLE_ON_ROLLBACK);
      if (!strcmp(optarg, "delete")) r->flags |= LV_RIGHT_DELETE_ON_ROLLBACK;
      else if (!strcmp(optarg, "disable")) r->flags |= LV_RIGHT_DISABLE_ON_ROLLBACK;
      else return cli_usage(c, "issuer issue", _("--on-rollback is delete or disable"));
      break;
    case 'c':
    case 'x':
      u = 0;
      if (optarg && !parse_u32(optarg, &u, 1))
        return cli_usage(c, "issuer issue", _("a count must be a positive number"));
      if (o == 'c') {
        r->flags |= LV_RIGHT_BURN_TO_CD;
        r->burn_to_cd_count = u;
      } else {
        r->flags |= LV_RIGHT_TRANSFER_SDMI | LV_RIGHT_TRANSFER_NONSDMI;
        r->transfer_count = u;
      }
      break;
    case 'h': return issue_help() + 100; /* help shown: stop with success */
    default: return cli_usage(c, "issuer issue", _("unknown option '%s'"), argv[optind - 1]);
    }
  }
  if (optind != argc)
    return cli_usage(c, "issuer issue", _("unexpected argument '%s'"), argv[optind]);
  if (!a->key || !a->to || !a->out)
    return cli_usage(c, "issuer issue", _("--key, --to and --out are required"));
  if (!a->kid == !a->count)
    return cli_usage(c, "issuer issue", _("give exactly one of --kid and --count"));
  if (a->kid && lv_kid_check(a->kid) < 0)
    return cli_usage(c, "issuer issue", _("'%s' is not a key id (base64 of 16 bytes)"), a->kid);
  if (r->expiration_date && r->begin_date > r->expiration_date)
    return cli_usage(c, "issuer issue", _("--begin is after --expires"));
  if ((r->flags & (LV_RIGHT_DELETE_ON_ROLLBACK | LV_RIGHT_DISABLE_ON_ROLLBACK)) &&
      !r->expiration_date && !c->quiet)
    fprintf(stderr, "%s", _("licvault: note: --on-rollback only acts on licenses with "
                            "--expires\n"));
  if (!a->count) a->count = 1;
  return -1;
}

static int issue(cli *c, int argc, char **argv) {
  issue_args a = {0};
  int prc = parse_issue(c, argc, argv, &a);
  if (prc >= 100) return EXIT_OK;
  if (prc >= 0) return prc;
  lv_issuer *iss;
  lv_licfile_writer *w = NULL;
  char kid[LV_KID_STRLEN];
  lv_status rc = lv_issuer_open(&iss, a.key);
  if (rc < 0) return cli_fail(c, rc, a.key);
  if ((rc = lv_licfile_create(&w, iss, a.to, a.out)) < 0) {
    lv_issuer_free(iss);
    return cli_fail(c, rc, a.to);
  }
  bool progress = cli_progress_enabled(c) && a.count >= 10000;
  for (uint64_t i = 0; i < a.count && rc == LV_OK; i++) {
    rc = lv_licfile_add(w, a.kid, a.title, &a.rights, kid);
    if (progress && (i + 1) % 10000 == 0)
      fputc('\r', stderr), fprintf(stderr, _("issued %llu of %llu"), (unsigned long long)(i + 1),
              (unsigned long long)a.count);
  }
  if (progress) fputc('\n', stderr);
  if (rc == LV_OK) rc = lv_licfile_commit(w);
  else lv_licfile_abort(w);
  lv_issuer_free(iss);
  if (rc < 0) return cli_fail(c, rc, a.out);
  if (c->json) {
    json_t *j = json_pack("{s:b,s:I,s:s}", "ok", 1, "count", (json_int_t)a.count, "file", a.out);
    if (a.count == 1) json_object_set_new(j, "kid", json_string(kid));
    json_dumpf(j, stdout, JSON_INDENT(2));
    fputc('\n', stdout);
    json_decref(j);
  } else if (a.count == 1)
    printf(_("Issued license %s to %s\n"), kid, a.out);
  else
    printf(_("Issued %llu licenses to %s\n"), (unsigned long long)a.count, a.out);
  return EXIT_OK;
}

static int keygen(cli *c, int argc, char **argv) {
  static const struct option opts[] = {{"out", required_argument, NULL, 'o'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  const char *out = NULL;
  int o;
  while ((o = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
    if (o == 'o') out = optarg;
    else if (o == 'h') {
      printf("%s", _("Usage: licvault issuer keygen --out DIR\n\n"
                     "Creates an issuer's key pair: DIR/issuer.key (secret, mode 0600)\n"
                     "and DIR/issuer.pub (give it to computers: 'licvault trust add').\n"));
      return EXIT_OK;
    } else
      return cli_usage(c, "issuer keygen", _("unknown option '%s'"), argv[optind - 1]);
  }
  if (!out || optind != argc) return cli_usage(c, "issuer keygen", _("--out DIR is required"));
  char id[LV_KEYID_STRLEN];
  lv_status rc = lv_issuer_keygen(out, id);
  if (rc < 0) return cli_fail(c, rc, out);
  if (c->json) printf("{\"ok\": true, \"id\": \"%s\"}\n", id);
  else printf(_("Issuer key %s written to %s/issuer.key and %s/issuer.pub\n"), id, out, out);
  return EXIT_OK;
}

int cmd_issuer(cli *c, int argc, char **argv) {
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
    printf("%s", _("Usage: licvault issuer keygen --out DIR\n"
                   "       licvault issuer issue --key KEY --to IDENTITY ... --out FILE\n"
                   "Try 'licvault issuer issue --help'.\n"));
    return argc < 2 ? EXIT_USAGE : EXIT_OK;
  }
  if (!strcmp(argv[1], "keygen")) return keygen(c, argc - 1, argv + 1);
  if (!strcmp(argv[1], "issue")) return issue(c, argc - 1, argv + 1);
  return cli_usage(c, "issuer", _("unknown action '%s'"), argv[1]);
}
