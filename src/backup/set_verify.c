/* set_verify.c - `licvault verify`: checks a set with neither the service
 * nor the source computer: the manifest (structure, signature), then every
 * byte of every part against the manifest's sizes and hashes, then that no
 * file claims to belong to the set without being listed. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "backup/backup.h"
#include "core/alloc.h"
#include "core/encoding.h"
#include "core/file.h"

typedef struct vctx {
  lv_verify_cb report;
  void *ctx;
  uint64_t problems;
} vctx;

static void problem(vctx *v, const char *file, const char *what, lv_status why) {
  v->problems++;
  if (v->report) v->report(file, what, why, v->ctx);
}

static void fill_info(lv_backup_info *info, const lv__manifest *m) {
  memset(info, 0, sizeof *info);
  info->version = m->version;
  info->generation = m->generation;
  info->created = m->created;
  lv__hex_encode(info->machine_id, m->machine_id, LV__MACHINE_ID);
  memcpy(info->service_url, m->service_url, sizeof info->service_url);
  lv__hex_encode(info->service_key, m->service_id, LV__KEYID);
  info->licenses = m->licenses;
  info->issuers = m->nissuers;
  info->parts = m->nparts;
  for (uint32_t i = 0; i < m->nparts; i++) info->bytes += m->parts[i].size;
}

static void check_part(vctx *v, const char *dir, const lv__part *pt, uint32_t version) {
  char *path = lv__path_join(dir, pt->name);
  FILE *f = path ? fopen(path, "rbe") : NULL;
  uint8_t buf[65536], h[LV__HASH];
  uint64_t n = 0;
  lv__digest st;
  free(path);
  if (!f) {
    problem(v, pt->name, errno == ENOENT ? "missing" : "cannot be read",
            errno == ENOENT ? LV_E_NO_FILE : lv__errno_status(errno));
    return;
  }
  lv_status rc = lv__digest_init(&st, lv__set_digest_alg(version));
  if (rc < 0) {
    fclose(f);
    problem(v, pt->name, "cannot be checked", rc);
    return;
  }
  size_t r;
  while (rc == LV_OK && (r = fread(buf, 1, sizeof buf, f)) > 0) {
    rc = lv__digest_update(&st, buf, r);
    n += r;
  }
  bool err = ferror(f);
  fclose(f);
  if (rc == LV_OK) rc = lv__digest_final(&st, h);
  else lv__digest_free(&st);
  if (rc < 0) problem(v, pt->name, "cannot be checked", rc);
  else if (err) problem(v, pt->name, "cannot be read", LV_E_IO);
  else if (n < pt->size) problem(v, pt->name, "truncated", LV_E_BACKUP_CORRUPT);
  else if (n > pt->size) problem(v, pt->name, "longer than recorded", LV_E_BACKUP_CORRUPT);
  else if (lv__memcmp_ct(h, pt->hash, LV__HASH)) problem(v, pt->name, "altered", LV_E_BACKUP_CORRUPT);
}

/* Files that look like set files of this generation but are not listed.
 * Files of other generations are leftovers of an interrupted backup (the
 * next backup removes them) and are not part of the set. */
static void check_extras(vctx *v, const char *dir, const lv__manifest *m) {
  char prefix[5];
  DIR *d = opendir(dir);
  struct dirent *e;
  snprintf(prefix, sizeof prefix, "LV%02X", m->generation);
  while (d && (e = readdir(d))) {
    const char *n = e->d_name;
    /* only names shaped like this generation's parts: LVggpppp.DAT */
    if (strlen(n) != 12 || strncmp(n, prefix, 4) || strcmp(n + 8, ".DAT") ||
        strspn(n + 4, "0123456789ABCDEF") < 4)
      continue;
    bool listed = false;
    for (uint32_t i = 0; i < m->nparts && !listed; i++) listed = !strcmp(n, m->parts[i].name);
    if (!listed) problem(v, n, "extra file: not part of this set", LV_E_BACKUP_CORRUPT);
  }
  if (d) closedir(d);
}

lv_status lv_backup_verify(const char *dir, lv_backup_info *info, lv_verify_cb report, void *ctx) {
  lv__manifest m;
  vctx v = {report, ctx, 0};
  if (!dir) return LV_E_INVALID_ARG;
  if (lv__crypto_init() < 0) return LV_E_INTERNAL;
  if (info) memset(info, 0, sizeof *info);
  lv_status rc = lv__manifest_load(&m, dir);
  if (rc == LV_E_NO_FILE) return LV_E_NO_FILE;
  if (rc == LV_E_LICENSE_VERSION) {
    problem(&v, LV__MAN_NAME, "written by a newer licvault (unknown version)", rc);
    return rc;
  }
  if (rc < 0) {
    problem(&v, LV__MAN_NAME, rc == LV_E_BACKUP_CORRUPT ? "damaged or not signed by its computer"
                                                        : "cannot be read",
            rc);
    return rc == LV_E_NOMEM || rc == LV_E_IO ? rc : LV_E_BACKUP_CORRUPT;
  }
  if (info) fill_info(info, &m);
  for (uint32_t i = 0; i < m.nparts; i++) check_part(&v, dir, &m.parts[i], m.version);
  check_extras(&v, dir, &m);
  lv__manifest_free(&m);
  return v.problems ? LV_E_BACKUP_CORRUPT : LV_OK;
}

lv_status lv_backup_info_read(const char *dir, lv_backup_info *info) {
  lv__manifest m;
  if (!dir || !info) return LV_E_INVALID_ARG;
  if (lv__crypto_init() < 0) return LV_E_INTERNAL;
  memset(info, 0, sizeof *info);
  lv_status rc = lv__manifest_load(&m, dir);
  if (rc < 0) return rc;
  fill_info(info, &m);
  lv__manifest_free(&m);
  return LV_OK;
}
