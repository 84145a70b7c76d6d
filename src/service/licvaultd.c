/* licvaultd.c - the License Management Service's command. This version has
 * `keygen` (the service's key pair, in the format of docs/keys.md); `serve`
 * and the rest come with the service (issue #4). */
#include <stdio.h>
#include <string.h>

#include "core/encoding.h"
#include "crypto/keyfile.h"
#include "licvault/common.h"

static int usage(FILE *f, int rc) {
  fprintf(f, "Usage: licvaultd keygen --out DIR\n"
             "       licvaultd --version\n"
             "\n"
             "The License Management Service of licvault.\n"
             "  keygen --out DIR   create the service's key pair: DIR/service.key\n"
             "                     (secret, mode 0600) and DIR/service.pub, which\n"
             "                     computers pin with 'licvault service set URL FILE'\n"
             "(The service itself, 'licvaultd serve', is not in this version.)\n");
  return rc;
}

static int keygen(int argc, char **argv) {
  const char *out = NULL;
  for (int i = 2; i < argc; i++) {
    if (!strcmp(argv[i], "--out") && i + 1 < argc) out = argv[++i];
    else if (!strncmp(argv[i], "--out=", 6)) out = argv[i] + 6;
    else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) return usage(stdout, 0);
    else return usage(stderr, 2);
  }
  if (!out || !*out) return usage(stderr, 2);
  lv__keyfile k;
  lv_status rc = lv__keyfile_generate(&k, LV__KEY_SERVICE);
  if (rc == LV_OK) rc = lv__keyfile_save_pair(&k, out, "service");
  char id[2 * LV__KEYID + 1];
  lv__hex_encode(id, k.id, LV__KEYID);
  lv__keyfile_wipe(&k);
  if (rc < 0) {
    fprintf(stderr, "licvaultd: %s: %s (%s, 0x%08X)\n", out, lv_status_str(rc),
            lv_status_name(rc), lv_status_to_hresult(rc));
    return 1;
  }
  printf("Service key %s written to %s/service.key and %s/service.pub\n", id, out, out);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) return usage(stderr, 2);
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) return usage(stdout, 0);
  if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
    printf("licvaultd %s\n", LICVAULT_VERSION);
    return 0;
  }
  if (!strcmp(argv[1], "keygen")) return keygen(argc, argv);
  fprintf(stderr, "licvaultd: unknown command '%s'\n", argv[1]);
  return usage(stderr, 2);
}
