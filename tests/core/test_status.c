/* test_status.c - the lv_status table: every code has a message, a name and
 * exactly one HRESULT, the map is invertible, and SDK values are right. */
#include <string.h>

#include "licvault/status.h"
#include "testutil.h"

#define MAX_CODES 256

/* Collects every code of the table through lv_status_at. */
static unsigned all_codes(lv_status *codes) {
  unsigned n = 0;
  lv_status st;
  while (lv_status_at(&st, n) == LV_OK) {
    assert_true(n < MAX_CODES);
    codes[n++] = st;
  }
  return n;
}

static void status_at_walks_table_and_stops_past_end(void **state) {
  (void)state;
  lv_status codes[MAX_CODES];
  unsigned n = all_codes(codes);
  assert_true(n > 30);
  lv_status st = LV_E_IO;
  assert_int_equal(lv_status_at(&st, n), LV_E_NOT_FOUND);
  assert_int_equal(st, LV_E_IO); /* nothing written on failure */
  assert_int_equal(lv_status_at(&st, 100000u), LV_E_NOT_FOUND);
  assert_int_equal(lv_status_at(NULL, 0), LV_E_INVALID_ARG);
  assert_int_equal(lv_status_at(&st, 0), LV_OK);
  assert_int_equal(st, LV_OK);
}

static void status_every_code_has_message_and_name(void **state) {
  (void)state;
  lv_status codes[MAX_CODES];
  unsigned n = all_codes(codes);
  for (unsigned i = 0; i < n; i++) {
    const char *msg = lv_status_str(codes[i]);
    const char *name = lv_status_name(codes[i]);
    assert_non_null(msg);
    assert_non_null(name);
    assert_true(strlen(msg) > 0);
    assert_true(strncmp(name, "LV_", 3) == 0);
    assert_string_not_equal(msg, "unknown error");
    assert_string_not_equal(name, "LV_E_UNKNOWN");
  }
}

/* failures are negative; the only success codes are LV_OK and LV_S_PARTIAL */
static void status_codes_zero_or_negative_and_distinct(void **state) {
  (void)state;
  lv_status codes[MAX_CODES];
  unsigned n = all_codes(codes);
  for (unsigned i = 0; i < n; i++) {
    assert_true((int)codes[i] <= 0 || codes[i] == LV_S_PARTIAL);
    for (unsigned j = i + 1; j < n; j++) assert_int_not_equal(codes[i], codes[j]);
  }
}

static void status_names_are_distinct(void **state) {
  (void)state;
  lv_status codes[MAX_CODES];
  unsigned n = all_codes(codes);
  for (unsigned i = 0; i < n; i++)
    for (unsigned j = i + 1; j < n; j++)
      assert_string_not_equal(lv_status_name(codes[i]), lv_status_name(codes[j]));
}

static void status_hresult_round_trips_for_every_code(void **state) {
  (void)state;
  lv_status codes[MAX_CODES];
  unsigned n = all_codes(codes);
  for (unsigned i = 0; i < n; i++) {
    uint32_t hr = lv_status_to_hresult(codes[i]);
    assert_int_equal(lv_status_from_hresult(hr), codes[i]);
  }
}

static void status_hresults_are_distinct(void **state) {
  (void)state;
  lv_status codes[MAX_CODES];
  unsigned n = all_codes(codes);
  for (unsigned i = 0; i < n; i++)
    for (unsigned j = i + 1; j < n; j++)
      assert_int_not_equal(lv_status_to_hresult(codes[i]), lv_status_to_hresult(codes[j]));
}

static void status_failures_have_severity_bit(void **state) {
  (void)state;
  lv_status codes[MAX_CODES];
  unsigned n = all_codes(codes);
  for (unsigned i = 0; i < n; i++) {
    uint32_t hr = lv_status_to_hresult(codes[i]);
    if (codes[i] >= LV_OK) { /* success codes: NS_S_* / S_OK */
      assert_int_equal(hr & 0x80000000u, 0);
    } else {
      assert_int_equal(hr & 0x80000000u, 0x80000000u);
    }
  }
}

static void status_ok_is_zero_both_ways(void **state) {
  (void)state;
  assert_int_equal(LV_OK, 0);
  assert_int_equal(lv_status_to_hresult(LV_OK), 0);
  assert_int_equal(lv_status_from_hresult(0), LV_OK);
  assert_string_equal(lv_status_name(LV_OK), "LV_OK");
}

static void status_unknown_code_maps_to_unexpected(void **state) {
  (void)state;
  static const int unknown[] = {2, 7, -15, -19, -29, -99, -1000, 12345};
  for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
    lv_status st = (lv_status)unknown[i];
    assert_string_equal(lv_status_str(st), "unknown error");
    assert_string_equal(lv_status_name(st), "LV_E_UNKNOWN");
    assert_int_equal(lv_status_to_hresult(st), 0x8000FFFFu);
  }
}

