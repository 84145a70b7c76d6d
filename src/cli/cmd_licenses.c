/* cmd_licenses.c - the stored licenses: import, list, show, delete, use,
 * check. Lists stream one license at a time, text or JSON. */
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/timeutil.h"

/* Parses the options every command here shares: --json, --help. */
static int common_opts(cli *c, int argc, char **argv, const char *cmd, const char *help) {
  static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  int o;
  while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    if (o == 'j') c->json = true;
    else if (o == 'h') {
      fputs(help, stdout);
      return EXIT_OK;
    } else
      return cli_usage(c, cmd, _("unknown option '%s'"), argv[optind - 1]);
  }
  return -1;
}

static void print_json(json_t *j, bool compact) {
  json_dumpf(j, stdout, compact ? JSON_COMPACT : JSON_INDENT(2));
  json_decref(j);
}

static int import_progress(uint64_t done, void *ctx) {
  (void)ctx;
  fputc('\r', stderr), fprintf(stderr, _("verified and stored %llu"), (unsigned long long)done);
  return 0;
}

int cmd_import(cli *c, int argc, char **argv) {
  int prc = common_opts(c, argc, argv, "import",
                        _("Usage: licvault import FILE...\n\n"
                          "Verifies every license of each license file (issuer trusted,\n"
                          "signature, for this computer) and stores them. Each file is\n"
                          "imported whole or not at all; licenses already stored are kept\n"
                          "as they are.\n"));
  if (prc >= 0) return prc;
  if (optind >= argc) return cli_usage(c, "import", _("no license file given"));
  lv_store *s = NULL;
  lv_status rc = cli_open_store(c, &s);
  if (rc < 0) return cli_fail(c, rc, _("import"));
  int ret = EXIT_OK;
  json_t *arr = c->json ? json_array() : NULL;
  for (int i = optind; i < argc; i++) {
    lv_import_result r;
    bool prog = cli_progress_enabled(c);
    rc = lv_store_import(s, argv[i], &r, prog ? import_progress : NULL, NULL);
    if (prog) fputc('\n', stderr);
    if (rc < 0) {
      char what[4096];
      if (r.failed_at && r.failed_kid[0])
        snprintf(what, sizeof what, _("%s: license %llu (KID %s)"), argv[i],
                 (unsigned long long)r.failed_at, r.failed_kid);
      else if (r.failed_at)
        snprintf(what, sizeof what, _("%s: license %llu"), argv[i],
                 (unsigned long long)r.failed_at);
      else
        snprintf(what, sizeof what, "%s", argv[i]);
      if (arr) json_decref(arr);
      lv_store_free(s);
      cli_fail(c, rc, what);
      if (!c->json) fprintf(stderr, "%s", _("licvault: nothing was imported from that file\n"));
      return EXIT_FAIL;
    }
    if (arr)
      json_array_append_new(arr, json_pack("{s:s,s:I,s:I}", "file", argv[i], "imported",
                                           (json_int_t)r.imported, "already_present",
                                           (json_int_t)r.present));
    else
      printf(_("%s: imported %llu licenses (%llu already present)\n"), argv[i],
             (unsigned long long)r.imported, (unsigned long long)r.present);
  }
  if (arr) {
    print_json(json_pack("{s:b,s:o}", "ok", 1, "files", arr), false);
    fputc('\n', stdout);
  }
  lv_store_free(s);
  return ret;
}

static json_t *time_json(int64_t t) {
  char buf[LV__TIME_STRLEN];
  if (!t) return json_null();
  lv__time_format(buf, t);
  return json_string(buf);
}

static json_t *info_json(const lv_license_info *l) {
  const lv_rights *r = &l->rights;
  json_t *rights = json_pack(
      "{s:b,s:b,s:I,s:o,s:o,s:I,s:b,s:I,s:b,s:b,s:I,s:b,s:b,s:I}", "allow_play",
      !!(r->flags & LV_RIGHT_PLAY), "allow_backup_restore",
      !!(r->flags & LV_RIGHT_BACKUP_RESTORE), "playcount", (json_int_t)r->playcount,
      "begin_date", time_json(r->begin_date), "expiration_date", time_json(r->expiration_date),
      "expiration_after_first_use_hours", (json_int_t)r->expire_after_first_use,
      "allow_burn_to_cd", !!(r->flags & LV_RIGHT_BURN_TO_CD), "burn_to_cd_count",
      (json_int_t)r->burn_to_cd_count, "allow_transfer_to_sdmi",
      !!(r->flags & LV_RIGHT_TRANSFER_SDMI), "allow_transfer_to_nonsdmi",
      !!(r->flags & LV_RIGHT_TRANSFER_NONSDMI), "transfer_count",
      (json_int_t)r->transfer_count, "delete_on_clock_rollback",
      !!(r->flags & LV_RIGHT_DELETE_ON_ROLLBACK), "disable_on_clock_rollback",
      !!(r->flags & LV_RIGHT_DISABLE_ON_ROLLBACK), "minimum_app_security",
      (json_int_t)r->min_app_security);
  return json_pack("{s:s,s:s,s:s,s:o,s:s?,s:o,s:I,s:o}", "kid", l->kid, "lid", l->lid,
                   "issuer", l->issuer, "issued_at", time_json(l->issued_at), "title",
                   l->title[0] ? l->title : NULL, "rights", rights, "plays_used",
                   (json_int_t)l->plays_used, "first_use", time_json(l->first_use));
}

