/* store_binding.c - what ties a store to this computer: a binding secret of
 * licvault's own (the file LICVAULT_MACHINE names) mixed with the operating
 * system's machine id. Copying the store, with or without that file, to a
 * computer with another machine id yields another key. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/encoding.h"
#include "core/file.h"
#include "store/store.h"

#define SECRET_LEN LV__BINDING_SECRET
#define HEAD "licvault-machine 1\n"

static void os_machine_id(char out[64]) {
  static const char *const paths[] = {"/etc/machine-id", "/var/lib/dbus/machine-id"};
  out[0] = '\0';
  for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
    FILE *f = fopen(paths[i], "re");
    if (!f) continue;
    size_t n = fread(out, 1, 63, f);
    fclose(f);
    while (n && (out[n - 1] == '\n' || out[n - 1] == ' ')) n--;
    out[n] = '\0';
    if (n) return;
  }
}

static lv_status parent_dir(const char *file) {
  char *d = lv__strdup(file);
  if (!d) return LV_E_NOMEM;
  char *slash = strrchr(d, '/');
  lv_status rc = LV_OK;
  if (slash && slash != d) {
    *slash = '\0';
    rc = lv__mkdir_p(d, 0700);
  }
  free(d);
  return rc;
}

static lv_status create_secret(const char *file, uint8_t secret[SECRET_LEN]) {
  char text[sizeof HEAD + 2 * SECRET_LEN + 2];
  lv__random(secret, SECRET_LEN);
  memcpy(text, HEAD, sizeof HEAD - 1);
  lv__hex_encode(text + sizeof HEAD - 1, secret, SECRET_LEN);
  text[sizeof HEAD - 1 + 2 * SECRET_LEN] = '\n';
  text[sizeof HEAD + 2 * SECRET_LEN] = '\0';
  lv_status rc = parent_dir(file);
  if (rc == LV_OK) rc = lv__file_write_atomic(file, text, strlen(text), 0600);
  lv__memzero(text, sizeof text);
  return rc;
}

lv_status lv__binding_parse(uint8_t secret[LV__BINDING_SECRET], const uint8_t *data, size_t n) {
  uint8_t tmp[LV__BINDING_SECRET];
  const size_t hl = sizeof HEAD - 1, want = hl + 2 * SECRET_LEN + 1;
  if (!data || n != want || memcmp(data, HEAD, hl) || data[n - 1] != '\n' ||
      lv__hex_decode(tmp, SECRET_LEN, (const char *)data + hl, 2 * SECRET_LEN) < 0) {
    lv__memzero(tmp, sizeof tmp); /* a failed decode may have filled part of it */
    return LV_E_KEY_FILE;
  }
  memcpy(secret, tmp, SECRET_LEN);
  lv__memzero(tmp, sizeof tmp);
  return LV_OK;
}

static lv_status read_secret(const char *file, uint8_t secret[SECRET_LEN]) {
  uint8_t *data;
  size_t n;
  lv_status rc = lv__file_read_all(file, 256, &data, &n);
  if (rc < 0) return rc;
  rc = lv__binding_parse(secret, data, n);
  lv__memzero(data, n);
  free(data);
  return rc;
}

lv_status lv__binding_key(uint8_t key[LV__KEY], const char *machine_file,
                          const uint8_t machine_id[LV__MACHINE_ID], bool create) {
  uint8_t secret[SECRET_LEN];
  char osid[64];
  lv_status rc = read_secret(machine_file, secret);
  if (rc == LV_E_NO_FILE) rc = create ? create_secret(machine_file, secret) : LV_E_INVALID_MACHINE;
  if (rc < 0) goto done;
  os_machine_id(osid);
  uint8_t salt[64 + LV__MACHINE_ID];
  size_t ol = strlen(osid);
  memcpy(salt, osid, ol);
  memcpy(salt + ol, machine_id, LV__MACHINE_ID);
  lv__kdf(key, secret, "licvault binding v1", salt, ol + LV__MACHINE_ID);
done:
  lv__memzero(secret, sizeof secret);
  return rc;
}
