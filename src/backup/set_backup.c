/* set_backup.c - the backup job: every license that allows backup, with its
 * state, locked to the License Management Service, written as a new set
 * that replaces the old one only when complete (the manifest's rename).
 * Streams three rotating batches: read from the store, re-lock (on the
 * cores the writer's stages leave), encrypt, hash and write; memory is
 * flat in the number of licenses. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "backup/backup.h"
#include "core/alloc.h"
#include "core/encoding.h"
#include "core/file.h"
#include "core/parallel.h"
#include "core/timeutil.h"
#include "store/store.h"

/* A batch is one of the writer's groups: its entries are built in place. */
#define BATCH LV__SET_GROUP_ENTRIES

/* What re-locking a license needs; its entry is already in the batch. */
typedef struct slot {
  uint8_t lid[LV_LID_LEN];
  lv__lic_ref ref;
  uint8_t sealed[LV__CKEY + LV__AEAD_OVERHEAD]; /* content key under the store key */
  lv_status rc;
} slot;

typedef struct batch {
  slot *s;
  uint8_t *entries; /* the writer's (lv__set_writer_take), until put; else NULL */
  size_t n;
} batch;

typedef struct job {
  lv_store *st;
  const lv__backup_hooks *h;
  uint8_t *secret; /* S, guarded memory */
  lv__kdf_many *pads; /* the licenses' pads, from S */
  sqlite3_stmt *rows;
  bool rows_done;
  uint64_t seen, total, written, restricted;
  uint8_t (*issuers)[LV__KEYID];
  unsigned nissuers;
} job;

lv_status lv__backup_present(const char *dir) {
  char *path = lv__path_join(dir, LV__MAN_NAME);
  struct stat st;
  if (!path) return LV_E_NOMEM;
  int r = stat(path, &st);
  free(path);
  return r == 0 ? LV_OK : LV_E_NO_FILE;
}

static bool canceled(const job *j) { return j->h && j->h->cancel && atomic_load(j->h->cancel); }

/* Worker: content key out of the store key, XOR the license's pad, into
 * the entry that fill encoded. */
static void relock_one(void *ctx, size_t i) {
  job *j = ((void **)ctx)[0];
  batch *b = ((void **)ctx)[1];
  slot *sl = &b->s[i];
  uint8_t ckey[LV__CKEY], pad[32];
  uint8_t *locked = b->entries + i * LV__ENTRY + LV__ENTRY_LOCKED;
  sl->rc = lv__store_open_ckey(j->st, ckey, sl->sealed, sizeof sl->sealed, sl->lid);
  lv__set_pad(j->pads, pad, &sl->ref);
  for (int k = 0; k < 32; k++) locked[k] = pad[k] ^ ckey[k];
  lv__memzero(ckey, sizeof ckey);
  lv__memzero(pad, sizeof pad);
}

static lv_status note_issuer(job *j, const uint8_t id[LV__KEYID]) {
  for (unsigned i = 0; i < j->nissuers; i++)
    if (!memcmp(j->issuers[i], id, LV__KEYID)) return LV_OK;
  if (j->nissuers == LV__MAN_MAX_ISSUERS) return LV_E_TOO_LARGE;
  memcpy(j->issuers[j->nissuers++], id, LV__KEYID);
  return LV_OK;
}

/* Reads the next rows into b (a full batch unless the rows end);
 * restricted licenses are reported, not kept. */
static lv_status fill(job *j, lv__set_writer *w, batch *b) {
  lv__license l;
  b->n = 0;
  if (!(b->entries = lv__set_writer_take(w))) return LV_E_INTERNAL; /* after a failure */
  while (b->n < BATCH && !j->rows_done) {
    int src = sqlite3_step(j->rows);
    if (src == SQLITE_DONE) {
      j->rows_done = true;
      break;
    }
    if (src != SQLITE_ROW) return lv__sqlite_status(src);
    j->seen++;
    const uint8_t *body = sqlite3_column_blob(j->rows, 1);
    size_t len = (size_t)sqlite3_column_bytes(j->rows, 1);
    if (lv__license_decode(&l, body, len) < 0 || sqlite3_column_bytes(j->rows, 2) != 72)
      return LV_E_STORE_CORRUPT;
    if (!(l.rights.flags & LV_RIGHT_BACKUP_RESTORE)) {
      char kid[LV_KID_STRLEN];
      lv__b64_encode(kid, l.kid, LV_KID_LEN);
      j->restricted++;
      if (j->h && j->h->restricted) j->h->restricted(j->h->ctx, kid, l.title_len ? l.title : NULL);
      continue;
    }
    lv_status rc = note_issuer(j, l.issuer_id);
    if (rc < 0) return rc;
    static const uint8_t no_key[32];
    lv__entry_encode(b->entries + b->n * LV__ENTRY, body, len,
                     (uint32_t)sqlite3_column_int64(j->rows, 3), sqlite3_column_int64(j->rows, 4),
                     no_key);
    slot *sl = &b->s[b->n++];
    memcpy(sl->lid, l.lid, LV_LID_LEN);
    lv__lic_ref_of(&sl->ref, &l);
    memcpy(sl->sealed, sqlite3_column_blob(j->rows, 2), sizeof sl->sealed);
  }
  return LV_OK;
}