static void status_unknown_hresult_maps_to_internal(void **state) {
  (void)state;
  assert_int_equal(lv_status_from_hresult(0xDEADBEEFu), LV_E_INTERNAL);
  assert_int_equal(lv_status_from_hresult(0x00000001u), LV_E_INTERNAL);
  assert_int_equal(lv_status_from_hresult(0xC00D272Du), LV_E_INTERNAL);
  assert_int_equal(lv_status_from_hresult(0x8000FFFFu), LV_E_INTERNAL);
}

static void status_sdk_values_match_reference(void **state) {
  (void)state;
  static const struct {
    lv_status code;
    uint32_t hr;
  } sdk[] = {
      {LV_E_BACKUP_EXISTS, 0xC00D2742u},   /* NS_E_DRM_BACKUP_EXISTS */
      {LV_E_BACKUP_CORRUPT, 0xC00D2743u},  /* NS_E_DRM_BACKUP_CORRUPT */
      {LV_E_OP_BUSY, 0xC00D2744u},         /* NS_E_DRM_BACKUPRESTORE_BUSY */
      {LV_E_RESTORE_FRAUD, 0xC00D2753u},   /* NS_E_DRM_RESTORE_FRAUD */
      {LV_E_CANCELED, 0xC00D2768u},        /* NS_E_DRM_OPERATION_CANCELED */
      {LV_E_SERVICE_UNAVAILABLE, 0xC00D2846u},
      {LV_E_INVALID_MACHINE, 0xC00D2719u}, /* NS_E_DRM_INVALID_MACHINE */
      {LV_E_NEEDS_INDIV, 0xC00D2728u},     /* NS_E_DRM_NEEDS_INDIVIDUALIZATION */
      {LV_E_ALREADY_INDIV, 0xC00D2729u},   /* NS_E_DRM_ALREADY_INDIVIDUALIZED */
      {LV_E_EXPIRED, 0xC00D27D8u},         /* NS_E_DRM_LICENSE_EXPIRED */
      {LV_E_NOT_ENABLED, 0xC00D27D9u},     /* NS_E_DRM_LICENSE_NOTENABLED */
      {LV_E_APPSEC_LOW, 0xC00D27DAu},      /* NS_E_DRM_LICENSE_APPSECLOW */
      {LV_E_NO_RIGHTS, 0xC00D2720u},       /* NS_E_DRM_NO_RIGHTS */
      {LV_E_STORE_CORRUPT, 0xC00D2712u},   /* NS_E_DRM_LICENSE_STORE_ERROR */
      {LV_E_INVALID_PROPERTY, 0xC00D2749u},
      {LV_E_BUSY, 0xC00D2841u},            /* NS_E_DRM_BUSY */
      {LV_E_BAD_NET_RESP, 0xC00D275Eu},    /* NS_E_DRM_ERROR_BAD_NET_RESP */
      {LV_E_NOT_ALL_STORED, 0xC00D275Fu},  /* NS_E_DRM_STORE_NOTALLSTORED */
      {LV_E_LICENSE_VERSION, 0xC00D274Eu}, /* NS_E_DRM_NEED_UPGRADE_MSSAP */
      {LV_E_INVALID_ARG, 0x80070057u},     /* E_INVALIDARG */
      {LV_E_NOMEM, 0x8007000Eu},           /* E_OUTOFMEMORY */
      {LV_E_POINTER, 0x80004003u},         /* E_POINTER */
      {LV_E_NOINTERFACE, 0x80004002u},     /* E_NOINTERFACE */
      {LV_E_NOTIMPL, 0x80004001u},         /* E_NOTIMPL */
      {LV_E_IO, 0x80004005u},              /* E_FAIL */
  };
  for (size_t i = 0; i < sizeof sdk / sizeof sdk[0]; i++) {
    assert_int_equal(lv_status_to_hresult(sdk[i].code), sdk[i].hr);
    assert_int_equal(lv_status_from_hresult(sdk[i].hr), sdk[i].code);
  }
}

static void status_messages_of_known_codes(void **state) {
  (void)state;
  assert_string_equal(lv_status_str(LV_OK), "success");
  assert_string_equal(lv_status_name(LV_E_NOMEM), "LV_E_NOMEM");
  assert_string_equal(lv_status_name(LV_E_NOT_ALL_STORED), "LV_E_NOT_ALL_STORED");
  assert_string_equal(lv_status_str(LV_E_CANCELED), "the operation was canceled");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(status_at_walks_table_and_stops_past_end),
      cmocka_unit_test(status_every_code_has_message_and_name),
      cmocka_unit_test(status_codes_zero_or_negative_and_distinct),
      cmocka_unit_test(status_names_are_distinct),
      cmocka_unit_test(status_hresult_round_trips_for_every_code),
      cmocka_unit_test(status_hresults_are_distinct),
      cmocka_unit_test(status_failures_have_severity_bit),
      cmocka_unit_test(status_ok_is_zero_both_ways),
      cmocka_unit_test(status_unknown_code_maps_to_unexpected),
      cmocka_unit_test(status_unknown_hresult_maps_to_internal),
      cmocka_unit_test(status_sdk_values_match_reference),
      cmocka_unit_test(status_messages_of_known_codes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
