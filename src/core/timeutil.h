/* timeutil.h - the clock seam and ISO 8601 (UTC) dates.
 * Times are int64 seconds since 1970-01-01T00:00:00Z throughout licvault. */
#ifndef LV_CORE_TIMEUTIL_H
#define LV_CORE_TIMEUTIL_H

#include <stdint.h>

#include "licvault/status.h"

/* Wall-clock now. Test builds (LV_FAULTS) may override it with
 * lv__time_set_fake; shipped builds always read the system clock. */
int64_t lv__time_now(void);
#ifdef LV_FAULTS
void lv__time_set_fake(int64_t t); /* 0 = back to the real clock */
#endif

/* Parses "YYYY-MM-DD", "YYYY-MM-DDTHH:MMZ" or "YYYY-MM-DDTHH:MM:SSZ"
 * (UTC only; years 1970-9999). LV_E_INVALID_ARG otherwise. */
lv_status lv__time_parse(int64_t *out, const char *s);

#define LV__TIME_STRLEN 21 /* "YYYY-MM-DDTHH:MM:SSZ" + NUL */
/* Formats t as "YYYY-MM-DDTHH:MM:SSZ". */
void lv__time_format(char out[LV__TIME_STRLEN], int64_t t);

#endif
