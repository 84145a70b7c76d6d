/* fuzz_binding.c - libFuzzer harness for the machine binding file, the one
 * configuration file licvault reads (docs/keys.md): what parses must be the
 * file licvault writes for that secret, up to the case of its hex digits. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/encoding.h"
#include "store/store.h"

#define HEAD "licvault-machine 1\n"

static char lower(uint8_t c) { return (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t secret[LV__BINDING_SECRET], before[LV__BINDING_SECRET];
  char hex[2 * LV__BINDING_SECRET + 1];
  const size_t hl = sizeof HEAD - 1;
  memset(secret, 0xA5, sizeof secret);
  memcpy(before, secret, sizeof secret);
  if (lv__binding_parse(secret, data, size) < 0) {
    if (memcmp(secret, before, sizeof secret)) abort(); /* nothing written on failure */
    return 0;
  }
  /* what create_secret writes: the head, lower-case hex, a newline */
  if (size != hl + sizeof hex || memcmp(data, HEAD, hl) || data[size - 1] != '\n') abort();
  lv__hex_encode(hex, secret, sizeof secret);
  for (size_t i = 0; i < 2 * LV__BINDING_SECRET; i++)
    if (lower(data[hl + i]) != hex[i]) abort();
  return 0;
}
