/* gen_backup_corpus.c - writes seeds for fuzz_backup: entries and a stream
 * under the harness's fixed key (manifests are copied from a real set by
 * hand). Not built by default:
 *   cc -std=c17 -Iinclude -Isrc fuzz/gen_backup_corpus.c build/liblicvault_static.a \
 *      $(pkg-config --libs libsodium libcrypto sqlite3) -lpthread -o /tmp/gen && /tmp/gen DIR */
#include <stdio.h>
#include <string.h>

#include "backup/backup.h"

static void put(const char *dir, const char *name, char kind, const uint8_t *p, size_t n) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (!f) return;
  fputc(kind, f);
  fwrite(p, 1, n, f);
  fclose(f);
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : ".";
  static uint8_t entries[3][LV__ENTRY], stream[LV__SSTREAM_HEADER + 3 * LV__ENTRY + 64];
  uint8_t rec[300], locked[32], key[32];
  lv__crypto_init();
  memset(key, 0x42, sizeof key);
  for (int i = 0; i < 3; i++) {
    lv__random(rec, sizeof rec);
    lv__random(locked, sizeof locked);
    lv__entry_encode(entries[i], rec, 280 + (size_t)i * 10, (uint32_t)i, i ? 1795305600 : 0, locked);
  }
  put(dir, "entry-1", 'E', entries[1], LV__ENTRY);
  put(dir, "entry-0", 'E', entries[0], LV__ENTRY);
  lv__sstream ss;
  lv__sstream_push_init(&ss, stream, key);
  lv__sstream_push(&ss, stream + LV__SSTREAM_HEADER, entries[0], 3 * LV__ENTRY, true);
  put(dir, "stream-3", 'S', stream, LV__SSTREAM_HEADER + 3 * LV__ENTRY + LV__SSTREAM_ABYTES);
  lv__sstream_push_init(&ss, stream, key);
  lv__sstream_push(&ss, stream + LV__SSTREAM_HEADER, NULL, 0, true);
  put(dir, "stream-0", 'S', stream, LV__SSTREAM_HEADER + LV__SSTREAM_ABYTES);
  return 0;
}