/* Hands a batch's entries to the writer (a batch never filled: nothing). */
static lv_status drain(job *j, lv__set_writer *w, batch *b) {
  if (!b->entries) return LV_OK;
  lv_status rc = LV_OK;
  for (size_t i = 0; i < b->n && rc == LV_OK; i++)
    if (b->s[i].rc < 0) rc = LV_E_STORE_CORRUPT; /* a content key did not open */
  if (rc == LV_OK) rc = lv__set_writer_put(w, b->entries, b->n);
  b->entries = NULL;
  if (rc == LV_OK) j->written += b->n;
  return rc;
}

/* While the cores re-lock one batch, this thread hands the previous one to
 * the writer and reads the next. The writer's buffers go back in the order
 * taken, every batch full but the last: after a short one, no more. */
static lv_status stream(job *j, lv__set_writer *w, batch bufs[3]) {
  lv__pool *pool;
  batch *ver = &bufs[0], *wr = &bufs[1], *rd = &bufs[2];
  void *ctx[2] = {j, NULL};
  /* Re-locking is spread over the cores the writer's stages leave: those
   * (encrypt, hash) keep about one core busy, this thread another. On two
   * cores, more threads only queue for them: measured on 1M licenses, two
   * pool threads took 4-7% longer than none. */
  unsigned ncpu = lv__par_threads();
  lv_status rc = lv__pool_start(&pool, ncpu > 2 ? ncpu - 2 : 0);
  if (rc == LV_OK) rc = fill(j, w, ver);
  while (rc == LV_OK && ver->entries) {
    ctx[1] = ver;
    lv__pool_run(pool, ver->n, relock_one, ctx);
    rc = drain(j, w, wr);
    lv_status frc = rc == LV_OK && ver->n == BATCH ? fill(j, w, rd) : LV_OK;
    lv__pool_join(pool);
    if (rc == LV_OK) rc = frc;
    if (rc == LV_OK && canceled(j)) rc = LV_E_CANCELED;
    if (rc == LV_OK && j->h && j->h->progress) j->h->progress(j->h->ctx, j->seen, j->total);
    batch *t = wr;
    wr = ver;
    ver = rd;
    rd = t;
  }
  if (rc == LV_OK) rc = drain(j, w, wr);
  lv__pool_stop(pool);
  return rc;
}

static int cmp_id(const void *a, const void *b) { return memcmp(a, b, LV__KEYID); }

static lv_status build_manifest(job *j, lv__manifest *m) {
  lv_status rc;
  qsort(j->issuers, j->nissuers, LV__KEYID, cmp_id); /* canonical order */
  m->issuers = lv__calloc(j->nissuers ? j->nissuers : 1, sizeof *m->issuers);
  if (!m->issuers) return LV_E_NOMEM;
  for (unsigned i = 0; i < j->nissuers; i++) {
    memcpy(m->issuers[i].id, j->issuers[i], LV__KEYID);
    if ((rc = lv__store_issuer_pk(j->st, j->issuers[i], m->issuers[i].pk)) < 0) return rc;
  }
  m->nissuers = j->nissuers;
  m->licenses = j->written;
  m->created = lv__time_now();
  memcpy(m->machine_id, j->st->machine_id, LV__MACHINE_ID);
  memcpy(m->machine_sign_pk, j->st->sign_pk, LV__SIGN_PK);
  return LV_OK;
}

