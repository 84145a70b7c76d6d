/* encoding.h - text encodings: base64 (RFC 4648, padded), hex, UTF-8 checks.
 * Decoders are strict: one canonical text per byte string, so that a KID or
 * a key has exactly one spelling. Nothing here allocates. */
#ifndef LV_CORE_ENCODING_H
#define LV_CORE_ENCODING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "licvault/status.h"

#define LV__B64_LEN(n) ((((n) + 2) / 3) * 4)

/* Writes LV__B64_LEN(n) chars and a NUL; out must hold that many + 1. */
void lv__b64_encode(char *out, const uint8_t *in, size_t n);
/* Decodes exactly outlen bytes from a canonical padded text of inlen chars;
 * LV_E_INVALID_ARG on any other text (wrong length, bad char, non-zero
 * trailing bits, missing padding). */
lv_status lv__b64_decode(uint8_t *out, size_t outlen, const char *in, size_t inlen);

/* Lower-case hex; out holds 2n + 1 chars. */
void lv__hex_encode(char *out, const uint8_t *in, size_t n);
/* Decodes exactly outlen bytes from 2*outlen hex digits (either case). */
lv_status lv__hex_decode(uint8_t *out, size_t outlen, const char *in, size_t inlen);

/* True when s[0..n) is well-formed UTF-8 (no overlongs, surrogates or
 * code points past U+10FFFF) without control characters (C0, DEL, C1), so
 * that a title printed on a terminal cannot drive it. */
bool lv__utf8_valid_text(const uint8_t *s, size_t n);

/* UTF-16 (host order units) <-> UTF-8. lv__utf16_to_utf8 converts n units
 * (no NUL among them) into out (cap bytes, NUL added); lv__utf8_to_utf16
 * converts a NUL-terminated string into out (cap units, NUL added). Both
 * refuse unpaired surrogates and invalid input (LV_E_INVALID_ARG) and a
 * small buffer (LV_E_TOO_LARGE); *len gets the length without the NUL. */
lv_status lv__utf16_to_utf8(char *out, size_t cap, size_t *len, const uint16_t *in, size_t n);
lv_status lv__utf8_to_utf16(uint16_t *out, size_t cap, size_t *len, const char *in);

#endif
