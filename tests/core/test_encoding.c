/* test_encoding.c - base64 (RFC 4648 vectors, strict canonical decoding),
 * hex, and the UTF-8 text validator, with every rejection they promise. */
#include <string.h>

#include "core/encoding.h"
#include "crypto/crypto.h"
#include "testutil.h"

/* Decodes a NUL-terminated text into outlen bytes. */
static lv_status b64d(uint8_t *out, size_t outlen, const char *in) {
  return lv__b64_decode(out, outlen, in, strlen(in));
}

static bool utf8(const char *s) {
  return lv__utf8_valid_text((const uint8_t *)s, strlen(s));
}

/* ---- base64 ------------------------------------------------------------ */

static const struct {
  const char *plain, *enc;
} rfc4648[] = {
    {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},
    {"foo", "Zm9v"},  {"foob", "Zm9vYg=="},  {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};
#define NVEC (sizeof rfc4648 / sizeof rfc4648[0])

static void b64_encode_matches_rfc4648_vectors(void **state) {
  (void)state;
  for (size_t i = 0; i < NVEC; i++) {
    char out[16];
    size_t n = strlen(rfc4648[i].plain);
    memset(out, 'x', sizeof out);
    lv__b64_encode(out, (const uint8_t *)rfc4648[i].plain, n);
    assert_string_equal(out, rfc4648[i].enc);
    assert_int_equal(strlen(out), LV__B64_LEN(n));
  }
}

static void b64_decode_matches_rfc4648_vectors(void **state) {
  (void)state;
  for (size_t i = 0; i < NVEC; i++) {
    uint8_t out[8];
    size_t n = strlen(rfc4648[i].plain);
    assert_int_equal(b64d(out, n, rfc4648[i].enc), LV_OK);
    assert_memory_equal(out, rfc4648[i].plain, n);
  }
}

static void b64_round_trips_random_bytes_of_every_length(void **state) {
  (void)state;
  uint8_t in[100], back[100];
  char enc[LV__B64_LEN(100) + 1];
  lv__random(in, sizeof in);
  for (size_t n = 0; n <= sizeof in; n++) {
    lv__b64_encode(enc, in, n);
    assert_int_equal(strlen(enc), LV__B64_LEN(n));
    for (size_t i = 0; enc[i]; i++)
      assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                             "0123456789+/=",
                             enc[i]));
    memset(back, 0xAA, sizeof back);
    assert_int_equal(lv__b64_decode(back, n, enc, strlen(enc)), LV_OK);
    assert_memory_equal(back, in, n);
  }
}

static void b64_encode_uses_plus_and_slash(void **state) {
  (void)state;
  const uint8_t ff[3] = {0xFB, 0xFF, 0xFF};
  char out[5];
  lv__b64_encode(out, ff, 3);
  assert_string_equal(out, "+///");
  uint8_t back[3];
  assert_int_equal(b64d(back, 3, "+///"), LV_OK);
  assert_memory_equal(back, ff, 3);
}

/* The strict decoder written the plain way (one character at a time): the
 * table-driven one must agree with it on every input. */
static int ref_val(unsigned char c) {
  const char *a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const char *p = c ? strchr(a, c) : NULL;
  return p ? (int)(p - a) : -1;
}

