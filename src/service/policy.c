/* policy.c - the restore policy of docs/protocol.md as a pure function of
 * what a backend counted, so SQLite and PostgreSQL decide alike. */
#include <string.h>

#include "service/svc_db.h"

void lv__license_key(uint8_t out[LV__HASH], const lv__item *it) {
  lv__hash(out, &it->ref, sizeof it->ref);
}

int64_t lv__policy_since(const lv__decide *d) {
  return d->period_days ? d->now - (int64_t)d->period_days * 86400 : INT64_MIN;
}

bool lv__policy_decide(const lv__decide *d, const lv__item *it, int64_t held, bool mine,
                       lv__result *r) {
  int64_t cnt = held + 1; /* the computer it was issued to always counts */
  memcpy(r->lid, it->ref.lid, LV_LID_LEN);
  /* that computer, or one granted before: free again, even once its grant
   * has left the window (the window only limits new computers) */
  mine |= !memcmp(d->me, it->ref.machine_id, LV__MACHINE_ID);
  if (mine) {
    r->outcome = LV__OUT_ALREADY;
    r->left = cnt < d->max_computers ? (uint32_t)(d->max_computers - cnt) : 0;
    return false;
  }
  if (cnt >= d->max_computers) {
    r->outcome = LV__OUT_LIMIT;
    r->left = 0;
    return false;
  }
  r->outcome = LV__OUT_RESTORE;
  r->left = (uint32_t)(d->max_computers - cnt - 1);
  return !d->dry_run;
}
