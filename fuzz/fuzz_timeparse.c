/* fuzz_timeparse.c - libFuzzer harness for ISO 8601 dates: whatever
 * lv__time_parse accepts must survive lv__time_format and parse back equal. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"

#define MAX_INPUT 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char s[MAX_INPUT + 1], again[LV__TIME_STRLEN];
  int64_t t, t2;
  if (size > MAX_INPUT) return 0;
  memcpy(s, data, size);
  s[size] = '\0';
  if (lv__time_parse(&t, s) < 0) return 0;
  lv__time_format(again, t);
  if (lv__time_parse(&t2, again) < 0 || t2 != t) abort();
  return 0;
}
