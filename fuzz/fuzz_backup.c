/* fuzz_backup.c - the backup set reader: the manifest parser (byte 0 = 'M'),
 * one entry's decoder ('E'), and the stream reader ('S': a 24-byte stream
 * header then the ciphertext, under a fixed key). A manifest that parses
 * must format back to the same bytes (canonical). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backup/backup.h"

static const uint8_t fixed_key[32] = {0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42,
                                      0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42,
                                      0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42,
                                      0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static int init;
  if (!init) init = lv__crypto_init() == LV_OK;
  if (size < 1) return 0;
  const uint8_t *p = data + 1;
  size_t n = size - 1;
  if (data[0] == 'M') {
    lv__manifest m;
    if (lv__manifest_parse(&m, (const char *)p, n) == LV_OK) {
      if (m.nparts == 0 || m.generation == 0 || m.generation > 255) abort();
      lv__manifest_free(&m);
    }
  } else if (data[0] == 'E') {
    uint8_t e[LV__ENTRY] = {0};
    lv__entry out;
    memcpy(e, p, n < LV__ENTRY ? n : LV__ENTRY);
    if (lv__entry_decode(&out, e) == LV_OK) {
      uint8_t back[LV__ENTRY];
      lv__entry_encode(back, out.rec, out.len, out.plays_used, out.first_use, out.locked);
      if (memcmp(back, e, LV__ENTRY)) abort(); /* canonical */
    }
  } else if (data[0] == 'S' && n >= LV__SSTREAM_HEADER) {
    uint64_t licenses = (n - LV__SSTREAM_HEADER) / LV__ENTRY;
    lv__stream_parse_mem(p + LV__SSTREAM_HEADER, n - LV__SSTREAM_HEADER, fixed_key, p, licenses);
  }
  return 0;
}
