/* fuzz_props.c - libFuzzer harness for the SDK property values: a program of
 * calls on IWMBackupRestoreProps and on the native lv_restorer props, checked
 * call by call against a model, then the backup and restore calls that read
 * them (MaxPartBytes, Progress, ServiceUrl, the paths). */

/* The input is a sequence of operations, each an opcode byte then its
 * arguments (gen_props_corpus.c writes the seeds):
 *   names   known ones, UTF-16 units, widened bytes, 257 units without a
 *           NUL in a buffer of exactly that size, or NULL;
 *   values  known ones, widened bytes, raw bytes of any length (odd, no
 *           NUL, NULs inside), huge lengths, NULL, the 8192-byte edge;
 *   buffers NULL, exact or any size, each allocated to exactly its length
 *           so that a write or read past it is caught by ASan.
 * The COM object and a native lv_restorer each have their own model (the
 * COM object's restorer is not reachable from outside). Backup and restore
 * run against a store folder that does not exist, so every call ends
 * synchronously (no thread, no event) after the property checks; the
 * expected code says whether those checks passed. Nothing is written. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/encoding.h"
#include "licvault/restorer.h"
#include "licvault/wmsdk.h"
#include "restorer/restorer.h"

#define CHECK(c)        \
  do {                  \
    if (!(c)) abort();  \
  } while (0)

#define NO_STORE "/nonexistent-licvault-fuzz/store"
#define NO_SET "/nonexistent-licvault-fuzz/set"
#define NAME_UNITS 256         /* compat: the longest name, in UTF-16 units */
#define VALUE_BYTES 8192       /* compat: the longest value, NUL included */
#define MAX_OPS 256

/* ---- input ---- */

typedef struct in {
  const uint8_t *p;
  size_t n;
} in;

static uint8_t u8(in *s) {
  if (!s->n) return 0;
  s->n--;
  return *s->p++;
}

static uint16_t u16(in *s) {
  uint16_t lo = u8(s);
  return (uint16_t)(lo | u8(s) << 8);
}

/* ---- the model: properties in the order set, as UTF-8 ---- */

typedef struct model {
  char name[LV__PROP_MAX][LV__PROP_NAME_MAX + 1];
  char value[LV__PROP_MAX][LV__PROP_VALUE_MAX + 1];
  size_t n;
} model;

static model com_m, nat_m;

static bool text_ok(const char *s, size_t max) {
  size_t n = strlen(s);
  return n <= max && lv__utf8_valid_text((const uint8_t *)s, n);
}

static long find(const model *m, const char *name) {
  for (size_t i = 0; i < m->n; i++)
    if (!strcmp(m->name[i], name)) return (long)i;
  return -1;
}

static const char *get(const model *m, const char *name) {
  long i = find(m, name);
  return i < 0 ? NULL : m->value[i];
}

/* What lv_restorer_set_prop must answer, applied to the model. */
static lv_status model_set(model *m, const char *name, const char *value) {
  if (!*name || !text_ok(name, LV__PROP_NAME_MAX) || !text_ok(value, LV__PROP_VALUE_MAX))
    return LV_E_INVALID_ARG;
  long i = find(m, name);
  if (i < 0) {
    if (m->n == LV__PROP_MAX) return LV_E_TOO_LARGE;
    i = (long)m->n++;
    memcpy(m->name[i], name, strlen(name) + 1);
  }
  memcpy(m->value[i], value, strlen(value) + 1);
  return LV_OK;
}

static lv_status model_remove(model *m, const char *name) {
  long i = find(m, name);
  if (i < 0) return LV_E_NOT_FOUND;
  for (size_t k = (size_t)i; k + 1 < m->n; k++) {
    memcpy(m->name[k], m->name[k + 1], sizeof m->name[k]);
    memcpy(m->value[k], m->value[k + 1], sizeof m->value[k]);
  }
  m->n--;
  return LV_OK;
}

static HRESULT hr_of(lv_status rc) { return (HRESULT)lv_status_to_hresult(rc); }

/* ---- the SDK side: a status callback that counts ---- */

typedef struct test_cb {
  IWMStatusCallback iface;
  long refs, calls;
} test_cb;

static test_cb cb_obj;

