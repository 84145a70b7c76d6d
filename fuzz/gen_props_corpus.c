/* gen_props_corpus.c - writes the seed corpus of fuzz/fuzz_props.c: one
 * program of property calls per file, each aimed at one rule; built and run
 * by hand. */

/* From the top of the tree (it needs no library):
 *
 *   cc -std=c17 fuzz/gen_props_corpus.c -o /tmp/gen_props_corpus
 *   /tmp/gen_props_corpus fuzz/corpora/fuzz_props
 *
 * The encoding is fuzz_props.c's: an opcode byte, then its arguments; the
 * op and index numbers below must follow its enum and tables. The output is
 * the same each run. The name has no fuzz_ prefix, so CMake's glob in
 * fuzz/CMakeLists.txt does not make it a harness. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

enum {
  OP_SET, OP_GET_BY_NAME, OP_GET_BY_INDEX, OP_REMOVE, OP_REMOVE_ALL, OP_BACKUP, OP_RESTORE,
  OP_QI, OP_NAT_SET, OP_NAT_GET, OP_NAT_NAME, OP_NAT_REMOVE, OP_NAT_REMOVE_ALL,
  OP_NAT_BACKUP, OP_NAT_RESTORE
};

/* fuzz_props.c's known_names[] and known_values[] */
enum { N_BACKUP, N_RESTORE, N_STORE, N_MACHINE, N_PART, N_PROGRESS, N_URL, N_LOWER, N_X };
enum {
  V_1, V_0, V_EMPTY, V_65536, V_65535, V_1G, V_1G1, V_0065536, V_PLUS, V_LSPACE, V_TSPACE,
  V_MINUS, V_2P64, V_HEX, V_EXP, V_URL, V_URL2, V_PATH, V_UTF8
};

static uint8_t buf[65536];
static size_t len;

static void b(unsigned v) { buf[len++] = (uint8_t)v; }
static void w16(unsigned v) {
  b(v & 0xFF);
  b(v >> 8);
}

/* name specs (com_name) */
static void name_known(unsigned i) { b(0), b(i); }
static void name_units(const uint16_t *u, unsigned k) {
  b(1), w16(k);
  for (unsigned i = 0; i < k; i++) w16(u[i]);
}
static void name_bytes(const char *s) {
  b(2), b((unsigned)strlen(s));
  for (const char *p = s; *p; p++) b((uint8_t)*p);
}
static void name_unterminated(void) { b(3); }
static void name_null(void) { b(4); }

/* value specs (com_value) */
static void value_known(unsigned i) { b(0), b(i); }
static void value_bytes(const char *s) {
  b(1), b((unsigned)strlen(s));
  for (const char *p = s; *p; p++) b((uint8_t)*p);
}
static void value_raw(const uint8_t *p, unsigned cb) {
  b(2), w16(cb);
  for (unsigned i = 0; i < cb; i++) b(p[i]);
}
static void value_huge(unsigned sel) { b(3), b(sel); }
static void value_null(unsigned cb) { b(4), w16(cb); }
static void value_edge(unsigned sel) { b(5), b(sel); }

#define STRING 0x00
static void set(void) { b(OP_SET); }
static void set_kk(unsigned n, unsigned v) { set(), name_known(n), b(STRING), value_known(v); }

/* out_buf specs: NULL, exact, or cb bytes */
static void out_null(void) { b(0), w16(0); }
static void out_exact(void) { b(1); }
static void out_size(unsigned cb) { b(2), w16(cb); }

/* A walk reads one get_by_index (mode 0, an exact buffer) per property and
 * one past the end: walk_n writes the n + 1 of them; walk, at the end of a
 * file, writes one and lets the input run out (zeros) for the rest. */
static void walk(void) { b(OP_GET_BY_INDEX), b(0x80), b(0), out_exact(); }
static void walk_n(unsigned n) {
  b(OP_GET_BY_INDEX), b(0x80);
  for (unsigned i = 0; i <= n; i++) b(0), out_exact();
}

static void flags(unsigned f) { b(f & 0x7F); }
static void flags_wide(unsigned v, unsigned shift) { b(0x80 | shift), w16(v); }

/* native texts (nat_text): raw, one byte repeated, known */
static void nat_raw(const char *s, unsigned k) {
  b(0), w16(k);
  for (unsigned i = 0; i < k; i++) b((uint8_t)s[i]);
}
static void nat_rep(unsigned k, unsigned c) { b(1), w16(k), b(c); }
static void nat_known(unsigned i) { b(2), b(i); }

