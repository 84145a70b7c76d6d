/* status.c - messages, names and the HRESULT map of lv_status.
 * All three are generated from LV_STATUS_TABLE so they cannot drift. */
#include "licvault/status.h"

#include <stddef.h>

struct row {
  lv_status code;
  uint32_t hr;
  const char *name;
  const char *msg;
};

static const struct row rows[] = {
#define LV__ROW(name, value, hr, msg) {name, hr, #name, msg},
    LV_STATUS_TABLE(LV__ROW)
#undef LV__ROW
};

#define NROWS (sizeof rows / sizeof rows[0])

static const struct row *find(lv_status st) {
  for (size_t i = 0; i < NROWS; i++)
    if (rows[i].code == st) return &rows[i];
  return NULL;
}

const char *lv_status_str(lv_status st) {
  const struct row *r = find(st);
  return r ? r->msg : "unknown error";
}

const char *lv_status_name(lv_status st) {
  const struct row *r = find(st);
  return r ? r->name : "LV_E_UNKNOWN";
}

uint32_t lv_status_to_hresult(lv_status st) {
  const struct row *r = find(st);
  return r ? r->hr : 0x8000FFFFu;
}

lv_status lv_status_from_hresult(uint32_t hr) {
  for (size_t i = 0; i < NROWS; i++)
    if (rows[i].hr == hr) return rows[i].code;
  return LV_E_INTERNAL;
}

lv_status lv_status_at(lv_status *out, unsigned idx) {
  if (!out) return LV_E_INVALID_ARG;
  if (idx >= NROWS) return LV_E_NOT_FOUND;
  *out = rows[idx].code;
  return LV_OK;
}
