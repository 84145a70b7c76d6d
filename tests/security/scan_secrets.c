/* scan_secrets.c - test-only: looks for known secrets in every byte of every
 * file under a folder (issue #7). Self-contained (libc only), with its own
 * hex and base64 encoders, so it does not share a bug with the library.
 *
 * Usage: scan_secrets SECRETS DIR
 *
 * SECRETS holds lines "SCOPE LABEL HEX" (dump_secrets' output): SCOPE "-"
 * means the secret may appear nowhere, else it names the one file (a path
 * relative to DIR) that may hold it. Each secret (16 bytes or more) is
 * looked for in these forms:
 *
 *   raw                 the bytes
 *   raw[0:16] raw[-16:] its first and last 16 bytes (a truncated copy)
 *   hex HEX             lower and upper case hex, and of both halves
 *   b64@k b64url@k      base64, standard and URL-safe alphabets, for each
 *                       alignment k = 0, 1, 2 (bytes before the secret in
 *                       the encoded stream, mod 3): the characters that
 *                       depend on the secret's bytes alone
 *
 * Every match prints one line per (secret, form, file):
 *
 *   LEAK|ok FORM LABEL FILE @OFFSET xCOUNT
 *
 * "ok" is a match in the secret's own file (or its atomic writer's
 * temporary sibling FILE.tmp...), anything else a LEAK. Then a
 * summary on stderr. Exit status: 0 no leak, 1 a leak, 2 a usage or I/O
 * error (a file that cannot be read cannot be called clean). */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct secret {
  char *scope; /* NULL: nowhere */
  char *label;
  uint8_t *v;
  size_t n;
} secret;

typedef struct pattern {
  uint8_t *p;
  size_t n;
  size_t secret;
  char form[16];
  struct pattern *next; /* same 8-byte prefix bucket */
  /* per file being scanned */
  uint64_t hits, first;
} pattern;

static secret *secrets;
static size_t nsecrets;
static pattern *pats;
static size_t npats, cappats;
static pattern **table;
static size_t tbits;
static unsigned long files, bytes, leaks, allowed;
static int io_error;

static void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) {
    fprintf(stderr, "scan_secrets: out of memory\n");
    exit(2);
  }
  return p;
}

static char *xstrdup(const char *s) {
  size_t n = strlen(s) + 1;
  return memcpy(xmalloc(n), s, n);
}