static HRESULT STDMETHODCALLTYPE cb_qi(IWMStatusCallback *p, REFIID riid, void **ppv) {
  if (!ppv) return E_POINTER;
  *ppv = NULL;
  if (!IsEqualIID(riid, &IID_IUnknown) && !IsEqualIID(riid, &IID_IWMStatusCallback))
    return E_NOINTERFACE;
  *ppv = p;
  cb_obj.refs++;
  return S_OK;
}
static ULONG STDMETHODCALLTYPE cb_addref(IWMStatusCallback *p) {
  (void)p;
  return (ULONG)++cb_obj.refs;
}
static ULONG STDMETHODCALLTYPE cb_release(IWMStatusCallback *p) {
  (void)p;
  return (ULONG)--cb_obj.refs;
}
static HRESULT STDMETHODCALLTYPE cb_on_status(IWMStatusCallback *p, WMT_STATUS st, HRESULT hr,
                                              WMT_ATTR_DATATYPE t, BYTE *v, void *ctx) {
  (void)p, (void)st, (void)hr, (void)t, (void)v, (void)ctx;
  cb_obj.calls++; /* never: every call here fails before its thread */
  return S_OK;
}
static const IWMStatusCallbackVtbl cb_vtbl = {cb_qi, cb_addref, cb_release, cb_on_status};

static void native_cb(const lv_event *ev, void *ctx) {
  (void)ev, (void)ctx;
  abort(); /* as above: no operation is ever accepted */
}

/* ---- building names and values ---- */

static const char *const known_names[] = {
    LV_PROP_BACKUP_PATH, LV_PROP_RESTORE_PATH, LV_PROP_STORE_PATH, LV_PROP_MACHINE_PATH,
    LV_PROP_PART_SIZE, LV_PROP_PROGRESS, LV_PROP_SERVICE_URL, "backuppath", "X"};
static const char *const known_values[] = {
    "1", "0", "", "65536", "65535", "1073741824", "1073741825", "0065536", "+65536",
    " 65536", "65536 ", "-65536", "18446744073709551616", "0x10000", "1e6",
    "http://127.0.0.1:1/", "https://example.invalid//", "/tmp/x", "\xc3\xa9t\xc3\xa9"};
#define NKNOWN(a) (sizeof(a) / sizeof(a)[0])

/* An ASCII/UTF-8 text as UTF-16 with a NUL, in a buffer of exactly that size. */
static WCHAR *widen_utf8(const char *s, size_t *units) {
  WCHAR *w = malloc(2 * (strlen(s) + 1));
  if (!w || lv__utf8_to_utf16(w, strlen(s) + 1, units, s) < 0) abort();
  return w;
}

/* Bytes as UTF-16 units (Latin-1), NUL added. */
static WCHAR *widen_bytes(in *s, size_t k) {
  WCHAR *w = malloc(2 * (k + 1));
  if (!w) abort();
  for (size_t i = 0; i < k; i++) w[i] = u8(s);
  w[k] = 0;
  return w;
}

/* A property name for the COM side; NULL is a case too. free() it. */
static WCHAR *com_name(in *s) {
  size_t k;
  WCHAR *w;
  switch (u8(s) % 5) {
  case 0: return widen_utf8(known_names[u8(s) % NKNOWN(known_names)], &k);
  case 1: /* any units, surrogates included */
    k = u16(s) % (NAME_UNITS + 40);
    if (!(w = malloc(2 * (k + 1)))) abort();
    for (size_t i = 0; i < k; i++) w[i] = u16(s);
    w[k] = 0;
    return w;
  case 2: return widen_bytes(s, u8(s));
  case 3: /* one unit too many and no NUL: must not be read past */
    if (!(w = malloc(2 * (NAME_UNITS + 1)))) abort();
    for (size_t i = 0; i <= NAME_UNITS; i++) w[i] = (WCHAR)('a' + i % 26);
    return w;
  default: return NULL;
  }
}

/* Its UTF-8 form as compat computes it (false: compat refuses the name). */
static bool com_name_utf8(char out[4 * NAME_UNITS + 1], const WCHAR *w) {
  size_t n = 0;
  if (!w) return false;
  while (n <= NAME_UNITS && w[n]) n++;
  if (n == 0 || n > NAME_UNITS) return false;
  return lv__utf16_to_utf8(out, 4 * NAME_UNITS + 1, NULL, w, n) == LV_OK;
}

/* A value for SetProp: bytes and the cbLength to claim (never more than
 * the buffer holds: the caller's contract). */
