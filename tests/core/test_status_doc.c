/* test_status_doc.c - docs that cannot drift: docs/status.md lists exactly
 * the codes of LV_STATUS_TABLE, with the same values and HRESULTs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "licvault/status.h"

static void status_page_matches_table(void **state) {
  (void)state;
  FILE *f = fopen(LV_SOURCE_DIR "/docs/status.md", "r");
  char line[1024];
  unsigned rows = 0, codes = 0;
  lv_status st;
  assert_non_null(f);
  while (fgets(line, sizeof line, f)) {
    char name[64];
    int value;
    unsigned hr;
    if (sscanf(line, "| `%63[A-Z_]` | %d | `0x%X` |", name, &value, &hr) != 3) continue;
    rows++;
    assert_string_equal(lv_status_name((lv_status)value), name);
    assert_int_equal(lv_status_to_hresult((lv_status)value), hr);
    assert_int_equal(lv_status_from_hresult(hr), value);
  }
  fclose(f);
  while (lv_status_at(&st, codes) == LV_OK) codes++;
  assert_int_equal(rows, codes);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(status_page_matches_table)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