static lv_status service_keys(lv_store *s, lv__manifest *m) {
  lv_status rc = lv__meta_get_str(s->db, "service_url", m->service_url, sizeof m->service_url);
  if (rc == LV_OK) rc = lv__meta_get(s->db, "service_id", m->service_id, LV__KEYID);
  if (rc == LV_OK) rc = lv__meta_get(s->db, "service_sign_pk", m->service_sign_pk, LV__SIGN_PK);
  if (rc == LV_OK) rc = lv__meta_get(s->db, "service_box_pk", m->service_box_pk, LV__BOX_PK);
  return rc == LV_E_NOT_FOUND ? LV_E_NO_SERVICE : rc;
}

/* The generation of a set file's name (LVggpppp.DAT or .TMP), or -1. */
static int name_gen(const char *n) {
  static const char hx[] = "0123456789ABCDEF";
  if (strlen(n) != 12 || memcmp(n, "LV", 2) || (strcmp(n + 8, ".DAT") && strcmp(n + 8, ".TMP")))
    return -1;
  int g = 0;
  for (int i = 2; i < 8; i++) {
    const char *p = memchr(hx, n[i], 16);
    if (!p || !n[i]) return -1;
    if (i < 4) g = g * 16 + (int)(p - hx);
  }
  return g;
}

/* Removes set files of generation gen (all but keep when gen < 0). */
static void remove_gen(const char *dir, int gen, int keep) {
  DIR *d = opendir(dir);
  struct dirent *e;
  while (d && (e = readdir(d))) {
    int g = name_gen(e->d_name);
    if (g < 0 || (gen >= 0 && g != gen) || (gen < 0 && g == keep)) continue;
    char *p = lv__path_join(dir, e->d_name);
    if (p) unlink(p);
    free(p);
  }
  if (d) closedir(d);
  lv__fsync_dir(dir);
}

/* The next generation: after the old set's, else one no file uses. */
static uint32_t pick_gen(const char *dir, const lv__manifest *old, bool have_old) {
  bool used[256] = {false};
  DIR *d = opendir(dir);
  struct dirent *e;
  while (d && (e = readdir(d))) {
    int g = name_gen(e->d_name);
    if (g >= 0) used[g] = true;
  }
  if (d) closedir(d);
  if (have_old) return old->generation % 255 + 1; /* its files are junk: not named */
  for (uint32_t g = 1; g < 256; g++)
    if (!used[g]) return g;
  return 1;
}

static lv_status write_manifest(job *j, const char *dir, lv__manifest *m, bool *in_place) {
  lv__buf b;
  lv__afile *f = NULL;
  lv__buf_init(&b, LV__MAN_MAX);
  char *path = lv__path_join(dir, LV__MAN_NAME), *tmp = lv__path_join(dir, "LVBACKUP.TMP");
  lv_status rc = path && tmp ? lv__manifest_format(&b, m, j->st->sec->sign_sk) : LV_E_NOMEM;
  if (rc == LV_OK) rc = lv__afile_open_tmp(&f, path, tmp, 0644);
  if (rc == LV_OK) rc = lv__afile_write(f, b.data, b.len);
  /* the last moment a cancel can take effect: after the rename, the new
   * set is the backup */
  if (rc == LV_OK && canceled(j)) rc = LV_E_CANCELED;
  if (rc == LV_OK) {
    rc = lv__afile_commit_ex(f, in_place);
    f = NULL;
  }
  lv__afile_abort(f);
  free(path);
  free(tmp);
  lv__buf_free(&b);
  return rc;
}

/* One backup at a time per folder, across processes and objects: an
 * advisory lock on the folder itself, so the set gains no file. */
static lv_status lock_dir(const char *dir, int *fd) {
  *fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (*fd < 0) return lv__errno_status(errno);
  if (flock(*fd, LOCK_EX | LOCK_NB) < 0) {
    close(*fd);
    *fd = -1;
    return LV_E_OP_BUSY;
  }
  return LV_OK;
}

