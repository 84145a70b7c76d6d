/* encoding.c - strict base64 and hex codecs and a UTF-8 validator.
 * Strictness matters: KIDs are compared as text, so two spellings of the
 * same bytes must not both be accepted. */
#include "core/encoding.h"

#include <string.h>

static const char b64chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void lv__b64_encode(char *out, const uint8_t *in, size_t n) {
  size_t o = 0, i = 0;
  for (; i + 3 <= n; i += 3) {
    uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
    out[o++] = b64chars[v >> 18];
    out[o++] = b64chars[(v >> 12) & 63];
    out[o++] = b64chars[(v >> 6) & 63];
    out[o++] = b64chars[v & 63];
  }
  if (n - i == 1) {
    uint32_t v = (uint32_t)in[i] << 16;
    out[o++] = b64chars[v >> 18];
    out[o++] = b64chars[(v >> 12) & 63];
    out[o++] = '=';
    out[o++] = '=';
  } else if (n - i == 2) {
    uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
    out[o++] = b64chars[v >> 18];
    out[o++] = b64chars[(v >> 12) & 63];
    out[o++] = b64chars[(v >> 6) & 63];
    out[o++] = '=';
  }
  out[o] = '\0';
}

static int b64val(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

lv_status lv__b64_decode(uint8_t *out, size_t outlen, const char *in, size_t inlen) {
  if (inlen != LV__B64_LEN(outlen)) return LV_E_INVALID_ARG;
  size_t pad = outlen % 3 ? 3 - outlen % 3 : 0;
  size_t o = 0;
  for (size_t i = 0; i < inlen; i += 4) {
    uint32_t v = 0;
    bool last = i + 4 == inlen;
    for (size_t j = 0; j < 4; j++) {
      char c = in[i + j];
      if (last && j >= 4 - pad) {
        if (c != '=') return LV_E_INVALID_ARG;
        v <<= 6;
        continue;
      }
      int d = b64val(c);
      if (d < 0) return LV_E_INVALID_ARG;
      v = v << 6 | (uint32_t)d;
    }
    uint8_t t[3] = {(uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    size_t take = last ? 3 - pad : 3;
    /* canonical: bits under the padding must be zero */
    for (size_t j = take; j < 3; j++)
      if (t[j]) return LV_E_INVALID_ARG;
    memcpy(out + o, t, take);
    o += take;
  }
  return o == outlen ? LV_OK : LV_E_INVALID_ARG;
}

void lv__hex_encode(char *out, const uint8_t *in, size_t n) {
  static const char hx[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = hx[in[i] >> 4];
    out[2 * i + 1] = hx[in[i] & 15];
  }
  out[2 * n] = '\0';
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

lv_status lv__hex_decode(uint8_t *out, size_t outlen, const char *in, size_t inlen) {
  if (inlen != 2 * outlen) return LV_E_INVALID_ARG;
  for (size_t i = 0; i < outlen; i++) {
    int hi = hexval(in[2 * i]), lo = hexval(in[2 * i + 1]);
    if (hi < 0 || lo < 0) return LV_E_INVALID_ARG;
    out[i] = (uint8_t)(hi << 4 | lo);
  }
  return LV_OK;
}

bool lv__utf8_valid_text(const uint8_t *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    uint8_t c = s[i];
    if (c < 0x80) {
      if (c < 0x20 || c == 0x7f) return false;
      i++;
      continue;
    }
    size_t len;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) len = 2, cp = c & 0x1F;
    else if ((c & 0xF0) == 0xE0) len = 3, cp = c & 0x0F;
    else if ((c & 0xF8) == 0xF0) len = 4, cp = c & 0x07;
    else return false;
    if (n - i < len) return false;
    for (size_t j = 1; j < len; j++) {
      if ((s[i + j] & 0xC0) != 0x80) return false;
      cp = cp << 6 | (s[i + j] & 0x3F);
    }
    static const uint32_t minv[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < minv[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    if (cp >= 0x80 && cp <= 0x9F) return false; /* C1 controls (e.g. CSI) */
    i += len;
  }
  return true;
}

lv_status lv__utf16_to_utf8(char *out, size_t cap, size_t *len, const uint16_t *in, size_t n) {
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    uint32_t c = in[i];
    if (c == 0) return LV_E_INVALID_ARG;
    if (c >= 0xD800 && c <= 0xDBFF) { /* a high surrogate wants its low one */
      if (i + 1 >= n || in[i + 1] < 0xDC00 || in[i + 1] > 0xDFFF) return LV_E_INVALID_ARG;
      c = 0x10000 + ((c - 0xD800) << 10) + (in[++i] - 0xDC00u);
    } else if (c >= 0xDC00 && c <= 0xDFFF) {
      return LV_E_INVALID_ARG;
    }
    uint8_t t[4];
    size_t k;
    if (c < 0x80) t[0] = (uint8_t)c, k = 1;
    else if (c < 0x800) t[0] = (uint8_t)(0xC0 | c >> 6), t[1] = (uint8_t)(0x80 | (c & 63)), k = 2;
    else if (c < 0x10000)
      t[0] = (uint8_t)(0xE0 | c >> 12), t[1] = (uint8_t)(0x80 | ((c >> 6) & 63)),
      t[2] = (uint8_t)(0x80 | (c & 63)), k = 3;
    else
      t[0] = (uint8_t)(0xF0 | c >> 18), t[1] = (uint8_t)(0x80 | ((c >> 12) & 63)),
      t[2] = (uint8_t)(0x80 | ((c >> 6) & 63)), t[3] = (uint8_t)(0x80 | (c & 63)), k = 4;
    if (cap - o < k + 1) return LV_E_TOO_LARGE;
    memcpy(out + o, t, k);
    o += k;
  }
  if (cap < o + 1) return LV_E_TOO_LARGE;
  out[o] = '\0';
  if (len) *len = o;
  return LV_OK;
}

lv_status lv__utf8_to_utf16(uint16_t *out, size_t cap, size_t *len, const char *in) {
  const uint8_t *s = (const uint8_t *)in;
  size_t o = 0, n = strlen(in);
  for (size_t i = 0; i < n;) {
    uint32_t c = s[i];
    size_t k = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (!k || n - i < k) return LV_E_INVALID_ARG;
    if (k > 1) c &= 0x3Fu >> (k - 1);
    for (size_t j = 1; j < k; j++) {
      if ((s[i + j] & 0xC0) != 0x80) return LV_E_INVALID_ARG;
      c = c << 6 | (s[i + j] & 63);
    }
    static const uint32_t minv[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (c < minv[k] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return LV_E_INVALID_ARG;
    i += k;
    size_t units = c >= 0x10000 ? 2 : 1;
    if (cap - o < units + 1) return LV_E_TOO_LARGE;
    if (units == 2) {
      out[o++] = (uint16_t)(0xD800 + ((c - 0x10000) >> 10));
      out[o++] = (uint16_t)(0xDC00 + ((c - 0x10000) & 0x3FF));
    } else {
      out[o++] = (uint16_t)c;
    }
  }
  if (cap < o + 1) return LV_E_TOO_LARGE;
  out[o] = 0;
  if (len) *len = o;
  return LV_OK;
}
