/* invariants.c - see invariants.h. */
#include "invariants.h"

#include <dirent.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool no(char why[INV_WHY], const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, INV_WHY, fmt, ap);
  va_end(ap);
  return false;
}

typedef struct listing {
  inv_snap *s;
  size_t cap;
  bool nomem;
} listing;

static int add_one(const lv_license_info *info, void *ctx) {
  listing *l = ctx;
  if (l->s->n == l->cap) {
    size_t cap = l->cap ? 2 * l->cap : 64;
    inv_lic *v = realloc(l->s->v, cap * sizeof *v);
    if (!v) {
      l->nomem = true;
      return 1;
    }
    l->s->v = v, l->cap = cap;
  }
  inv_lic *x = &l->s->v[l->s->n++];
  memset(x, 0, sizeof *x);
  memcpy(x->lid, info->lid, sizeof x->lid);
  memcpy(x->kid, info->kid, sizeof x->kid);
  x->plays_used = info->plays_used;
  x->first_use = info->first_use;
  /* the rest, field by field: the struct has padding */
  crypto_generichash_state st;
  crypto_generichash_init(&st, NULL, 0, sizeof x->digest);
  crypto_generichash_update(&st, (const uint8_t *)info->issuer, strlen(info->issuer));
  crypto_generichash_update(&st, (const uint8_t *)&info->issued_at, sizeof info->issued_at);
  const lv_rights *r = &info->rights;
  uint64_t rv[] = {r->flags,         r->playcount,         (uint64_t)r->begin_date,
                   (uint64_t)r->expiration_date, r->expire_after_first_use, r->burn_to_cd_count,
                   r->transfer_count, r->min_app_security};
  crypto_generichash_update(&st, (const uint8_t *)rv, sizeof rv);
  crypto_generichash_update(&st, (const uint8_t *)info->title, strlen(info->title) + 1);
  crypto_generichash_final(&st, x->digest, sizeof x->digest);
  return 0;
}

static int by_lid(const void *a, const void *b) {
  return strcmp(((const inv_lic *)a)->lid, ((const inv_lic *)b)->lid);
}

typedef struct problems {
  char *why;
  unsigned n;
} problems;

static void on_problem(const char *what, const char *kid, lv_status rc, void *ctx) {
  problems *p = ctx;
  if (p->n++ == 0)
    snprintf(p->why, INV_WHY, "check: %s (kid %s): %s", what, kid ? kid : "-", lv_status_str(rc));
}

bool inv_store_snap(inv_snap *out, const char *store, const char *machine, char why[INV_WHY]) {
  memset(out, 0, sizeof *out);
  lv_store *s;
  lv_status rc = lv_store_open(&s, store, machine);
  if (rc != LV_OK) return no(why, "store does not open: %s", lv_status_str(rc));
  problems p = {why, 0};
  uint64_t count = 0;
  rc = lv_store_check(s, on_problem, &p, &count);
  if (rc != LV_OK || count) {
    lv_store_free(s);
    if (rc != LV_OK) return no(why, "check did not run: %s", lv_status_str(rc));
    return false; /* why holds the first problem */
  }
  listing l = {out, 0, false};
  rc = lv_store_list(s, NULL, add_one, &l);
  lv_store_free(s);
  if (rc != LV_OK || l.nomem) {
    inv_snap_free(out);
    return no(why, "list failed: %s", l.nomem ? "out of memory" : lv_status_str(rc));
  }
  if (out->n > 1) qsort(out->v, out->n, sizeof *out->v, by_lid); /* v is NULL when empty */
  for (size_t i = 1; i < out->n; i++)
    if (!strcmp(out->v[i - 1].lid, out->v[i].lid))
      return inv_snap_free(out), no(why, "license %s stored twice", out->v[i].lid);
  return true;
}

void inv_snap_free(inv_snap *s) {
  free(s->v);
  s->v = NULL;
  s->n = 0;
}

static bool lic_equal(const inv_lic *a, const inv_lic *b) {
  return !strcmp(a->lid, b->lid) && !strcmp(a->kid, b->kid) && a->plays_used == b->plays_used &&
         a->first_use == b->first_use && !memcmp(a->digest, b->digest, sizeof a->digest);
}

bool inv_snap_equal(const inv_snap *a, const inv_snap *b) {
  if (a->n != b->n) return false;
  for (size_t i = 0; i < a->n; i++)
    if (!lic_equal(&a->v[i], &b->v[i])) return false;
  return true;
}

static const inv_lic *find(const inv_snap *s, const char *lid) {
  inv_lic key;
  snprintf(key.lid, sizeof key.lid, "%s", lid);
  return s->n ? bsearch(&key, s->v, s->n, sizeof *s->v, by_lid) : NULL;
}