static BYTE *com_value(in *s, WORD *cb) {
  size_t k;
  WCHAR *w;
  BYTE *b;
  switch (u8(s) % 6) {
  case 0:
    w = widen_utf8(known_values[u8(s) % NKNOWN(known_values)], &k);
    *cb = (WORD)(2 * (k + 1));
    return (BYTE *)w;
  case 1:
    k = u8(s);
    *cb = (WORD)(2 * (k + 1));
    return (BYTE *)widen_bytes(s, k);
  case 2: /* raw: odd lengths, no NUL, NULs inside */
    *cb = (WORD)(u16(s) % (VALUE_BYTES + 8));
    if (!(b = calloc(1, *cb ? *cb : 1))) abort();
    for (size_t i = 0; i < *cb && s->n; i++) b[i] = u8(s);
    return b;
  case 3: { /* huge */
    static const WORD huge[] = {VALUE_BYTES + 1, VALUE_BYTES + 2, 0xFFFE, 0xFFFF};
    *cb = huge[u8(s) % 4];
    if (!(b = malloc(*cb))) abort();
    memset(b, 'A', *cb);
    b[*cb - 1] = b[*cb - 2] = 0;
    return b;
  }
  case 4: *cb = u16(s); return NULL;
  default: /* the edge: 4094..4097 units with the NUL */
    k = 4093 + u8(s) % 4;
    if (!(w = malloc(2 * (k + 1)))) abort();
    for (size_t i = 0; i < k; i++) w[i] = (WCHAR)('0' + i % 10);
    w[k] = 0;
    *cb = (WORD)(2 * (k + 1));
    return (BYTE *)w;
  }
}

/* What compat's SetProp must answer, applied to the model. */
static HRESULT expect_set(const WCHAR *name, WMT_ATTR_DATATYPE type, const BYTE *value,
                          WORD cb) {
  static char n[4 * NAME_UNITS + 1], v[3 * VALUE_BYTES / 2 + 1];
  static uint16_t w[VALUE_BYTES / 2];
  if (!com_name_utf8(n, name)) return E_INVALIDARG;
  if (type != WMT_TYPE_STRING || !value || cb < 2 || cb % 2 || cb > VALUE_BYTES)
    return E_INVALIDARG;
  size_t units = cb / 2;
  memcpy(w, value, cb);
  for (size_t i = 0; i + 1 < units; i++)
    if (!w[i]) return E_INVALIDARG;
  if (w[units - 1] || lv__utf16_to_utf8(v, sizeof v, NULL, w, units - 1) < 0)
    return E_INVALIDARG;
  return hr_of(model_set(&com_m, n, v));
}

/* ---- the SDK calls ---- */

static IWMBackupRestoreProps *props;

static void check_count(lv_restorer *r) {
  WORD c = 0xBEEF;
  CHECK(IWMBackupRestoreProps_GetPropCount(props, &c) == S_OK && c == com_m.n);
  CHECK(IWMBackupRestoreProps_GetPropCount(props, NULL) == E_POINTER);
  CHECK(lv_restorer_prop_count(r) == nat_m.n);
}

/* A value as GetPropBy* must give it: UTF-16 with the NUL; *need in bytes. */
static const WCHAR *utf16_of(const char *v, size_t *need) {
  static WCHAR w[LV__PROP_VALUE_MAX + 1];
  size_t units;
  CHECK(lv__utf8_to_utf16(w, sizeof w / sizeof w[0], &units, v) == LV_OK);
  *need = 2 * (units + 1);
  return w;
}

/* An output buffer: NULL, exactly need, or any size; exactly allocated. */
static BYTE *out_buf(in *s, size_t need, WORD *cb) {
  switch (u8(s) % 3) {
  case 0: *cb = u16(s); return NULL;
  case 1: *cb = (WORD)need; break;
  default: *cb = u16(s) % (VALUE_BYTES + 8); break;
  }
  BYTE *b = malloc(*cb ? *cb : 1);
  if (!b) abort();
  return b;
}

/* The SDK's two-call protocol for one value. */
static void check_value(HRESULT hr, const char *v, const BYTE *buf, WORD cb_in, WORD cb_out,
                        WMT_ATTR_DATATYPE type, bool with_type) {
  size_t need;
  const WCHAR *w = utf16_of(v, &need);
  CHECK(cb_out == need);
  if (with_type) CHECK(type == WMT_TYPE_STRING);
  if (!buf) CHECK(hr == S_OK);
  else if (cb_in < need) CHECK(hr == ASF_E_BUFFERTOOSMALL);
  else CHECK(hr == S_OK && !memcmp(buf, w, need));
}

