/* fuzz_license.c - libFuzzer harness for license records and license files:
 * a record that decodes must re-encode to exactly its input (canonical form). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "license/license.h"

/* The record format is canonical, so decode then encode is the identity. */
static void check_record(const uint8_t *data, size_t size) {
  lv__license l;
  lv__buf b;
  if (lv__license_decode(&l, data, size) < 0) return;
  lv__buf_init(&b, LV__LIC_MAX);
  if (lv__license_encode_body(&b, &l) < 0 || lv__buf_put(&b, l.sig, LV__SIG) < 0) abort();
  if (b.len != size || memcmp(b.data, data, size)) abort();
  lv__buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static int ready;
  uint64_t count = 0;
  if (!ready) {
    if (lv__crypto_init() < 0) abort();
    ready = 1;
  }
  check_record(data, size);
  (void)lv__licfile_parse_mem(data, size, &count);
  return 0;
}