static bool ref_decode(uint8_t *out, size_t outlen, const char *in, size_t inlen) {
  if (inlen != LV__B64_LEN(outlen)) return false;
  size_t pad = outlen % 3 ? 3 - outlen % 3 : 0, o = 0;
  for (size_t i = 0; i < inlen; i += 4) {
    uint32_t v = 0;
    bool last = i + 4 == inlen;
    for (size_t j = 0; j < 4; j++) {
      unsigned char c = (unsigned char)in[i + j];
      if (last && j >= 4 - pad) {
        if (c != '=') return false;
        v <<= 6;
        continue;
      }
      int d = ref_val(c);
      if (d < 0) return false;
      v = v << 6 | (uint32_t)d;
    }
    uint8_t t[3] = {(uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    size_t take = last ? 3 - pad : 3;
    for (size_t j = take; j < 3; j++)
      if (t[j]) return false;
    memcpy(out + o, t, take);
    o += take;
  }
  return true;
}

/* Every byte value at every position of texts of 1 to 9 decoded bytes (a
 * whole quad, and a last quad of each padding): the same verdict and the
 * same bytes as the plain decoder. */
static void b64_decode_agrees_with_plain_decoder(void **state) {
  (void)state;
  for (size_t n = 1; n <= 9; n++) {
    uint8_t in[9], a[9], b[9];
    char enc[LV__B64_LEN(9) + 1];
    for (size_t i = 0; i < n; i++) in[i] = (uint8_t)(0x5a * (i + 1) + n);
    lv__b64_encode(enc, in, n);
    size_t l = strlen(enc);
    for (size_t pos = 0; pos < l; pos++) {
      for (int c = 0; c < 256; c++) {
        char t[sizeof enc];
        memcpy(t, enc, l + 1);
        t[pos] = (char)c;
        bool want = ref_decode(a, n, t, l);
        lv_status got = lv__b64_decode(b, n, t, l);
        if (want != (got == LV_OK))
          fail_msg("n %zu, byte %d at %zu: plain %d, table %d", n, c, pos, want, got);
        if (want) assert_memory_equal(a, b, n);
      }
    }
  }
}

static void b64_decode_rejects_wrong_length(void **state) {
  (void)state;
  uint8_t out[16];
  assert_int_equal(b64d(out, 1, "Zg="), LV_E_INVALID_ARG);
  assert_int_equal(b64d(out, 1, "Zg==="), LV_E_INVALID_ARG);
  assert_int_equal(b64d(out, 1, "Zg"), LV_E_INVALID_ARG);
  assert_int_equal(b64d(out, 1, ""), LV_E_INVALID_ARG);
  assert_int_equal(b64d(out, 0, "===="), LV_E_INVALID_ARG);
  assert_int_equal(b64d(out, 0, "Zg=="), LV_E_INVALID_ARG);
  assert_int_equal(b64d(out, 2, "Zm9v"), LV_E_INVALID_ARG); /* 3 bytes, not 2 */
  assert_int_equal(b64d(out, 4, "Zm9v"), LV_E_INVALID_ARG);
  assert_int_equal(b64d(out, 3, "Zm9vYg=="), LV_E_INVALID_ARG);
  assert_int_equal(b64d(out, 16, "AAAAAAAAAAAAAAAAAAAAAA=="), LV_OK);
  assert_int_equal(b64d(out, 16, "AAAAAAAAAAAAAAAAAAAAAA="), LV_E_INVALID_ARG);
  assert_int_equal(b64d(out, 16, "AAAAAAAAAAAAAAAAAAAAAAA"), LV_E_INVALID_ARG);
}

static void b64_decode_rejects_bad_chars(void **state) {
  (void)state;
  uint8_t out[8];
  static const char *const bad[] = {
      "Zm9-", "Zm9_", /* base64url alphabet */
      "Zm9.", "Zm9*", "Zm9\x80", "Zm9\xff", "Zm!v", "\x01m9v", "Zm=v", "=m9v",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    assert_int_equal(b64d(out, 3, bad[i]), LV_E_INVALID_ARG);
  /* an embedded NUL counts as a bad character, not an end */
  assert_int_equal(lv__b64_decode(out, 3, "Zm\0v", 4), LV_E_INVALID_ARG);
}

static void b64_decode_rejects_whitespace(void **state) {
  (void)state;
  uint8_t out[8];
  assert_int_equal(b64d(out, 3, "Zm9 "), LV_E_INVALID_ARG);
  assert_int_equal(b64d(out, 3, " Zm9"), LV_E_INVALID_ARG);
  assert_int_equal(b64d(out, 3, "Zm\t9"), LV_E_INVALID_ARG);
  assert_int_equal(b64d(out, 3, "Zm9\n"), LV_E_INVALID_ARG);
  assert_int_equal(b64d(out, 3, "Zm9v\n"), LV_E_INVALID_ARG);
  assert_int_equal(b64d(out, 6, "Zm9v\r\nYmFy"), LV_E_INVALID_ARG);
  assert_int_equal(b64d(out, 4, "Zm9vYg= "), LV_E_INVALID_ARG);
}

static void b64_decode_rejects_missing_padding(void **state) {
  (void)state;
  uint8_t out[8];
  /* right length for the count, but data where '=' must be */
  assert_int_equal(b64d(out, 1, "ZgAA"), LV_E_INVALID_ARG);
  assert_int_equal(b64d(out, 1, "ZgA="), LV_E_INVALID_ARG);
  assert_int_equal(b64d(out, 1, "Zg=A"), LV_E_INVALID_ARG);
  assert_int_equal(b64d(out, 2, "Zm8A"), LV_E_INVALID_ARG);
  assert_int_equal(b64d(out, 4, "Zm9vYgAA"), LV_E_INVALID_ARG);
  assert_int_equal(b64d(out, 5, "Zm9vYmEA"), LV_E_INVALID_ARG);
}

static void b64_decode_rejects_padding_in_wrong_place(void **state) {
  (void)state;
  uint8_t out[8];
  assert_int_equal(b64d(out, 4, "Zg==Zm9v"), LV_E_INVALID_ARG);
  assert_int_equal(b64d(out, 2, "Zg=="), LV_E_INVALID_ARG); /* 2 bytes want one '=' */
  assert_int_equal(b64d(out, 1, "Zm8="), LV_E_INVALID_ARG); /* 1 byte wants two */
  assert_int_equal(b64d(out, 3, "Zm9="), LV_E_INVALID_ARG);
  assert_int_equal(b64d(out, 3, "Zm=="), LV_E_INVALID_ARG);
}

static void b64_decode_rejects_nonzero_pad_bits(void **state) {
  (void)state;
  uint8_t out[8];
  assert_int_equal(b64d(out, 1, "Zg=="), LV_OK);
  assert_int_equal(b64d(out, 1, "Zh=="), LV_E_INVALID_ARG);
  assert_int_equal(b64d(out, 1, "Zv=="), LV_E_INVALID_ARG);
  assert_int_equal(b64d(out, 2, "Zm8="), LV_OK);
  assert_int_equal(b64d(out, 2, "Zm9="), LV_E_INVALID_ARG);
  assert_int_equal(b64d(out, 2, "Zm/="), LV_E_INVALID_ARG);
  assert_int_equal(b64d(out, 4, "Zm9vYh=="), LV_E_INVALID_ARG);
  assert_int_equal(b64d(out, 5, "Zm9vYmF="), LV_E_INVALID_ARG);
}

/* Exhaustive: of all 64^2 texts "XY==" exactly 256 decode, one per byte,
 * and of all 64^3 texts "XYZ=" exactly 65536 decode, one per pair. */
static void b64_decode_has_one_spelling_per_byte_string(void **state) {
  (void)state;
  static const char al[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  static uint8_t seen1[256];
  static uint8_t seen2[65536];
  char t[5] = "AA==";
  unsigned ok = 0;
  uint8_t out[2];
  memset(seen1, 0, sizeof seen1);
  for (int a = 0; a < 64; a++)
    for (int b = 0; b < 64; b++) {
      t[0] = al[a], t[1] = al[b];
      if (b64d(out, 1, t) != LV_OK) continue;
      ok++;
      assert_int_equal(seen1[out[0]], 0);
      seen1[out[0]] = 1;
    }
  assert_int_equal(ok, 256);
  ok = 0;
  memset(seen2, 0, sizeof seen2);
  t[3] = '=';
  for (int a = 0; a < 64; a++)
    for (int b = 0; b < 64; b++)
      for (int c = 0; c < 64; c++) {
        t[0] = al[a], t[1] = al[b], t[2] = al[c];
        if (b64d(out, 2, t) != LV_OK) continue;
        ok++;
        unsigned v = (unsigned)out[0] << 8 | out[1];
        assert_int_equal(seen2[v], 0);
        seen2[v] = 1;
      }
  assert_int_equal(ok, 65536);
}

static void b64_decode_empty_to_empty(void **state) {
  (void)state;
  uint8_t out[1] = {0x5A};
  assert_int_equal(lv__b64_decode(out, 0, "", 0), LV_OK);
  assert_int_equal(out[0], 0x5A);
}

/* ---- hex --------------------------------------------------------------- */

static void hex_encode_is_lowercase(void **state) {
  (void)state;
  const uint8_t in[] = {0x00, 0x01, 0xAB, 0xCD, 0xEF, 0xFF, 0x7F, 0x80};
  char out[2 * sizeof in + 1];
  lv__hex_encode(out, in, sizeof in);
  assert_string_equal(out, "0001abcdefff7f80");
  lv__hex_encode(out, in, 0);
  assert_string_equal(out, "");
}

static void hex_round_trips_random_bytes(void **state) {
  (void)state;
  uint8_t in[64], back[64];
  char enc[129];
  for (size_t n = 0; n <= sizeof in; n++) {
    lv__random(in, n);
    lv__hex_encode(enc, in, n);
    assert_int_equal(strlen(enc), 2 * n);
    assert_int_equal(lv__hex_decode(back, n, enc, strlen(enc)), LV_OK);
    assert_memory_equal(back, in, n);
  }
}

static void hex_decode_accepts_either_case(void **state) {
  (void)state;
  uint8_t out[4];
  const uint8_t want[4] = {0xDE, 0xAD, 0xBE, 0xEF};
  assert_int_equal(lv__hex_decode(out, 4, "DEADBEEF", 8), LV_OK);
  assert_memory_equal(out, want, 4);
  assert_int_equal(lv__hex_decode(out, 4, "deadbeef", 8), LV_OK);
  assert_memory_equal(out, want, 4);
  assert_int_equal(lv__hex_decode(out, 4, "DeAdBeEf", 8), LV_OK);
  assert_memory_equal(out, want, 4);
}

static void hex_decode_rejects_wrong_length(void **state) {
  (void)state;
  uint8_t out[4];
  assert_int_equal(lv__hex_decode(out, 4, "deadbee", 7), LV_E_INVALID_ARG);
  assert_int_equal(lv__hex_decode(out, 4, "deadbeef0", 9), LV_E_INVALID_ARG);
  assert_int_equal(lv__hex_decode(out, 3, "deadbeef", 8), LV_E_INVALID_ARG);
  assert_int_equal(lv__hex_decode(out, 1, "", 0), LV_E_INVALID_ARG);
  assert_int_equal(lv__hex_decode(out, 0, "", 0), LV_OK);
}

static void hex_decode_rejects_non_hex_chars(void **state) {
  (void)state;
  uint8_t out[2];
  static const char *const bad[] = {"0g00", "g000", "000G", "0x12", " 123",
                                    "123 ", "12-3", "+123", "12\n3", "\xc3\xa9\x30\x30"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    assert_int_equal(lv__hex_decode(out, 2, bad[i], 4), LV_E_INVALID_ARG);
  assert_int_equal(lv__hex_decode(out, 2, "12\0" "4", 4), LV_E_INVALID_ARG);
}

/* ---- UTF-8 ------------------------------------------------------------- */

static void utf8_accepts_ascii_and_empty(void **state) {
  (void)state;
  assert_true(utf8(""));
  assert_true(lv__utf8_valid_text(NULL, 0)); /* issuer.c relies on this */
  assert_true(utf8("hello, world"));
  assert_true(utf8(" !\"#~"));
  char all[95];
  for (int i = 0; i < 95; i++) all[i] = (char)(0x20 + i); /* 0x20..0x7E */
  assert_true(lv__utf8_valid_text((const uint8_t *)all, sizeof all));
}

static void utf8_accepts_multibyte_at_every_boundary(void **state) {
  (void)state;
  static const char *const good[] = {
      "Gr\xc3\xbc\xc3\x9f\x65",       /* Grüße */
      "\xc2\xa1",                     /* U+00A1, first non-control 2-byte */
      "\xc2\xa0",                     /* NBSP */
      "\xdf\xbf",                     /* U+07FF */
      "\xe0\xa0\x80",                 /* U+0800, smallest 3-byte */
      "\xe2\x82\xac",                 /* € */
      "\xed\x9f\xbf",                 /* U+D7FF, below surrogates */
      "\xee\x80\x80",                 /* U+E000, above surrogates */
      "\xef\xbf\xbf",                 /* U+FFFF */
      "\xf0\x90\x80\x80",             /* U+10000, smallest 4-byte */
      "\xf0\x9d\x84\x9e",             /* musical G clef */
      "\xf4\x8f\xbf\xbf",             /* U+10FFFF, the last code point */
      "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", /* 日本語 */
      "a\xc3\xa9z\xf0\x9f\x8e\xb5!",  /* mixed */
  };
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) assert_true(utf8(good[i]));
}

static void utf8_rejects_c1_controls(void **state) {
  (void)state;
  assert_false(utf8("\xc2\x80"));     /* U+0080 */
  assert_false(utf8("a\xc2\x9b" "31m")); /* U+009B, CSI */
  assert_false(utf8("\xc2\x9f"));     /* U+009F */
}

static void utf8_rejects_overlongs(void **state) {
  (void)state;
  static const char *const bad[] = {
      "\xc0\x80", "\xc0\xaf", "\xc1\xbf",         /* 2-byte overlongs */
      "\xe0\x80\x80", "\xe0\x80\xaf", "\xe0\x9f\xbf", /* 3-byte */
      "\xf0\x80\x80\x80", "\xf0\x80\x80\xaf", "\xf0\x8f\xbf\xbf", /* 4-byte */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) assert_false(utf8(bad[i]));
}

static void utf8_rejects_surrogates(void **state) {
  (void)state;
  assert_false(utf8("\xed\xa0\x80"));             /* U+D800 */
  assert_false(utf8("\xed\xaf\xbf"));             /* U+DBFF */
  assert_false(utf8("\xed\xb0\x80"));             /* U+DC00 */
  assert_false(utf8("\xed\xbf\xbf"));             /* U+DFFF */
  assert_false(utf8("\xed\xa0\xbd\xed\xb2\xa9")); /* CESU-8 pair */
}

static void utf8_rejects_past_10ffff(void **state) {
  (void)state;
  assert_false(utf8("\xf4\x90\x80\x80")); /* U+110000 */
  assert_false(utf8("\xf5\x80\x80\x80"));
  assert_false(utf8("\xf7\xbf\xbf\xbf"));
  assert_false(utf8("\xf8\x88\x80\x80\x80")); /* 5-byte form */
  assert_false(utf8("\xfc\x84\x80\x80\x80\x80"));
  assert_false(utf8("\xfe"));
  assert_false(utf8("\xff"));
}

static void utf8_rejects_truncated_sequences(void **state) {
  (void)state;
  static const char *const bad[] = {"\xc3", "\xe2\x82", "\xe2", "\xf0\x9d\x84",
                                    "\xf0\x9d", "\xf0", "abc\xe2\x82"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) assert_false(utf8(bad[i]));
  /* a valid sequence cut by the length, not by a NUL */
  assert_false(lv__utf8_valid_text((const uint8_t *)"\xe2\x82\xac", 2));
  assert_true(lv__utf8_valid_text((const uint8_t *)"\xe2\x82\xac", 3));
  assert_true(lv__utf8_valid_text((const uint8_t *)"ab\xe2\x82\xac", 2));
}

static void utf8_rejects_bad_continuations(void **state) {
  (void)state;
  assert_false(utf8("\x80"));
  assert_false(utf8("\xbf"));
  assert_false(utf8("a\x80z"));
  assert_false(utf8("\xc3\x28"));
  assert_false(utf8("\xe2\x28\xa1"));
  assert_false(utf8("\xe2\x82\x28"));
  assert_false(utf8("\xf0\x28\x8c\xbc"));
  assert_false(utf8("\xf0\x90\x28\xbc"));
  assert_false(utf8("\xf0\x9d\x84\xc3"));
  assert_false(utf8("\xc3\xc3\xa9"));
}

static void utf8_rejects_nul_and_control_chars(void **state) {
  (void)state;
  assert_false(lv__utf8_valid_text((const uint8_t *)"a\0b", 3));
  assert_false(lv__utf8_valid_text((const uint8_t *)"\0", 1));
  for (int c = 1; c < 0x20; c++) {
    char s[3] = {'a', (char)c, 'b'};
    assert_false(lv__utf8_valid_text((const uint8_t *)s, 3));
  }
  assert_false(utf8("a\x7f"));
  assert_false(utf8("tab\there"));
  assert_false(utf8("line\n"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(b64_encode_matches_rfc4648_vectors),
      cmocka_unit_test(b64_decode_matches_rfc4648_vectors),
      cmocka_unit_test(b64_round_trips_random_bytes_of_every_length),
      cmocka_unit_test(b64_encode_uses_plus_and_slash),
      cmocka_unit_test(b64_decode_agrees_with_plain_decoder),
      cmocka_unit_test(b64_decode_rejects_wrong_length),
      cmocka_unit_test(b64_decode_rejects_bad_chars),
      cmocka_unit_test(b64_decode_rejects_whitespace),
      cmocka_unit_test(b64_decode_rejects_missing_padding),
      cmocka_unit_test(b64_decode_rejects_padding_in_wrong_place),
      cmocka_unit_test(b64_decode_rejects_nonzero_pad_bits),
      cmocka_unit_test(b64_decode_has_one_spelling_per_byte_string),
      cmocka_unit_test(b64_decode_empty_to_empty),
      cmocka_unit_test(hex_encode_is_lowercase),
      cmocka_unit_test(hex_round_trips_random_bytes),
      cmocka_unit_test(hex_decode_accepts_either_case),
      cmocka_unit_test(hex_decode_rejects_wrong_length),
      cmocka_unit_test(hex_decode_rejects_non_hex_chars),
      cmocka_unit_test(utf8_accepts_ascii_and_empty),
      cmocka_unit_test(utf8_accepts_multibyte_at_every_boundary),
      cmocka_unit_test(utf8_rejects_c1_controls),
      cmocka_unit_test(utf8_rejects_overlongs),
      cmocka_unit_test(utf8_rejects_surrogates),
      cmocka_unit_test(utf8_rejects_past_10ffff),
      cmocka_unit_test(utf8_rejects_truncated_sequences),
      cmocka_unit_test(utf8_rejects_bad_continuations),
      cmocka_unit_test(utf8_rejects_nul_and_control_chars),
  };
  if (lv__crypto_init() < 0) return 1;
  return cmocka_run_group_tests(tests, NULL, NULL);
}
