/* timeutil.c - clock seam and strict ISO 8601 UTC parsing and formatting,
 * done by arithmetic so that neither the TZ variable nor locale matter. */
#include "core/timeutil.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#ifdef LV_FAULTS
static int64_t fake_now;
void lv__time_set_fake(int64_t t) { fake_now = t; }
#endif

int64_t lv__time_now(void) {
#ifdef LV_FAULTS
  if (fake_now) return fake_now;
#endif
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  unsigned yoe = (unsigned)(y - era * 400);
  unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (int64_t)doe - 719468;
}

static bool digits(const char *s, int n, int *out) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

static int mdays(int y, int m) {
  static const int md[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return md[m - 1] + (m == 2 && leap);
}

lv_status lv__time_parse(int64_t *out, const char *s) {
  int y, mo, d, h = 0, mi = 0, se = 0;
  size_t n = strlen(s);
  if (n < 10 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
      s[7] != '-' || !digits(s + 8, 2, &d))
    return LV_E_INVALID_ARG;
  if (n == 10) goto ok;
  if ((n != 17 && n != 20) || s[10] != 'T' || !digits(s + 11, 2, &h) ||
      s[13] != ':' || !digits(s + 14, 2, &mi))
    return LV_E_INVALID_ARG;
  if (n == 20 && (s[16] != ':' || !digits(s + 17, 2, &se))) return LV_E_INVALID_ARG;
  if (s[n - 1] != 'Z') return LV_E_INVALID_ARG;
ok:
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays(y, mo) || h > 23 ||
      mi > 59 || se > 59)
    return LV_E_INVALID_ARG;
  *out = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 +
         mi * 60 + se;
  return LV_OK;
}

void lv__time_format(char out[LV__TIME_STRLEN], int64_t t) {
  int64_t z = (t >= 0 ? t : t - 86399) / 86400;
  int64_t secs = t - z * 86400;
  /* civil_from_days (H. Hinnant's algorithm) */
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  unsigned doe = (unsigned)(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = (int64_t)yoe + era * 400;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  unsigned d = doy - (153 * mp + 2) / 5 + 1;
  unsigned m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  unsigned yy = (unsigned)(y % 10000), hh = (unsigned)(secs / 3600) % 24,
           mi = (unsigned)(secs / 60 % 60), ss = (unsigned)(secs % 60);
  snprintf(out, LV__TIME_STRLEN, "%04u-%02u-%02uT%02u:%02u:%02uZ", yy % 10000u,
           m % 13u, d % 32u, hh, mi, ss);
}