static void op_set(in *s) {
  WCHAR *name = com_name(s);
  uint8_t t = u8(s);
  WMT_ATTR_DATATYPE type = t & 0x80 ? (WMT_ATTR_DATATYPE)(t & 7) : WMT_TYPE_STRING;
  WORD cb = 0;
  BYTE *value = com_value(s, &cb);
  HRESULT want = expect_set(name, type, value, cb);
  CHECK(IWMBackupRestoreProps_SetProp(props, name, type, value, cb) == want);
  if (want == S_OK) { /* it reads back as it went in */
    BYTE *back = malloc(cb);
    WORD cb2 = cb;
    WMT_ATTR_DATATYPE t2 = WMT_TYPE_BINARY;
    if (!back) abort();
    CHECK(IWMBackupRestoreProps_GetPropByName(props, name, &t2, back, &cb2) == S_OK);
    CHECK(cb2 == cb && t2 == WMT_TYPE_STRING && !memcmp(back, value, cb));
    free(back);
  }
  free(name);
  free(value);
}

static void op_get_by_name(in *s) {
  static char n[4 * NAME_UNITS + 1];
  WCHAR *name = com_name(s);
  uint8_t mode = u8(s);
  bool ok = com_name_utf8(n, name);
  const char *v = ok ? get(&com_m, n) : NULL;
  size_t need = 0;
  if (v) utf16_of(v, &need);
  WORD cb = 0;
  BYTE *buf = out_buf(s, need, &cb);
  WORD cb_in = cb;
  WMT_ATTR_DATATYPE type = WMT_TYPE_BINARY;
  HRESULT hr = IWMBackupRestoreProps_GetPropByName(props, name, mode & 1 ? NULL : &type, buf,
                                                   mode & 2 ? NULL : &cb);
  if (!ok) CHECK(hr == E_INVALIDARG);
  else if (!v) CHECK(hr == hr_of(LV_E_NOT_FOUND));
  else if (mode & 2) CHECK(hr == E_POINTER);
  else check_value(hr, v, buf, cb_in, cb, type, !(mode & 1));
  free(buf);
  free(name);
}

static void get_by_index(in *s, WORD idx) {
  uint8_t mode = u8(s);
  size_t units = 0, need = 0;
  const char *n = idx < com_m.n ? com_m.name[idx] : NULL;
  WCHAR wn[NAME_UNITS + 1];
  if (n) {
    CHECK(lv__utf8_to_utf16(wn, NAME_UNITS + 1, &units, n) == LV_OK);
    utf16_of(com_m.value[idx], &need);
  }
  WORD cch = (WORD)(mode & 4 ? u8(s) : units + 1), cb = 0;
  WORD cch_in = cch;
  WCHAR *name = mode & 8 ? NULL : malloc(2 * (cch ? cch : 1));
  BYTE *buf = out_buf(s, need, &cb);
  WORD cb_in = cb;
  WMT_ATTR_DATATYPE type = WMT_TYPE_BINARY;
  HRESULT hr = IWMBackupRestoreProps_GetPropByIndex(props, idx, name, mode & 1 ? NULL : &cch,
                                                    &type, buf, mode & 2 ? NULL : &cb);
  if (mode & 3) CHECK(hr == E_POINTER);
  else if (!n) CHECK(hr == E_INVALIDARG);
  else {
    CHECK(cch == units + 1);
    bool name_fits = !name || cch_in >= units + 1;
    if (name && name_fits) CHECK(!memcmp(name, wn, 2 * (units + 1)));
    if (!name_fits) CHECK(hr == ASF_E_BUFFERTOOSMALL && cb == need);
    else check_value(hr, com_m.value[idx], buf, cb_in, cb, type, true);
  }
  free(name);
  free(buf);
}

static void op_get_by_index(in *s) {
  uint8_t k = u8(s);
  if (k & 0x80) { /* walk them all, and one past the end */
    for (WORD i = 0; i <= com_m.n; i++) get_by_index(s, i);
  } else {
    get_by_index(s, k & 1 ? u16(s) : (WORD)(k % (LV__PROP_MAX + 2)));
  }
}