static int put(const char *dir, const char *name) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
    perror(path);
    return 1;
  }
  printf("%-60s %5zu bytes\n", path, len);
  len = 0;
  return 0;
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : ".";
  int bad = 0;
  static const uint16_t pair[] = {'a', 0xD83D, 0xDE00, 'b'}, lone_hi[] = {'a', 0xD800, 'b'},
                        lone_lo[] = {0xDC00}, with_nul[] = {'B', 0, 'x'};
  static uint16_t long_name[257];
  for (unsigned i = 0; i < 257; i++) long_name[i] = (uint16_t)('a' + i % 26);

  /* a backup whose properties pass: BackupPath, MaxPartBytes, Progress */
  set_kk(N_BACKUP, V_PATH), set_kk(N_PART, V_65536), set_kk(N_PROGRESS, V_1);
  b(OP_BACKUP), flags(0), b(0);
  b(OP_BACKUP), flags(1), b(0);
  set_kk(N_PART, V_1G), b(OP_BACKUP), flags(1), b(0);
  set_kk(N_PART, V_0065536), b(OP_BACKUP), flags(0), b(0);
  walk_n(3);
  bad |= put(dir, "backup_ok");

  /* MaxPartBytes that must be refused */
  set_kk(N_BACKUP, V_PATH);
  static const unsigned badparts[] = {V_65535, V_1G1, V_PLUS, V_LSPACE, V_TSPACE, V_MINUS,
                                      V_2P64, V_HEX, V_EXP, V_EMPTY, V_0};
  for (size_t i = 0; i < sizeof badparts / sizeof badparts[0]; i++)
    set_kk(N_PART, badparts[i]), b(OP_BACKUP), flags(0), b(0);
  bad |= put(dir, "backup_bad_part");

  /* no BackupPath, an empty one, unknown flags, no callback */
  b(OP_BACKUP), flags(0), b(0);
  set_kk(N_BACKUP, V_EMPTY), b(OP_BACKUP), flags(0), b(0);
  set_kk(N_BACKUP, V_PATH), b(OP_BACKUP), flags(2), b(0);
  b(OP_BACKUP), flags_wide(1, 8), b(0);
  b(OP_BACKUP), flags(0), b(0xFF);
  bad |= put(dir, "backup_refused");

  /* restore: a set that is not there, ServiceUrl, the SDK's flags only */
  b(OP_RESTORE), flags(0), b(0);
  set_kk(N_RESTORE, V_PATH), set_kk(N_URL, V_URL);
  b(OP_RESTORE), flags(0), b(0);
  b(OP_RESTORE), flags(2), b(0);
  b(OP_RESTORE), flags_wide(1, 8), b(0); /* LV_RESTORE_DRY_RUN: not the SDK's */
  b(OP_RESTORE), flags(0), b(0xFF);
  set_kk(N_URL, V_URL2), set_kk(N_RESTORE, V_EMPTY), b(OP_RESTORE), flags(0), b(0);
  bad |= put(dir, "restore");

  /* names: 256 and 257 units, no NUL, surrogates, NUL inside, NULL */
  set(), name_units(long_name, 256), b(STRING), value_known(V_1);
  set(), name_units(long_name, 257), b(STRING), value_known(V_1);
  set(), name_unterminated(), b(STRING), value_known(V_1);
  set(), name_units(pair, 4), b(STRING), value_known(V_UTF8);
  set(), name_units(lone_hi, 3), b(STRING), value_known(V_1);
  set(), name_units(lone_lo, 1), b(STRING), value_known(V_1);
  set(), name_units(with_nul, 3), b(STRING), value_known(V_1);
  set(), name_null(), b(STRING), value_known(V_1);
  set(), name_bytes(""), b(STRING), value_known(V_1);
  set(), name_bytes("a\tb"), b(STRING), value_known(V_1);
  b(OP_GET_BY_NAME), name_unterminated(), b(0), out_exact();
  b(OP_GET_BY_NAME), name_null(), b(0), out_exact();
  b(OP_GET_BY_NAME), name_units(pair, 4), b(0), out_exact();
  b(OP_REMOVE), name_units(with_nul, 3);
  b(OP_REMOVE), name_unterminated();
  walk();
  bad |= put(dir, "names");

  /* values: odd, no NUL, NUL inside, huge, NULL, the 8192-byte edge, types */
  static const uint8_t odd[] = {'1', 0, 0}, nonul[] = {'1', 0, '2', 0},
                       inner[] = {'1', 0, 0, 0, '2', 0, 0, 0}, lone[] = {0x00, 0xD8, 0, 0},
                       ctl[] = {0x1B, 0, '[', 0, 0, 0};
  set(), name_known(N_X), b(STRING), value_raw(odd, 3);
  set(), name_known(N_X), b(STRING), value_raw(nonul, 4);
  set(), name_known(N_X), b(STRING), value_raw(inner, 8);
  set(), name_known(N_X), b(STRING), value_raw(lone, 4);
  set(), name_known(N_X), b(STRING), value_raw(ctl, 6);
  set(), name_known(N_X), b(STRING), value_raw(odd, 0);
  for (unsigned i = 0; i < 4; i++) set(), name_known(N_X), b(STRING), value_huge(i);
  set(), name_known(N_X), b(STRING), value_null(0);
  set(), name_known(N_X), b(STRING), value_null(4);
  for (unsigned i = 0; i < 4; i++) set(), name_known(N_PART), b(STRING), value_edge(i);
  for (unsigned t = 0; t < 8; t++) set(), name_known(N_X), b(0x80 | t), value_known(V_1);
  walk();
  bad |= put(dir, "values");

  /* the two-call protocol: NULL buffer, too small, exact, no pType/pcb */
  set_kk(N_URL, V_URL), set_kk(N_PROGRESS, V_1);
  b(OP_GET_BY_NAME), name_known(N_URL), b(0), out_null();
  b(OP_GET_BY_NAME), name_known(N_URL), b(0), out_size(3);
  b(OP_GET_BY_NAME), name_known(N_URL), b(0), out_exact();
  b(OP_GET_BY_NAME), name_known(N_URL), b(1), out_exact();
  b(OP_GET_BY_NAME), name_known(N_URL), b(2), out_exact();
  b(OP_GET_BY_NAME), name_known(N_LOWER), b(0), out_exact();
  b(OP_GET_BY_INDEX), b(0), b(4), b(3), out_exact();  /* name buffer too small */
  b(OP_GET_BY_INDEX), b(0), b(8), out_null();         /* no name buffer */
  b(OP_GET_BY_INDEX), b(0), b(1), out_exact();        /* no pcchNameLen */
  b(OP_GET_BY_INDEX), b(0), b(2), out_exact();        /* no pcbLength */
  b(OP_GET_BY_INDEX), b(1), w16(0xFFFF), b(0), out_exact();
  bad |= put(dir, "buffers");

  /* 64 properties, then a 65th, replace, remove from the middle, all */
  for (unsigned i = 0; i < 65; i++) {
    char n[8];
    snprintf(n, sizeof n, "p%u", i);
    set(), name_bytes(n), b(STRING), value_bytes(n);
  }
  set(), name_bytes("p7"), b(STRING), value_known(V_UTF8);
  b(OP_REMOVE), name_bytes("p3");
  b(OP_REMOVE), name_bytes("p3");
  b(OP_BACKUP), flags(0), b(0); /* StorePath takes the last slot */
  set_kk(N_BACKUP, V_PATH); /* full: refused, so no BackupPath */
  b(OP_BACKUP), flags(0), b(0);
  walk_n(64);
  b(OP_REMOVE_ALL);
  walk_n(0);
  bad |= put(dir, "full");

  /* native: limits of names and values, text rules, buffers */
  b(OP_NAT_SET), nat_rep(256, 'n'), nat_rep(4096, 'v');
  b(OP_NAT_SET), nat_rep(257, 'n'), nat_rep(1, 'v');
  b(OP_NAT_SET), nat_rep(1, 'n'), nat_rep(4097, 'v');
  b(OP_NAT_SET), nat_raw("", 0), nat_known(V_1);
  b(OP_NAT_SET), nat_raw("a\x01", 2), nat_known(V_1);
  b(OP_NAT_SET), nat_raw("\xc0\x80", 2), nat_known(V_1);
  b(OP_NAT_SET), nat_known(N_PART), nat_raw("\xc2\x9b", 2);
  b(OP_NAT_GET), w16(0), nat_rep(256, 'n'), b(1);
  b(OP_NAT_GET), w16(0), nat_rep(256, 'n'), b(0), w16(4096);
  b(OP_NAT_GET), w16(0), nat_rep(256, 'n'), b(2);
  b(OP_NAT_GET), w16(0), nat_known(N_X), b(1);
  b(OP_NAT_NAME), w16(0), b(1);
  b(OP_NAT_NAME), w16(0), b(0), w16(10);
  b(OP_NAT_NAME), w16(5), b(1);
  b(OP_NAT_REMOVE), nat_rep(256, 'n');
  b(OP_NAT_REMOVE), nat_rep(256, 'n');
  b(OP_NAT_REMOVE_ALL);
  bad |= put(dir, "native");

  /* native backup and restore: the same rules, the dry-run flag */
  b(OP_NAT_BACKUP), flags(0);
  b(OP_NAT_SET), nat_known(N_BACKUP), nat_known(V_PATH);
  b(OP_NAT_BACKUP), flags(0);
  b(OP_NAT_SET), nat_known(N_PART), nat_known(V_65535);
  b(OP_NAT_BACKUP), flags(1);
  b(OP_NAT_SET), nat_known(N_PART), nat_rep(10, '9');
  b(OP_NAT_BACKUP), flags(0);
  b(OP_NAT_SET), nat_known(N_PART), nat_known(V_1G);
  b(OP_NAT_BACKUP), flags(0);
  b(OP_NAT_RESTORE), flags(0);
  b(OP_NAT_SET), nat_known(N_RESTORE), nat_known(V_PATH);
  b(OP_NAT_SET), nat_known(N_URL), nat_known(V_URL);
  b(OP_NAT_RESTORE), flags(0);
  b(OP_NAT_RESTORE), flags(2);
  b(OP_NAT_RESTORE), flags_wide(1, 8);
  b(OP_NAT_RESTORE), flags_wide(1, 9);
  bad |= put(dir, "native_ops");

  /* QueryInterface: each IID, IWMStatusCallback (not ours), any bytes */
  for (unsigned i = 0; i < 5; i++) b(OP_QI), b(i);
  b(OP_QI), b(250);
  for (unsigned i = 0; i < 16; i++) b(0x11 * i);
  b(OP_QI), b(250);
  for (unsigned i = 0; i < 16; i++) b(0);
  bad |= put(dir, "qi");
  return bad;
}