static lv_status run(job *j, const char *dir, bool overwrite, uint64_t part_max,
                     lv__manifest *m) {
  lv__manifest old;
  lv__set_writer *w = NULL;
  batch bufs[3];
  uint8_t key[LV__KEY];
  bool have_old = false;
  memset(bufs, 0, sizeof bufs);
  memset(&old, 0, sizeof old);
  struct stat dst;
  bool made_dir = stat(dir, &dst) != 0; /* removed again if it stays empty */
  int lockfd = -1;
  lv_status rc = service_keys(j->st, m);
  if (rc == LV_OK) rc = lv__mkdir_p(dir, 0755);
  if (rc == LV_OK) rc = lock_dir(dir, &lockfd);
  if (rc == LV_OK && lv__backup_present(dir) == LV_OK) {
    if (!overwrite) rc = LV_E_BACKUP_EXISTS;
    else have_old = lv__manifest_load(&old, dir) == LV_OK;
  }
  if (rc < 0) goto done;
  m->version = LV__SET_VERSION;
  m->generation = pick_gen(dir, &old, have_old);
  remove_gen(dir, (int)m->generation, -1); /* leftovers of an interrupted run */
  lv__random(j->secret, LV__SECRET);
  if ((rc = lv__seal(m->sealed_secret, j->secret, LV__SECRET, m->service_box_pk)) < 0) goto done;
  if ((rc = lv__set_pads_new(&j->pads, j->secret)) < 0) goto done;
  lv__set_stream_key(key, j->secret);
  rc = lv__set_writer_open(&w, dir, m->generation, part_max, key, m->stream_header);
  lv__memzero(key, sizeof key);
  for (int i = 0; rc == LV_OK && i < 3; i++) {
    bufs[i].s = lv__calloc(BATCH, sizeof(slot));
    if (!bufs[i].s) rc = LV_E_NOMEM;
  }
  /* one read transaction: a consistent snapshot while others write */
  if (rc == LV_OK) rc = lv__db_exec(j->st->db, "BEGIN");
  if (rc == LV_OK) {
    sqlite3_stmt *c;
    rc = lv__sqlite_status(sqlite3_prepare_v2(j->st->db, "SELECT count(*) FROM licenses", -1, &c, NULL));
    if (rc == LV_OK && sqlite3_step(c) == SQLITE_ROW) j->total = (uint64_t)sqlite3_column_int64(c, 0);
    sqlite3_finalize(c);
  }
  if (rc == LV_OK)
    rc = lv__sqlite_status(sqlite3_prepare_v2(
        j->st->db, "SELECT lid, body, ckey, plays_used, first_use FROM licenses ORDER BY id", -1,
        &j->rows, NULL));
  if (rc == LV_OK) rc = stream(j, w, bufs);
  sqlite3_finalize(j->rows);
  j->rows = NULL;
  lv__db_rollback(j->st->db); /* ends the read transaction */
  if (rc == LV_OK) {
    rc = lv__set_writer_finish(w, &m->parts, &m->nparts);
    w = NULL;
  }
  if (rc == LV_OK) rc = build_manifest(j, m);
  bool in_place = false;
  if (rc == LV_OK) rc = write_manifest(j, dir, m, &in_place);
  if (rc == LV_OK) remove_gen(dir, -1, (int)m->generation); /* the old set's files */
  else if (m->parts && !in_place) remove_gen(dir, (int)m->generation, -1);
  /* else: the manifest was renamed in place but the folder's fsync failed:
   * the new set is there (not known durable); its parts must stay */
done:
  lv__set_writer_abort(w);
  if (lockfd >= 0) close(lockfd); /* releases the lock */
  if (rc < 0 && made_dir) rmdir(dir); /* fails, as it should, unless empty */
  for (int i = 0; i < 3; i++) {
    if (bufs[i].s) lv__memzero(bufs[i].s, BATCH * sizeof(slot));
    free(bufs[i].s); /* entries: the writer's, wiped by it */
  }
  lv__manifest_free(&old);
  return rc;
}

lv_status lv__backup_run(lv_store *s, const char *dir, bool overwrite, uint64_t part_max,
                         const lv__backup_hooks *h, uint64_t *written, uint64_t *restricted) {
  job j;
  lv__manifest m;
  if (!s || !dir || !*dir) return LV_E_INVALID_ARG;
  if (!part_max) part_max = LV__PART_MAX_DEFAULT;
  memset(&j, 0, sizeof j);
  memset(&m, 0, sizeof m);
  j.st = s;
  j.h = h;
  j.secret = lv__secure_alloc(LV__SECRET);
  j.issuers = lv__calloc(LV__MAN_MAX_ISSUERS, LV__KEYID);
  lv_status rc = j.secret && j.issuers ? run(&j, dir, overwrite, part_max, &m) : LV_E_NOMEM;
  lv__kdf_many_free(j.pads);
  if (j.secret) lv__secure_free(j.secret); /* S is gone: only the service can recover it */
  free(j.issuers);
  lv__manifest_free(&m);
  if (written) *written = rc == LV_OK ? j.written : 0;
  if (restricted) *restricted = j.restricted;
  return rc;
}
