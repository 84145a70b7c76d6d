/* cli.h - what the files of the licvault command share: the parsed global
 * options, the subcommand signature, and how errors reach a person.
 * The command uses only the public API (licvault/...) and src/core. */
#ifndef LV_CLI_CLI_H
#define LV_CLI_CLI_H

#include <libintl.h>
#include <stdbool.h>
#include <stdio.h>

#include "licvault/licvault.h"

#define _(s) gettext(s)
#define N_(s) (s)

/* Exit codes: documented in licvault(1). */
#define EXIT_OK 0
#define EXIT_FAIL 1  /* the operation failed */
#define EXIT_USAGE 2 /* the command line is wrong */

typedef struct cli {
  const char *store_dir;    /* NULL: default */
  const char *machine_file; /* NULL: default */
  bool json;
  bool quiet;
  const char *prog;
} cli;

typedef int (*cli_cmd)(cli *c, int argc, char **argv);

/* Prints "licvault: <what>: <reason>" for a failed status (and the SDK's
 * HRESULT) to stderr, or a JSON error object to stdout with --json.
 * Returns EXIT_FAIL. */
int cli_fail(cli *c, lv_status st, const char *what);
/* A usage error: message and a pointer to --help; returns EXIT_USAGE. */
int cli_usage(cli *c, const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The person-facing (translated) sentence for a status. */
const char *cli_status_text(lv_status st);

/* Opens the store named by the global options. */
lv_status cli_open_store(cli *c, lv_store **out);

/* Subcommands (one file each group). */
int cmd_init(cli *c, int argc, char **argv);
int cmd_id(cli *c, int argc, char **argv);
int cmd_info(cli *c, int argc, char **argv);
int cmd_service(cli *c, int argc, char **argv);
int cmd_trust(cli *c, int argc, char **argv);
int cmd_issuer(cli *c, int argc, char **argv);
int cmd_import(cli *c, int argc, char **argv);
int cmd_list(cli *c, int argc, char **argv);
int cmd_show(cli *c, int argc, char **argv);
int cmd_delete(cli *c, int argc, char **argv);
int cmd_use(cli *c, int argc, char **argv);
int cmd_check(cli *c, int argc, char **argv);
int cmd_backup(cli *c, int argc, char **argv);
int cmd_verify(cli *c, int argc, char **argv);
int cmd_restore(cli *c, int argc, char **argv);

/* True when argv holds -h or --help before any "--". */
bool cli_wants_help(int argc, char **argv);

/* Progress on stderr, only when stderr is a terminal and not --quiet. */
bool cli_progress_enabled(cli *c);

#endif