typedef struct list_ctx {
  cli *c;
  uint64_t n;
  bool detail;
} list_ctx;

static void print_detail(const lv_license_info *l) {
  char t[LV__TIME_STRLEN];
  const lv_rights *r = &l->rights;
  printf(_("KID:              %s\n"), l->kid);
  printf(_("LID:              %s\n"), l->lid);
  if (l->title[0]) printf(_("title:            %s\n"), l->title);
  printf(_("issuer:           %s\n"), l->issuer);
  lv__time_format(t, l->issued_at);
  printf(_("issued:           %s\n"), t);
  printf(_("play:             %s\n"), r->flags & LV_RIGHT_PLAY ? _("allowed") : _("not allowed"));
  if (r->playcount)
    printf(_("plays:            %u used of %u\n"), l->plays_used, r->playcount);
  else
    printf(_("plays:            %u used, unlimited\n"), l->plays_used);
  if (r->begin_date) lv__time_format(t, r->begin_date), printf(_("valid from:       %s\n"), t);
  if (r->expiration_date)
    lv__time_format(t, r->expiration_date), printf(_("expires:          %s\n"), t);
  if (r->expire_after_first_use)
    printf(_("expires after first use: %u hours\n"), r->expire_after_first_use);
  if (l->first_use) lv__time_format(t, l->first_use), printf(_("first used:       %s\n"), t);
  printf(_("backup/restore:   %s\n"),
         r->flags & LV_RIGHT_BACKUP_RESTORE ? _("allowed") : _("not allowed"));
  if (r->flags & LV_RIGHT_BURN_TO_CD) printf(_("burn to CD:       allowed\n"));
  if (r->flags & (LV_RIGHT_TRANSFER_SDMI | LV_RIGHT_TRANSFER_NONSDMI))
    printf(_("transfer:         allowed\n"));
  if (r->flags & LV_RIGHT_DELETE_ON_ROLLBACK) printf(_("clock rollback:   delete\n"));
  if (r->flags & LV_RIGHT_DISABLE_ON_ROLLBACK) printf(_("clock rollback:   disable\n"));
  printf(_("min. app security: %u\n"), r->min_app_security);
}

static int list_one(const lv_license_info *l, void *vctx) {
  list_ctx *lc = vctx;
  if (lc->c->json) {
    if (lc->n) fputs(",\n", stdout);
    print_json(info_json(l), true);
  } else if (lc->detail) {
    if (lc->n) fputc('\n', stdout);
    print_detail(l);
  } else {
    char plays[32];
    if (l->rights.playcount)
      snprintf(plays, sizeof plays, "%u/%u", l->plays_used, l->rights.playcount);
    else
      snprintf(plays, sizeof plays, "%u", l->plays_used);
    printf("%s  %-9s %-6s %s\n", l->kid, plays,
           l->rights.flags & LV_RIGHT_BACKUP_RESTORE ? "backup" : "-", l->title);
  }
  lc->n++;
  return 0;
}

static int list_or_show(cli *c, const char *kid, bool detail) {
  lv_store *s = NULL;
  list_ctx lc = {c, 0, detail};
  lv_status rc = cli_open_store(c, &s);
  if (rc < 0) return cli_fail(c, rc, kid ? kid : _("list"));
  if (c->json) fputs("[\n", stdout);
  rc = lv_store_list(s, kid, list_one, &lc);
  lv_store_free(s);
  if (c->json && (rc == LV_OK || lc.n)) fputs("\n]\n", stdout);
  if (rc < 0) {
    if (c->json && !lc.n) fputs("]\n", stdout);
    return cli_fail(c, rc, kid ? kid : _("list"));
  }
  return EXIT_OK;
}

int cmd_list(cli *c, int argc, char **argv) {
  int prc = common_opts(c, argc, argv, "list",
                        _("Usage: licvault list [--json]\n\n"
                          "Lists the stored licenses in import order: KID, plays used (of\n"
                          "the limit), whether backup is allowed, title. --json prints an\n"
                          "array with every right and the state.\n"));
  if (prc >= 0) return prc;
  if (optind != argc) return cli_usage(c, "list", _("unexpected argument '%s'"), argv[optind]);
  return list_or_show(c, NULL, false);
}

static int need_kid(cli *c, int argc, char **argv, const char *cmd) {
  if (optind != argc - 1) return cli_usage(c, cmd, _("expected one KID"));
  if (lv_kid_check(argv[optind]) < 0)
    return cli_usage(c, cmd, _("'%s' is not a key id (base64 of 16 bytes)"), argv[optind]);
  return -1;
}