static void op_remove(in *s) {
  static char n[4 * NAME_UNITS + 1];
  WCHAR *name = com_name(s);
  HRESULT want = com_name_utf8(n, name) ? hr_of(model_remove(&com_m, n)) : E_INVALIDARG;
  CHECK(IWMBackupRestoreProps_RemoveProp(props, name) == want);
  free(name);
}

static void op_remove_all(void) {
  CHECK(IWMBackupRestoreProps_RemoveAllProps(props) == S_OK);
  com_m.n = 0;
}

/* Sets a fixed ASCII property through SetProp; false when the object is full. */
static bool com_force(const char *name, const char *value) {
  size_t k;
  WCHAR *wn = widen_utf8(name, &k), *wv = widen_utf8(value, &k);
  HRESULT want = expect_set(wn, WMT_TYPE_STRING, (BYTE *)wv, (WORD)(2 * (k + 1)));
  HRESULT hr = IWMBackupRestoreProps_SetProp(props, wn, WMT_TYPE_STRING, (BYTE *)wv,
                                             (WORD)(2 * (k + 1)));
  free(wn);
  free(wv);
  CHECK(hr == want);
  return hr == S_OK;
}

/* MaxPartBytes as restorer.h states it: decimal digits, 65536..2^30. */
static bool part_ok(const char *v) {
  uint64_t x = 0;
  if (!v) return true; /* the default */
  if (!*v) return false;
  for (; *v; v++) {
    if (*v < '0' || *v > '9') return false;
    if (x <= (1u << 30)) x = x * 10 + (uint64_t)(*v - '0');
  }
  return x >= 65536 && x <= (1u << 30);
}

/* What a backup with these properties must answer (the store is absent). */
static lv_status expect_backup(const model *m, uint32_t flags, uint32_t allowed) {
  const char *path = get(m, LV_PROP_BACKUP_PATH);
  if (flags & ~allowed) return LV_E_INVALID_ARG;
  if (!path || !*path || !part_ok(get(m, LV_PROP_PART_SIZE))) return LV_E_INVALID_PROPERTY;
  return LV_E_NEEDS_INDIV;
}

static lv_status expect_restore(const model *m, uint32_t flags, uint32_t allowed) {
  const char *path = get(m, LV_PROP_RESTORE_PATH);
  if (flags & ~allowed) return LV_E_INVALID_ARG;
  return !path || !*path ? LV_E_INVALID_PROPERTY : LV_E_NO_FILE;
}

static uint32_t op_flags(in *s) {
  uint8_t f = u8(s);
  return f & 0x80 ? (uint32_t)u16(s) << (f & 15) : f & 0x3;
}

static void op_com_backup(in *s, IWMLicenseBackup *b) {
  DWORD flags = op_flags(s);
  bool null_cb = u8(s) == 0xFF;
  if (!com_force(LV_PROP_STORE_PATH, NO_STORE)) return;
  HRESULT want = null_cb ? E_INVALIDARG : hr_of(expect_backup(&com_m, flags, LV_BACKUP_OVERWRITE));
  CHECK(IWMLicenseBackup_BackupLicenses(b, flags, null_cb ? NULL : &cb_obj.iface) == want);
  CHECK(IWMLicenseBackup_CancelLicenseBackup(b) == S_OK);
}

static void op_com_restore(in *s, IWMLicenseRestore *r) {
  DWORD flags = op_flags(s);
  bool null_cb = u8(s) == 0xFF;
  const char *path = get(&com_m, LV_PROP_RESTORE_PATH);
  if (path && *path && !com_force(LV_PROP_RESTORE_PATH, NO_SET)) return;
  if (!com_force(LV_PROP_STORE_PATH, NO_STORE)) return;
  HRESULT want = null_cb || (flags & ~WM_RESTORE_INDIVIDUALIZE)
                     ? E_INVALIDARG
                     : hr_of(expect_restore(&com_m, flags, WM_RESTORE_INDIVIDUALIZE));
  CHECK(IWMLicenseRestore_RestoreLicenses(r, flags, null_cb ? NULL : &cb_obj.iface) == want);
  CHECK(IWMLicenseRestore_CancelLicenseRestore(r) == S_OK);
}

/* QueryInterface for one of the IIDs, or 16 fuzzed bytes: one identity,
 * each interface at its own fixed address. */
