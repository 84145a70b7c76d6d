/* main.c - entry of the licvault command: global options, locale, and the
 * dispatch to one subcommand. Everything else lives in cmd_*.c. */
#include <getopt.h>
#include <locale.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cli/cli.h"

#ifndef LV_LOCALEDIR
#define LV_LOCALEDIR "/usr/local/share/locale"
#endif

static const struct {
  const char *name;
  cli_cmd fn;
  const char *summary;
} commands[] = {
    {"init", cmd_init, N_("give this computer an identity (individualize)")},
    {"id", cmd_id, N_("export this computer's public identity")},
    {"info", cmd_info, N_("show this computer's identity and store")},
    {"service", cmd_service, N_("pin the License Management Service: service set URL FILE")},
    {"trust", cmd_trust, N_("trust a license issuer: trust add FILE")},
    {"issuer", cmd_issuer, N_("issuer tools: issuer keygen | issuer issue")},
    {"import", cmd_import, N_("verify and store license files")},
    {"list", cmd_list, N_("list stored licenses")},
    {"show", cmd_show, N_("show the licenses with a key id")},
    {"delete", cmd_delete, N_("delete the licenses with a key id")},
    {"use", cmd_use, N_("play under a license: enforce and record its rights")},
    {"check", cmd_check, N_("verify the store's integrity")},
    {"backup", cmd_backup, N_("back up the licenses to a folder (a backup set)")},
    {"verify", cmd_verify, N_("check a backup set without the service")},
    {"restore", cmd_restore, N_("restore a backup set through the service")},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void help(FILE *f) {
  fprintf(f, "%s", _("Usage: licvault [OPTIONS] COMMAND [ARGS]\n"
                     "\n"
                     "Keeps this computer's content licenses: a machine-bound store of\n"
                     "signed licenses, after the Windows Media Format SDK, backups of them\n"
                     "locked to a License Management Service, and restores onto a new\n"
                     "computer that the service approves.\n"
                     "\n"
                     "Options:\n"
                     "  --store DIR     the license store (default: $LICVAULT_STORE,\n"
                     "                  else ~/.local/share/licvault)\n"
                     "  --machine FILE  this computer's binding secret (default:\n"
                     "                  $LICVAULT_MACHINE, else ~/.config/licvault/machine.key)\n"
                     "  --json          machine-readable output\n"
                     "  -q, --quiet     no progress or chatter\n"
                     "  -h, --help      this help; COMMAND --help for a command's\n"
                     "  -V, --version   the version\n"
                     "\n"
                     "Commands:\n"));
  for (size_t i = 0; i < NCOMMANDS; i++)
    fprintf(f, "  %-9s %s\n", commands[i].name, _(commands[i].summary));
  fprintf(f, "%s", _("\nExit status: 0 success, 1 failure, 2 usage error, 3 partly done\n"
                     "(restore: some licenses refused).\n"
                     "See licvault(1).\n"));
}

bool cli_wants_help(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--")) return false;
    if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) return true;
  }
  return false;
}

bool cli_progress_enabled(cli *c) { return !c->quiet && !c->json && isatty(2); }

int main(int argc, char **argv) {
  static const struct option opts[] = {{"store", required_argument, NULL, 's'},
                                       {"machine", required_argument, NULL, 'm'},
                                       {"json", no_argument, NULL, 'j'},
                                       {"quiet", no_argument, NULL, 'q'},
                                       {"help", no_argument, NULL, 'h'},
                                       {"version", no_argument, NULL, 'V'},
                                       {NULL, 0, NULL, 0}};
  cli c = {0};
  int o;
  /* This process unseals the store's keys and opens content keys (and an
   * issuer's secret key): a crash must not write them to a core file, and
   * another process of the same user must not read them through ptrace or
   * /proc/PID/mem. First thing, before any secret exists (docs/secrets.md). */
  setrlimit(RLIMIT_CORE, &(struct rlimit){0, 0});
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  setlocale(LC_ALL, "");
  bindtextdomain("licvault", LV_LOCALEDIR);
  textdomain("licvault");
  c.prog = "licvault";
  opterr = 0;
  while ((o = getopt_long(argc, argv, "+qhV", opts, NULL)) != -1) {
    switch (o) {
    case 's': c.store_dir = optarg; break;
    case 'm': c.machine_file = optarg; break;
    case 'j': c.json = true; break;
    case 'q': c.quiet = true; break;
    case 'h': help(stdout); return EXIT_OK;
    case 'V': printf("licvault %s\n", LICVAULT_VERSION); return EXIT_OK;
    default: return cli_usage(&c, NULL, _("unknown option '%s'"), argv[optind - 1]);
    }
  }
  if (optind >= argc) {
    help(stderr);
    return EXIT_USAGE;
  }
  const char *name = argv[optind];
  for (size_t i = 0; i < NCOMMANDS; i++) {
    if (strcmp(name, commands[i].name)) continue;
    optind++;
    int sub_argc = argc - optind + 1;
    char **sub_argv = argv + optind - 1; /* sub_argv[0] = the command name */
    optind = 0;                           /* reset getopt for the subcommand */
    return commands[i].fn(&c, sub_argc, sub_argv);
  }
  return cli_usage(&c, NULL, _("unknown command '%s'"), name);
}
