/* fuzz_keyfile.c - libFuzzer harness for the key file parser: a text that
 * parses must be exactly what lv__keyfile_format writes for that key. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "crypto/keyfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static int ready;
  lv__keyfile k;
  lv__buf b;
  if (!ready) {
    if (lv__crypto_init() < 0) abort();
    ready = 1;
  }
  if (lv__keyfile_parse(&k, (const char *)data, size) < 0) return 0;
  lv__buf_init(&b, LV__KEYFILE_MAX);
  if (lv__keyfile_format(&b, &k, k.has_secret) < 0) abort();
  /* one key, one spelling: anything else parsed is a second spelling */
  if (b.len != size || memcmp(b.data, data, size)) abort();
  lv__buf_free(&b);
  lv__keyfile_wipe(&k);
  return 0;
}