static void op_qi(in *s, IWMLicenseBackup *b, IWMLicenseRestore *rs) {
  static const IID *const iids[] = {&IID_IUnknown, &IID_IWMLicenseBackup,
                                    &IID_IWMLicenseRestore, &IID_IWMBackupRestoreProps,
                                    &IID_IWMStatusCallback};
  uint8_t k = u8(s);
  IID any;
  const IID *iid = &any;
  if (k < 5 * 40) iid = iids[k % 5];
  else
    for (size_t i = 0; i < sizeof any; i++) ((uint8_t *)&any)[i] = u8(s);
  void *want = NULL;
  if (IsEqualIID(iid, &IID_IUnknown) || IsEqualIID(iid, &IID_IWMLicenseBackup)) want = b;
  else if (IsEqualIID(iid, &IID_IWMLicenseRestore)) want = rs;
  else if (IsEqualIID(iid, &IID_IWMBackupRestoreProps)) want = props;
  /* any of the three answers for the object, with one count */
  IUnknown *from = k % 3 == 0 ? (IUnknown *)b : k % 3 == 1 ? (IUnknown *)rs : (IUnknown *)props;
  void *p = (void *)&any;
  HRESULT hr = from->lpVtbl->QueryInterface(from, iid, &p);
  CHECK(from->lpVtbl->QueryInterface(from, iid, NULL) == E_POINTER);
  if (!want) {
    CHECK(hr == E_NOINTERFACE && p == NULL);
    return;
  }
  CHECK(hr == S_OK && p == want);
  CHECK(from->lpVtbl->AddRef(from) == 5);
  CHECK(((IUnknown *)p)->lpVtbl->Release(p) == 4);
  CHECK(from->lpVtbl->Release(from) == 3); /* b, rs and props stay held */
}

/* ---- the native calls ---- */

/* A NUL-terminated text from the input: raw bytes, or one byte repeated
 * (long valid texts are cheap that way), or a known one. free() it. */
static char *nat_text(in *s, size_t max, const char *const *known, size_t nknown) {
  uint8_t mode = u8(s);
  size_t k = mode % 3 == 2 ? 0 : u16(s) % (max + 8);
  char *t = malloc(k + 1);
  if (!t) abort();
  if (mode % 3 == 0)
    for (size_t i = 0; i < k; i++) t[i] = (char)u8(s);
  else if (mode % 3 == 1)
    memset(t, u8(s) | 0x20, k);
  t[k] = '\0';
  if (mode % 3 == 2) {
    free(t);
    const char *c = known[u8(s) % nknown];
    if (!(t = malloc(strlen(c) + 1))) abort();
    memcpy(t, c, strlen(c) + 1);
  }
  return t;
}

static char *nat_name(in *s) {
  return nat_text(s, LV__PROP_NAME_MAX, known_names, NKNOWN(known_names));
}

static void op_nat_set(in *s, lv_restorer *r) {
  char *n = nat_name(s);
  char *v = nat_text(s, LV__PROP_VALUE_MAX, known_values, NKNOWN(known_values));
  CHECK(lv_restorer_set_prop(r, n, v) == model_set(&nat_m, n, v));
  free(n);
  free(v);
}

static void op_nat_get(in *s, lv_restorer *r, bool by_index) {
  uint16_t idx = u16(s) % (LV__PROP_MAX + 2);
  char *n = by_index ? NULL : nat_name(s);
  const char *want = by_index ? (idx < nat_m.n ? nat_m.name[idx] : NULL) : get(&nat_m, n);
  uint8_t mode = u8(s);
  size_t need = want ? strlen(want) + 1 : 0;
  size_t len = mode & 1 ? need : u16(s) % (LV__PROP_VALUE_MAX + 8), len_in = len;
  char *buf = mode & 2 ? NULL : malloc(len ? len : 1);
  lv_status rc = by_index ? lv_restorer_prop_name(r, idx, buf, &len)
                          : lv_restorer_get_prop(r, n, buf, &len);
  if (!want) CHECK(rc == LV_E_NOT_FOUND && len == len_in);
  else if (!buf || len_in < need) CHECK(rc == LV_E_TOO_LARGE && len == need);
  else CHECK(rc == LV_OK && len == need && !memcmp(buf, want, need));
  free(buf);
  free(n);
}

static void op_nat_remove(in *s, lv_restorer *r) {
  char *n = nat_name(s);
  CHECK(lv_restorer_remove_prop(r, n) == model_remove(&nat_m, n));
  free(n);
}

