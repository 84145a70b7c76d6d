/* rights.c - evaluation of the play right: dates, counts, expiry after
 * first use, clock rollback. A pure function of rights, state and time, so
 * the store stays a thin transaction around it and tests need no clock. */
#include "license/license.h"

/* How far back the clock may go (NTP steps, DST-free UTC jitter) before it
 * counts as set back. */
#define ROLLBACK_SLACK 300

lv_status lv__rights_use(const lv_rights *r, uint32_t *plays, int64_t *first_use,
                         int64_t now, int64_t clock_high, bool *delete_it) {
  *delete_it = false;
  if (!(r->flags & LV_RIGHT_PLAY)) return LV_E_NO_RIGHTS;
  /* WMRM: rollback reactions apply only to licenses with an expiry date */
  if (r->expiration_date && clock_high && now < clock_high - ROLLBACK_SLACK) {
    if (r->flags & LV_RIGHT_DELETE_ON_ROLLBACK) {
      *delete_it = true;
      return LV_E_CLOCK_ROLLBACK;
    }
    if (r->flags & LV_RIGHT_DISABLE_ON_ROLLBACK) return LV_E_CLOCK_ROLLBACK;
  }
  if (r->min_app_security > LV_APP_SECURITY) return LV_E_APPSEC_LOW;
  if (r->begin_date && now < r->begin_date) return LV_E_NOT_ENABLED;
  if (r->expiration_date && now >= r->expiration_date) return LV_E_EXPIRED;
  /* hours * 3600 fits easily; compare by subtraction so no sum overflows */
  if (r->expire_after_first_use && *first_use &&
      now - *first_use >= (int64_t)r->expire_after_first_use * 3600)
    return LV_E_EXPIRED;
  if (r->playcount && *plays >= r->playcount) return LV_E_NO_RIGHTS;
  if (*plays < UINT32_MAX) (*plays)++;
  if (!*first_use) *first_use = now;
  return LV_OK;
}
