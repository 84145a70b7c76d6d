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

/* Each alphabet character's 6-bit value; every other byte is 0, like 'A',
 * and b64_is tells them apart. Padding is not in it: it is accepted only
 * where it belongs. A table, not a chain of ranges: a restore decodes
 * megabytes of packed items per second on both sides. */
static const uint8_t b64val[256] = {
    ['A'] = 0,  ['B'] = 1,  ['C'] = 2,  ['D'] = 3,  ['E'] = 4,  ['F'] = 5,  ['G'] = 6,
    ['H'] = 7,  ['I'] = 8,  ['J'] = 9,  ['K'] = 10, ['L'] = 11, ['M'] = 12, ['N'] = 13,
    ['O'] = 14, ['P'] = 15, ['Q'] = 16, ['R'] = 17, ['S'] = 18, ['T'] = 19, ['U'] = 20,
    ['V'] = 21, ['W'] = 22, ['X'] = 23, ['Y'] = 24, ['Z'] = 25, ['a'] = 26, ['b'] = 27,
    ['c'] = 28, ['d'] = 29, ['e'] = 30, ['f'] = 31, ['g'] = 32, ['h'] = 33, ['i'] = 34,
    ['j'] = 35, ['k'] = 36, ['l'] = 37, ['m'] = 38, ['n'] = 39, ['o'] = 40, ['p'] = 41,
    ['q'] = 42, ['r'] = 43, ['s'] = 44, ['t'] = 45, ['u'] = 46, ['v'] = 47, ['w'] = 48,
    ['x'] = 49, ['y'] = 50, ['z'] = 51, ['0'] = 52, ['1'] = 53, ['2'] = 54, ['3'] = 55,
    ['4'] = 56, ['5'] = 57, ['6'] = 58, ['7'] = 59, ['8'] = 60, ['9'] = 61, ['+'] = 62,
    ['/'] = 63};

/* 1 or 0, an int so that four of them combine with one & (no branches) */
static unsigned b64_is(unsigned char c) { return b64val[c] != 0 || c == 'A'; }

lv_status lv__b64_decode(uint8_t *out, size_t outlen, const char *in, size_t inlen) {
  if (inlen != LV__B64_LEN(outlen)) return LV_E_INVALID_ARG;
  if (!inlen) return LV_OK;
  const unsigned char *s = (const unsigned char *)in;
  size_t full = outlen / 3; /* quads of four data characters */
  /* the whole quads: no padding, every character in the alphabet; the
   * check is folded into one test per quad */
  for (size_t q = 0; q < full; q++, s += 4, out += 3) {
    if (!(b64_is(s[0]) & b64_is(s[1]) & b64_is(s[2]) & b64_is(s[3]))) return LV_E_INVALID_ARG;
    uint32_t v = (uint32_t)b64val[s[0]] << 18 | (uint32_t)b64val[s[1]] << 12 |
                 (uint32_t)b64val[s[2]] << 6 | b64val[s[3]];
    out[0] = (uint8_t)(v >> 16), out[1] = (uint8_t)(v >> 8), out[2] = (uint8_t)v;
  }
  /* bytes left over: 1 is two characters and "==", 2 is three and "=" */
  size_t rest = outlen % 3;
  if (!rest) return LV_OK;
  if (!b64_is(s[0]) || !b64_is(s[1]) || s[3] != '=' || (rest == 1 ? s[2] != '=' : !b64_is(s[2])))
    return LV_E_INVALID_ARG;
  uint32_t v = (uint32_t)b64val[s[0]] << 18 | (uint32_t)b64val[s[1]] << 12 |
               (rest == 2 ? (uint32_t)b64val[s[2]] << 6 : 0);
  /* canonical: the bits under the padding are zero */
  if (rest == 1 ? (v & 0xffff) : (v & 0xff)) return LV_E_INVALID_ARG;
  out[0] = (uint8_t)(v >> 16);
  if (rest == 2) out[1] = (uint8_t)(v >> 8);
  return LV_OK;
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