static int unhex(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static void add_pattern(size_t s, const char *form, const uint8_t *p, size_t n) {
  if (n < 16) return; /* shorter would match by chance */
  if (npats == cappats) {
    cappats = cappats ? 2 * cappats : 1024;
    pattern *np = realloc(pats, cappats * sizeof *np);
    if (!np) {
      fprintf(stderr, "scan_secrets: out of memory\n");
      exit(2);
    }
    pats = np;
  }
  pattern *pt = &pats[npats++];
  memset(pt, 0, sizeof *pt);
  pt->p = memcpy(xmalloc(n), p, n);
  pt->n = n;
  pt->secret = s;
  snprintf(pt->form, sizeof pt->form, "%s", form);
}

static void hex_form(size_t s, const char *form, const uint8_t *v, size_t n, bool upper) {
  const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  uint8_t *t = xmalloc(2 * n);
  for (size_t i = 0; i < n; i++) {
    t[2 * i] = (uint8_t)digits[v[i] >> 4];
    t[2 * i + 1] = (uint8_t)digits[v[i] & 15];
  }
  add_pattern(s, form, t, 2 * n);
  free(t);
}

/* The base64 characters of whole 3-byte groups of v[skip..], no padding. */
static void b64_form(size_t s, const char *form, const uint8_t *v, size_t n, size_t skip,
                     bool url) {
  const char *abc = url ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
                        : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t groups = (n - skip) / 3;
  uint8_t *t = xmalloc(4 * groups);
  for (size_t g = 0; g < groups; g++) {
    const uint8_t *b = v + skip + 3 * g;
    uint32_t w = (uint32_t)b[0] << 16 | (uint32_t)b[1] << 8 | b[2];
    for (int k = 0; k < 4; k++) t[4 * g + (size_t)k] = (uint8_t)abc[(w >> (18 - 6 * k)) & 63];
  }
  add_pattern(s, form, t, 4 * groups);
  free(t);
}

static void add_forms(size_t s) {
  const uint8_t *v = secrets[s].v;
  size_t n = secrets[s].n;
  char form[16];
  add_pattern(s, "raw", v, n);
  hex_form(s, "hex", v, n, false);
  hex_form(s, "HEX", v, n, true);
  if (n > 16) {
    add_pattern(s, "raw[0:16]", v, 16);
    add_pattern(s, "raw[-16:]", v + n - 16, 16);
    hex_form(s, "hex[0:16]", v, 16, false);
    hex_form(s, "hex[-16:]", v + n - 16, 16, false);
    hex_form(s, "HEX[0:16]", v, 16, true);
    hex_form(s, "HEX[-16:]", v + n - 16, 16, true);
  }
  for (size_t k = 0; k < 3; k++) {
    size_t skip = (3 - k) % 3; /* bytes of the secret that finish the group before it */
    snprintf(form, sizeof form, "b64@%zu", k);
    b64_form(s, form, v, n, skip, false);
    snprintf(form, sizeof form, "b64url@%zu", k);
    b64_form(s, form, v, n, skip, true);
  }
}

static size_t bucket(const uint8_t *p) {
  uint64_t k;
  memcpy(&k, p, 8);
  return (size_t)((k * 0x9E3779B97F4A7C15ull) >> (64 - tbits));
}

static void load_secrets(const char *path) {
  FILE *f = fopen(path, "r");
  char line[4096];
  size_t cap = 0, lineno = 0;
  if (!f) {
    fprintf(stderr, "scan_secrets: %s: %s\n", path, strerror(errno));
    exit(2);
  }
  while (fgets(line, sizeof line, f)) {
    char scope[2048], label[1024], hex[1024];
    lineno++;
    if (line[0] == '#' || line[0] == '\n') continue;
    size_t hl;
    if (sscanf(line, "%2047s %1023s %1023s", scope, label, hex) != 3 || (hl = strlen(hex)) % 2 ||
        hl < 32) {
      fprintf(stderr, "scan_secrets: %s:%zu: not \"SCOPE LABEL HEX\" (16 bytes or more)\n", path,
              lineno);
      exit(2);
    }
    if (nsecrets == cap) {
      cap = cap ? 2 * cap : 256;
      secret *ns = realloc(secrets, cap * sizeof *ns);
      if (!ns) exit(2);
      secrets = ns;
    }
    secret *s = &secrets[nsecrets];
    s->n = hl / 2;
    s->v = xmalloc(s->n);
    for (size_t i = 0; i < s->n; i++) {
      int a = unhex(hex[2 * i]), b = unhex(hex[2 * i + 1]);
      if (a < 0 || b < 0) {
        fprintf(stderr, "scan_secrets: %s:%zu: bad hex\n", path, lineno);
        exit(2);
      }
      s->v[i] = (uint8_t)(a << 4 | b);
    }
    s->scope = strcmp(scope, "-") ? xstrdup(scope) : NULL;
    /* the same secret with the same scope twice (a content key in two
     * stores): once is enough */
    bool dup = false;
    for (size_t i = 0; i < nsecrets && !dup; i++)
      dup = secrets[i].n == s->n && !memcmp(secrets[i].v, s->v, s->n) &&
            !secrets[i].scope == !s->scope && (!s->scope || !strcmp(secrets[i].scope, s->scope));
    if (dup) {
      free(s->v);
      free(s->scope);
      continue;
    }
    s->label = xstrdup(label);
    nsecrets++;
  }
  fclose(f);
  if (!nsecrets) {
    fprintf(stderr, "scan_secrets: %s: no secrets\n", path);
    exit(2);
  }
}

static void build_table(void) {
  for (size_t s = 0; s < nsecrets; s++) add_forms(s);
  for (tbits = 10; ((size_t)1 << tbits) < 2 * npats; tbits++) {
  }
  table = calloc((size_t)1 << tbits, sizeof *table);
  if (!table) exit(2);
  for (size_t i = 0; i < npats; i++) {
    size_t b = bucket(pats[i].p);
    pats[i].next = table[b];
    table[b] = &pats[i];
  }
}

/* A secret's own file, or that file in the making: the atomic writer's
 * temporary sibling (FILE.tmpPID.SEQ, renamed over FILE when complete), or
 * a snapshot copy of one (secrets_scan.sh names them FILE.tmp....snapN). */
static bool designated(const char *scope, const char *rel) {
  size_t n = strlen(scope);
  return !strncmp(rel, scope, n) && (!rel[n] || !strncmp(rel + n, ".tmp", 4));
}

static void scan_file(const char *full, const char *rel, off_t size) {
  FILE *f = fopen(full, "rb");
  uint8_t *d = xmalloc((size_t)size);
  size_t n = f ? fread(d, 1, (size_t)size, f) : 0;
  if (!f || n != (size_t)size || ferror(f)) {
    fprintf(stderr, "scan_secrets: %s: cannot read: %s\n", full, strerror(errno));
    io_error = 1;
    if (f) fclose(f);
    free(d);
    return;
  }
  fclose(f);
  files++;
  bytes += n;
  for (size_t i = 0; i < npats; i++) pats[i].hits = 0;
  for (size_t i = 0; i + 16 <= n; i++) {
    for (pattern *p = table[bucket(d + i)]; p; p = p->next) {
      if (i + p->n > n || memcmp(d + i, p->p, p->n)) continue;
      if (!p->hits++) p->first = i;
    }
  }
  for (size_t i = 0; i < npats; i++) {
    pattern *p = &pats[i];
    if (!p->hits) continue;
    const secret *s = &secrets[p->secret];
    bool ok = s->scope && designated(s->scope, rel);
    if (ok) allowed++;
    else leaks++;
    printf("%s %s %s %s @%llu x%llu\n", ok ? "ok" : "LEAK", p->form, s->label, rel,
           (unsigned long long)p->first, (unsigned long long)p->hits);
  }
  free(d);
}

static void walk(const char *root, const char *rel) {
  char full[4096];
  snprintf(full, sizeof full, "%s%s%s", root, *rel ? "/" : "", rel);
  DIR *d = opendir(full);
  if (!d) {
    fprintf(stderr, "scan_secrets: %s: %s\n", full, strerror(errno));
    io_error = 1;
    return;
  }
  struct dirent *e;
  while ((e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    char crel[4096], cfull[8192];
    struct stat st;
    snprintf(crel, sizeof crel, "%s%s%s", rel, *rel ? "/" : "", e->d_name);
    snprintf(cfull, sizeof cfull, "%s/%s", root, crel);
    if (lstat(cfull, &st) < 0) {
      fprintf(stderr, "scan_secrets: %s: %s\n", cfull, strerror(errno));
      io_error = 1;
    } else if (S_ISDIR(st.st_mode)) {
      walk(root, crel);
    } else if (S_ISREG(st.st_mode)) {
      scan_file(cfull, crel, st.st_size);
    } else if (S_ISLNK(st.st_mode)) {
      /* its target's bytes, if under DIR, are scanned there; its name is
       * scanned as text like any other name below */
    } else {
      fprintf(stderr, "scan_secrets: note: %s is not a regular file: skipped\n", crel);
    }
    /* a secret in a file's name would be a leak too */
    size_t nl = strlen(e->d_name);
    for (size_t i = 0; i + 16 <= nl; i++)
      for (pattern *p = table[bucket((const uint8_t *)e->d_name + i)]; p; p = p->next)
        if (i + p->n <= nl && !memcmp(e->d_name + i, p->p, p->n)) {
          leaks++;
          printf("LEAK %s %s (file name) %s\n", p->form, secrets[p->secret].label, crel);
        }
  }
  closedir(d);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: scan_secrets SECRETS DIR\n");
    return 2;
  }
  load_secrets(argv[1]);
  build_table();
  walk(argv[2], "");
  fprintf(stderr,
          "scan_secrets: %zu secrets in %zu forms; %lu files, %lu bytes scanned; "
          "%lu leak(s), %lu match(es) in designated files\n",
          nsecrets, npats, files, bytes, leaks, allowed);
  for (size_t i = 0; i < npats; i++) free(pats[i].p);
  for (size_t i = 0; i < nsecrets; i++) {
    free(secrets[i].v);
    free(secrets[i].scope);
    free(secrets[i].label);
  }
  free(pats);
  free(secrets);
  free(table);
  if (fflush(stdout) != 0) return 2;
  return io_error ? 2 : leaks ? 1 : 0;
}
