/* fixture.h - a computer with a store, an issuer it trusts and a pinned
 * License Management Service key, in a scratch folder; and licenses issued
 * to it. For the backup, restorer and later tests. Strings are owned by the
 * fixture (fx_free). */
#ifndef LV_FIXTURE_H
#define LV_FIXTURE_H

#include <stdbool.h>

#include "licvault/licvault.h"

typedef struct fx {
  char *dir, *store, *machine, *iss_key, *iss_pub, *svc_key, *svc_pub, *id;
  lv_store *s;
} fx;

/* service: pin a service (generated into dir/svc) or not. */
void fx_init(fx *f, const char *tag, bool service);
void fx_free(fx *f);
/* Issues n licenses (random KIDs unless kid) with rights r (NULL: play and
 * backup allowed) titled title, into dir/name, and imports them. */
void fx_issue(fx *f, const char *name, unsigned n, const char *kid, const char *title,
              const lv_rights *r);
/* dir joined with a name (free()). */
char *fx_path(const fx *f, const char *name);
/* Runs a backup (restore false) or a restore with flags on a new
 * lv_restorer given the properties props (name, value, ..., NULL), waits
 * for it and returns the call's own refusal or END's final code. */
lv_status fx_run(bool restore, uint32_t flags, const char *const *props);

#endif
