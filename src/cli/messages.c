/* messages.c - what the command tells a person: one translatable sentence
 * per status (the library's lv_status_str is for developers' logs), and the
 * shape of errors on stderr or, with --json, on stdout. */
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static const struct {
  lv_status st;
  const char *text;
} texts[] = {
    {LV_E_INVALID_ARG, N_("invalid argument")},
    {LV_E_NOMEM, N_("out of memory")},
    {LV_E_IO, N_("input/output error")},
    {LV_E_NOSPACE, N_("the disk is full")},
    {LV_E_NO_FILE, N_("no such file or folder")},
    {LV_E_ACCESS, N_("permission denied")},
    {LV_E_EXISTS, N_("it already exists")},
    {LV_E_NOT_FOUND, N_("no license with that key id is stored")},
    {LV_E_TOO_LARGE, N_("the input is too large")},
    {LV_E_BUSY, N_("the license store is busy in another process; try again")},
    {LV_E_LICENSE_CORRUPT, N_("the license file is damaged or truncated")},
    {LV_E_LICENSE_VERSION, N_("the file uses a format version this licvault does not "
                              "know; upgrade licvault")},
    {LV_E_BAD_SIGNATURE, N_("a license's signature does not verify: it was altered or "
                            "forged")},
    {LV_E_UNTRUSTED_ISSUER, N_("the license issuer is not trusted by this computer (see "
                               "'licvault trust add')")},
    {LV_E_WRONG_MACHINE, N_("the license was issued to another computer")},
    {LV_E_KEY_FILE, N_("the key file is damaged or of the wrong kind")},
    {LV_E_DECRYPT, N_("the data could not be decrypted: altered, or the wrong key")},
    {LV_E_INVALID_MACHINE, N_("this license store belongs to another computer; licenses "
                              "cannot be copied between computers, move them with "
                              "backup and restore")},
    {LV_E_NEEDS_INDIV, N_("this computer has no identity yet; run 'licvault init' first")},
    {LV_E_ALREADY_INDIV, N_("this computer already has an identity in that store")},
    {LV_E_STORE_CORRUPT, N_("the license store is damaged; run 'licvault check'")},
    {LV_E_STORE_VERSION, N_("the license store was written by a newer licvault")},
    {LV_E_NO_RIGHTS, N_("the license does not allow this (no play right, or no plays "
                        "left)")},
    {LV_E_EXPIRED, N_("the license has expired")},
    {LV_E_NOT_ENABLED, N_("the license is not valid yet")},
    {LV_E_APPSEC_LOW, N_("the license requires a more secure player")},
    {LV_E_CLOCK_ROLLBACK, N_("the computer's clock was set back; the license is "
                             "disabled until it is corrected")},
    {LV_E_CANCELED, N_("canceled")},
};

const char *cli_status_text(lv_status st) {
  for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
    if (texts[i].st == st) return _(texts[i].text);
  return lv_status_str(st);
}

int cli_fail(cli *c, lv_status st, const char *what) {
  if (c->json) {
    json_t *o = json_pack("{s:b,s:s,s:s,s:s,s:s}", "ok", 0, "error", lv_status_name(st),
                          "message", cli_status_text(st), "context", what ? what : "",
                          "hresult", "");
    char hr[16];
    snprintf(hr, sizeof hr, "0x%08X", lv_status_to_hresult(st));
    json_object_set_new(o, "hresult", json_string(hr));
    json_dumpf(o, stdout, JSON_INDENT(2));
    fputc('\n', stdout);
    json_decref(o);
  } else {
    fprintf(stderr, "%s: %s%s%s (%s, 0x%08X)\n", c->prog, what ? what : "", what ? ": " : "",
            cli_status_text(st), lv_status_name(st), lv_status_to_hresult(st));
  }
  return EXIT_FAIL;
}

int cli_usage(cli *c, const char *cmd, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "%s: ", c->prog);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  if (cmd)
    fprintf(stderr, _("\nTry 'licvault %s --help'.\n"), cmd);
  else
    fprintf(stderr, "%s", _("\nTry 'licvault --help'.\n"));
  return EXIT_USAGE;
}

lv_status cli_open_store(cli *c, lv_store **out) {
  return lv_store_open(out, c->store_dir, c->machine_file);
}