static void op_nat_run(in *s, lv_restorer *r, bool restore) {
  uint32_t flags = op_flags(s);
  const char *path = get(&nat_m, LV_PROP_RESTORE_PATH);
  if (restore && path && *path) CHECK(lv_restorer_set_prop(r, LV_PROP_RESTORE_PATH, NO_SET) ==
                                      model_set(&nat_m, LV_PROP_RESTORE_PATH, NO_SET));
  lv_status want = model_set(&nat_m, LV_PROP_STORE_PATH, NO_STORE);
  CHECK(lv_restorer_set_prop(r, LV_PROP_STORE_PATH, NO_STORE) == want);
  if (want < 0) return;
  if (restore) {
    want = expect_restore(&nat_m, flags, LV_RESTORE_INDIVIDUALIZE | LV_RESTORE_DRY_RUN);
    CHECK(lv_restorer_restore(r, flags, native_cb, NULL) == want);
  } else {
    want = expect_backup(&nat_m, flags, LV_BACKUP_OVERWRITE);
    CHECK(lv_restorer_backup(r, flags, native_cb, NULL) == want);
  }
  CHECK(lv_restorer_running(r) == LV_OP_NONE);
  CHECK(lv_restorer_backup(r, 0, NULL, NULL) == LV_E_INVALID_ARG);
  CHECK(lv_restorer_get_prop(r, NULL, NULL, NULL) == LV_E_INVALID_ARG);
}

/* ---- one input ---- */

enum {
  OP_SET, OP_GET_BY_NAME, OP_GET_BY_INDEX, OP_REMOVE, OP_REMOVE_ALL, OP_BACKUP, OP_RESTORE,
  OP_QI, OP_NAT_SET, OP_NAT_GET, OP_NAT_NAME, OP_NAT_REMOVE, OP_NAT_REMOVE_ALL,
  OP_NAT_BACKUP, OP_NAT_RESTORE, OP_N
};

static void run(in *s, IWMLicenseBackup *b, IWMLicenseRestore *rs, lv_restorer *r) {
  for (int i = 0; i < MAX_OPS && s->n; i++) {
    switch (u8(s) % OP_N) {
    case OP_SET: op_set(s); break;
    case OP_GET_BY_NAME: op_get_by_name(s); break;
    case OP_GET_BY_INDEX: op_get_by_index(s); break;
    case OP_REMOVE: op_remove(s); break;
    case OP_REMOVE_ALL: op_remove_all(); break;
    case OP_BACKUP: op_com_backup(s, b); break;
    case OP_RESTORE: op_com_restore(s, rs); break;
    case OP_QI: op_qi(s, b, rs); break;
    case OP_NAT_SET: op_nat_set(s, r); break;
    case OP_NAT_GET: op_nat_get(s, r, false); break;
    case OP_NAT_NAME: op_nat_get(s, r, true); break;
    case OP_NAT_REMOVE: op_nat_remove(s, r); break;
    case OP_NAT_REMOVE_ALL:
      CHECK(lv_restorer_remove_all_props(r) == LV_OK);
      nat_m.n = 0;
      break;
    case OP_NAT_BACKUP: op_nat_run(s, r, false); break;
    default: op_nat_run(s, r, true); break;
    }
    check_count(r);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  in s = {data, size};
  IWMLicenseBackup *b = NULL;
  IWMLicenseRestore *rs = NULL;
  lv_restorer *r = NULL;
  cb_obj = (test_cb){.iface = {&cb_vtbl}, .refs = 1};
  com_m.n = nat_m.n = 0;
  CHECK(WMCreateBackupRestorer((IUnknown *)&cb_obj.iface, &b) == S_OK && cb_obj.refs == 2);
  CHECK(IWMLicenseBackup_QueryInterface(b, &IID_IWMBackupRestoreProps, (void **)&props) == S_OK);
  CHECK(IWMLicenseBackup_QueryInterface(b, &IID_IWMLicenseRestore, (void **)&rs) == S_OK);
  CHECK(lv_restorer_create(&r) == LV_OK);
  run(&s, b, rs, r);
  lv_restorer_free(r);
  CHECK(IWMLicenseRestore_Release(rs) == 2 && IWMBackupRestoreProps_Release(props) == 1);
  CHECK(IWMLicenseBackup_Release(b) == 0);
  CHECK(cb_obj.refs == 1 && cb_obj.calls == 0); /* every reference given back, no event */
  return 0;
}