bool inv_plays_monotonic(const inv_snap *before, const inv_snap *after, uint32_t max_step,
                         char why[INV_WHY]) {
  for (size_t i = 0; i < after->n; i++) {
    const inv_lic *a = &after->v[i], *b = find(before, a->lid);
    if (!b) continue;
    if (strcmp(a->kid, b->kid) || memcmp(a->digest, b->digest, sizeof a->digest))
      return no(why, "license %s changed beyond its state", a->lid);
    if (a->plays_used < b->plays_used)
      return no(why, "license %s: plays used went down %u -> %u", a->lid, b->plays_used,
                a->plays_used);
    if (a->plays_used - b->plays_used > max_step)
      return no(why, "license %s: plays used jumped %u -> %u", a->lid, b->plays_used,
                a->plays_used);
    if (b->first_use && a->first_use != b->first_use)
      return no(why, "license %s: first use moved", a->lid);
  }
  return true;
}

bool inv_store_one_of(const inv_snap *after, const inv_snap *before, const inv_snap *want,
                      uint32_t max_step, int *which, char why[INV_WHY]) {
  if (!inv_plays_monotonic(before, after, max_step, why)) return false;
  if (inv_snap_equal(after, before)) {
    if (which) *which = 0;
    return true;
  }
  if (want && inv_snap_equal(after, want)) {
    if (which) *which = 1;
    return true;
  }
  /* name the first difference from the expected outcome */
  const inv_snap *ref = want ? want : before;
  for (size_t i = 0; i < after->n; i++) {
    const inv_lic *r = find(ref, after->v[i].lid);
    if (!r) return no(why, "license %s present, in neither state", after->v[i].lid);
    if (!lic_equal(r, &after->v[i]))
      return no(why, "license %s half-changed (plays %u, expected %u)", r->lid,
                after->v[i].plays_used, r->plays_used);
  }
  return no(why, "store is a mix: %zu licenses, before %zu, after %zu", after->n, before->n,
            want ? want->n : before->n);
}

bool inv_set_of(const char *dir, inv_set *out) {
  lv_backup_info bi;
  if (lv_backup_verify(dir, &bi, NULL, NULL) != LV_OK) return false;
  out->created = bi.created;
  out->licenses = bi.licenses;
  return true;
}

static bool same_set(const inv_set *a, const inv_set *b) {
  return b && a->created == b->created && a->licenses == b->licenses;
}

bool inv_backup_one_of(const char *dir, const inv_set *old, const inv_set *new_set, bool none_ok,
                       char why[INV_WHY]) {
  lv_backup_info bi;
  lv_status rc = lv_backup_verify(dir, &bi, NULL, NULL);
  if (rc == LV_E_NO_FILE) {
    /* part files of an interrupted first backup may be left (a process
     * killed on FAT cannot hide them): they are no set, and the next
     * backup removes them (checked by the callers) */
    return none_ok ? true : no(why, "no backup set in %s", dir);
  }
  if (rc != LV_OK) return no(why, "backup set does not verify: %s", lv_status_str(rc));
  inv_set got = {bi.created, bi.licenses};
  if ((!old && !new_set) || same_set(&got, old) || same_set(&got, new_set)) return true;
  return no(why, "backup set (created %lld, %llu licenses) is neither the old nor the new one",
            (long long)got.created, (unsigned long long)got.licenses);
}

bool inv_service_limits(const char *db, unsigned max_computers, uint64_t *grants,
                        char why[INV_WHY]) {
  sqlite3 *h;
  if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
    sqlite3_close(h);
    return no(why, "service database %s does not open", db);
  }
  sqlite3_busy_timeout(h, 10000);
  sqlite3_stmt *q = NULL;
  bool ok = true;
  /* N computers per license counting the original one: N-1 others */
  if (sqlite3_prepare_v2(h,
                         "SELECT hex(lid), count(DISTINCT machine) FROM grants "
                         "GROUP BY lid ORDER BY 2 DESC LIMIT 1",
                         -1, &q, NULL) != SQLITE_OK) {
    ok = no(why, "service database: %s", sqlite3_errmsg(h));
  } else if (sqlite3_step(q) == SQLITE_ROW &&
             (unsigned)sqlite3_column_int64(q, 1) + 1 > max_computers) {
    ok = no(why, "license %s is on %lld computers, limit %u", sqlite3_column_text(q, 0),
            (long long)sqlite3_column_int64(q, 1) + 1, max_computers);
  }
  sqlite3_finalize(q);
  if (ok && grants) {
    *grants = 0;
    if (sqlite3_prepare_v2(h, "SELECT count(*) FROM (SELECT DISTINCT lid, machine FROM grants)", -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
      *grants = (uint64_t)sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
  }
  sqlite3_close(h);
  return ok;
}