int cmd_show(cli *c, int argc, char **argv) {
  int prc = common_opts(c, argc, argv, "show",
                        _("Usage: licvault show KID [--json]\n\n"
                          "Shows every license with that key id: rights and state.\n"));
  if (prc >= 0 || (prc = need_kid(c, argc, argv, "show")) >= 0) return prc;
  return list_or_show(c, argv[optind], true);
}

int cmd_delete(cli *c, int argc, char **argv) {
  int prc = common_opts(c, argc, argv, "delete",
                        _("Usage: licvault delete KID\n\n"
                          "Deletes every license with that key id from this computer.\n"));
  if (prc >= 0 || (prc = need_kid(c, argc, argv, "delete")) >= 0) return prc;
  lv_store *s = NULL;
  unsigned n = 0;
  lv_status rc = cli_open_store(c, &s);
  if (rc == LV_OK) rc = lv_store_delete(s, argv[optind], &n);
  lv_store_free(s);
  if (rc < 0) return cli_fail(c, rc, argv[optind]);
  if (c->json) print_json(json_pack("{s:b,s:i}", "ok", 1, "deleted", (int)n), false), puts("");
  else printf(_("Deleted %u license(s) with KID %s\n"), n, argv[optind]);
  return EXIT_OK;
}

int cmd_use(cli *c, int argc, char **argv) {
  int prc = common_opts(c, argc, argv, "use",
                        _("Usage: licvault use KID\n\n"
                          "Plays content under a license with that key id: checks its\n"
                          "rights now (dates, plays left, expiry after first use, clock\n"
                          "rollback), opens its content key and records the play.\n"
                          "The content key is never shown.\n"));
  if (prc >= 0 || (prc = need_kid(c, argc, argv, "use")) >= 0) return prc;
  lv_store *s = NULL;
  lv_use_result r;
  lv_status rc = cli_open_store(c, &s);
  if (rc == LV_OK) rc = lv_store_use(s, argv[optind], &r);
  lv_store_free(s);
  if (rc < 0) {
    cli_fail(c, rc, argv[optind]);
    if (rc != LV_E_INVALID_MACHINE && r.deleted && !c->json)
      fprintf(stderr, "%s", _("licvault: the license deleted itself, as its rights say\n"));
    return EXIT_FAIL;
  }
  if (c->json) {
    json_t *j = json_pack("{s:b,s:s,s:s,s:I}", "ok", 1, "kid", argv[optind], "lid", r.lid,
                          "plays_used", (json_int_t)r.plays_used);
    json_object_set_new(j, "plays_left",
                        r.plays_left == UINT32_MAX ? json_null() : json_integer(r.plays_left));
    print_json(j, false);
    puts("");
  } else if (r.plays_left == UINT32_MAX) {
    printf(_("Playing %s (play %u)\n"), argv[optind], r.plays_used);
  } else {
    printf(_("Playing %s (play %u, %u left)\n"), argv[optind], r.plays_used, r.plays_left);
  }
  return EXIT_OK;
}

static void report(const char *what, const char *kid, lv_status why, void *ctx) {
  json_t *arr = ctx;
  if (arr) {
    json_array_append_new(arr, json_pack("{s:s,s:s?,s:s}", "problem", what, "kid", kid,
                                         "error", lv_status_name(why)));
    return;
  }
  if (kid) printf(_("problem: %s: %s (%s)\n"), kid, what, lv_status_name(why));
  else printf(_("problem: %s (%s)\n"), what, lv_status_name(why));
}

int cmd_check(cli *c, int argc, char **argv) {
  int prc = common_opts(c, argc, argv, "check",
                        _("Usage: licvault check [--json]\n\n"
                          "Verifies the store: the database's integrity, then every\n"
                          "license (decodes, trusted issuer's signature, issued to this\n"
                          "computer, content key opens). Exit status 1 when a problem\n"
                          "is found.\n"));
  if (prc >= 0) return prc;
  if (optind != argc) return cli_usage(c, "check", _("unexpected argument '%s'"), argv[optind]);
  lv_store *s = NULL;
  uint64_t problems = 0;
  lv_store_info info;
  json_t *arr = c->json ? json_array() : NULL;
  lv_status rc = cli_open_store(c, &s);
  if (rc == LV_OK) rc = lv_store_check(s, report, arr, &problems);
  if (rc == LV_OK) rc = lv_store_get_info(s, &info);
  lv_store_free(s);
  if (rc < 0) {
    json_decref(arr);
    return cli_fail(c, rc, _("check"));
  }
  if (arr) {
    print_json(json_pack("{s:b,s:I,s:I,s:o}", "ok", problems == 0, "licenses",
                         (json_int_t)info.licenses, "problems", (json_int_t)problems,
                         "details", arr),
               false);
    puts("");
  } else if (problems) {
    printf(_("%llu problem(s) found in %llu licenses\n"), (unsigned long long)problems,
           (unsigned long long)info.licenses);
  } else {
    printf(_("Store is sound: %llu licenses verified\n"), (unsigned long long)info.licenses);
  }
  return problems ? EXIT_FAIL : EXIT_OK;
}
