/* cmd_identity.c - the computer's identity: init (individualize), id,
 * info, service set, trust add. */
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

#define MAX_TRUST 64

static int init_help(void) {
  printf("%s", _("Usage: licvault init [--service URL --service-key FILE]\n"
                 "                     [--trust-issuer FILE]...\n"
                 "\n"
                 "Gives this computer an identity: a random machine id and key pairs,\n"
                 "sealed to this computer. Optionally pins the License Management\n"
                 "Service (URL and its .pub key file) and trusts license issuers\n"
                 "(their .pub files). Fails if the store already has an identity.\n"));
  return EXIT_OK;
}

int cmd_init(cli *c, int argc, char **argv) {
  static const struct option opts[] = {{"service", required_argument, NULL, 's'},
                                       {"service-key", required_argument, NULL, 'k'},
                                       {"trust-issuer", required_argument, NULL, 't'},
                                       {"json", no_argument, NULL, 'j'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  const char *trust[MAX_TRUST];
  lv_init_opts io = {0};
  int o;
  while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    switch (o) {
    case 's': io.service_url = optarg; break;
    case 'k': io.service_key_file = optarg; break;
    case 't':
      if (io.ntrust == MAX_TRUST) return cli_usage(c, "init", _("too many --trust-issuer"));
      trust[io.ntrust++] = optarg;
      break;
    case 'j': c->json = true; break;
    case 'h': return init_help();
    default: return cli_usage(c, "init", _("unknown option '%s'"), argv[optind - 1]);
    }
  }
  if (optind != argc) return cli_usage(c, "init", _("unexpected argument '%s'"), argv[optind]);
  if (!io.service_url != !io.service_key_file)
    return cli_usage(c, "init", _("--service and --service-key go together"));
  if (io.service_url && strncmp(io.service_url, "http://", 7) &&
      strncmp(io.service_url, "https://", 8))
    return cli_usage(c, "init", _("the URL must start with http:// or https://"));
  io.trust_files = trust;
  lv_store *s = NULL;
  lv_store_info info;
  lv_status rc = lv_store_create(&s, c->store_dir, c->machine_file, &io);
  if (rc < 0) return cli_fail(c, rc, _("init"));
  rc = lv_store_get_info(s, &info);
  lv_store_free(s);
  if (rc < 0) return cli_fail(c, rc, _("init"));
  if (c->json) {
    printf("{\"ok\": true, \"machine_id\": \"%s\", \"issuers\": %u}\n", info.machine_id,
           info.issuers);
  } else {
    printf(_("This computer is individualized: machine id %s\n"), info.machine_id);
    if (info.issuers) printf(_("Trusted issuers: %u\n"), info.issuers);
    if (info.service_url[0]) printf(_("License Management Service: %s\n"), info.service_url);
  }
  return EXIT_OK;
}

int cmd_id(cli *c, int argc, char **argv) {
  static const struct option opts[] = {{"out", required_argument, NULL, 'o'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  const char *out = NULL;
  int o;
  while ((o = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
    switch (o) {
    case 'o': out = optarg; break;
    case 'h':
      printf("%s", _("Usage: licvault id [--out FILE]\n\n"
                     "Exports this computer's public identity (docs/keys.md), which an\n"
                     "issuer needs to issue licenses to it. Without --out it is printed.\n"));
      return EXIT_OK;
    default: return cli_usage(c, "id", _("unknown option '%s'"), argv[optind - 1]);
    }
  }
  if (optind != argc) return cli_usage(c, "id", _("unexpected argument '%s'"), argv[optind]);
  lv_store *s = NULL;
  lv_status rc = cli_open_store(c, &s);
  if (rc < 0) return cli_fail(c, rc, _("id"));
  if (out) {
    rc = lv_store_export_identity(s, out);
  } else {
    char *text;
    if ((rc = lv_store_identity_text(s, &text)) == LV_OK) {
      fputs(text, stdout);
      free(text);
    }
  }
  lv_store_free(s);
  if (rc < 0) return cli_fail(c, rc, out ? out : _("id"));
  if (out && !c->quiet) fprintf(stderr, _("Identity written to %s\n"), out);
  return EXIT_OK;
}

int cmd_info(cli *c, int argc, char **argv) {
  static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  int o;
  while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    if (o == 'j') c->json = true;
    else if (o == 'h') {
      printf("%s", _("Usage: licvault info [--json]\n\n"
                     "Shows this computer's machine id, the pinned License Management\n"
                     "Service, and how many issuers and licenses the store holds.\n"));
      return EXIT_OK;
    } else
      return cli_usage(c, "info", _("unknown option '%s'"), argv[optind - 1]);
  }
  if (optind != argc) return cli_usage(c, "info", _("unexpected argument '%s'"), argv[optind]);
  lv_store *s = NULL;
  lv_store_info info;
  lv_status rc = cli_open_store(c, &s);
  if (rc == LV_OK) rc = lv_store_get_info(s, &info);
  lv_store_free(s);
  if (rc < 0) return cli_fail(c, rc, _("info"));
  if (c->json) {
    json_t *j = json_pack("{s:s,s:s?,s:s?,s:I,s:i}", "machine_id", info.machine_id,
                          "service_url", info.service_url[0] ? info.service_url : NULL,
                          "service_key", info.service_key[0] ? info.service_key : NULL,
                          "licenses", (json_int_t)info.licenses, "issuers", (int)info.issuers);
    json_dumpf(j, stdout, JSON_INDENT(2));
    fputc('\n', stdout);
    json_decref(j);
  } else {
    printf(_("machine id:       %s\n"), info.machine_id);
    printf(_("service:          %s\n"), info.service_url[0] ? info.service_url : _("(none)"));
    if (info.service_key[0]) printf(_("service key:      %s\n"), info.service_key);
    printf(_("trusted issuers:  %u\n"), info.issuers);
    printf(_("licenses:         %llu\n"), (unsigned long long)info.licenses);
  }
  return EXIT_OK;
}

int cmd_service(cli *c, int argc, char **argv) {
  if (cli_wants_help(argc, argv) || argc < 2) {
    printf("%s", _("Usage: licvault service set URL FILE\n\n"
                   "Pins (or changes) the License Management Service this computer\n"
                   "uses for backup and restore: its URL and its public key file.\n"));
    return argc < 2 ? EXIT_USAGE : EXIT_OK;
  }
  if (strcmp(argv[1], "set")) return cli_usage(c, "service", _("unknown action '%s'"), argv[1]);
  if (argc != 4) return cli_usage(c, "service", _("expected: service set URL FILE"));
  if (strncmp(argv[2], "http://", 7) && strncmp(argv[2], "https://", 8))
    return cli_usage(c, "service", _("the URL must start with http:// or https://"));
  lv_store *s = NULL;
  lv_status rc = cli_open_store(c, &s);
  if (rc == LV_OK) rc = lv_store_service_set(s, argv[2], argv[3]);
  lv_store_free(s);
  if (rc < 0) return cli_fail(c, rc, _("service set"));
  if (!c->quiet) printf(_("License Management Service set to %s\n"), argv[2]);
  return EXIT_OK;
}

int cmd_trust(cli *c, int argc, char **argv) {
  if (cli_wants_help(argc, argv) || argc < 2) {
    printf("%s", _("Usage: licvault trust add FILE...\n\n"
                   "Trusts license issuers: licenses they sign may be imported.\n"
                   "FILE is an issuer's public key file (issuer.pub).\n"));
    return argc < 2 ? EXIT_USAGE : EXIT_OK;
  }
  if (strcmp(argv[1], "add")) return cli_usage(c, "trust", _("unknown action '%s'"), argv[1]);
  if (argc < 3) return cli_usage(c, "trust", _("expected: trust add FILE..."));
  lv_store *s = NULL;
  lv_status rc = cli_open_store(c, &s);
  if (rc < 0) return cli_fail(c, rc, _("trust add"));
  for (int i = 2; i < argc; i++) {
    char id[LV_KEYID_STRLEN];
    if ((rc = lv_store_trust_add(s, argv[i], id)) < 0) {
      lv_store_free(s);
      return cli_fail(c, rc, argv[i]);
    }
    if (!c->quiet) printf(_("Trusted issuer %s\n"), id);
  }
  lv_store_free(s);
  return EXIT_OK;
}
