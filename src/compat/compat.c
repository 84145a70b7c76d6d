/* compat.c - WMCreateBackupRestorer: one COM-style object with the SDK's
 * three interfaces over lv_restorer. Thin by design: properties and
 * operations go straight to the restorer; events become OnStatus calls.
 * COM's rules: one identity (IUnknown is always the IWMLicenseBackup
 * pointer), shared reference count, a running operation holds a reference
 * until its END has been delivered. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/encoding.h"
#include "licvault/restorer.h"
#include "licvault/wmsdk.h"

const IID IID_IUnknown = {0x00000000, 0x0000, 0x0000, {0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46}};
const IID IID_IWMStatusCallback = {0x6d7cdc70, 0x9888, 0x11d3, {0x8e, 0xdc, 0x00, 0xc0, 0x4f, 0x61, 0x09, 0xcf}};
const IID IID_IWMLicenseBackup = {0x05e5ac9f, 0x3fb6, 0x4508, {0xbb, 0x43, 0xa4, 0x06, 0x7b, 0xa1, 0xeb, 0xe8}};
const IID IID_IWMLicenseRestore = {0xc70b6334, 0xa22e, 0x4efb, {0xa2, 0x45, 0x15, 0xe6, 0x5a, 0x00, 0x4a, 0x13}};
const IID IID_IWMBackupRestoreProps = {0x3c8e0da6, 0x996f, 0x4ff3, {0xa1, 0xaf, 0x48, 0x38, 0xf9, 0x37, 0x7e, 0x2e}};

typedef struct obj {
  IWMLicenseBackup backup; /* first: its address is the object's identity */
  IWMLicenseRestore restore;
  IWMBackupRestoreProps props;
  atomic_ulong refs;
  lv_restorer *r;
  IUnknown *creation_cb;
} obj;

#define FROM(p, field) ((obj *)((char *)(p)-offsetof(obj, field)))

/* ---- IUnknown, shared by the three ---- */

static HRESULT qi(obj *o, REFIID riid, void **ppv) {
  if (!ppv) return E_POINTER;
  *ppv = NULL;
  if (!riid) return E_INVALIDARG;
  if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IWMLicenseBackup))
    *ppv = &o->backup;
  else if (IsEqualIID(riid, &IID_IWMLicenseRestore))
    *ppv = &o->restore;
  else if (IsEqualIID(riid, &IID_IWMBackupRestoreProps))
    *ppv = &o->props;
  else
    return E_NOINTERFACE;
  atomic_fetch_add(&o->refs, 1);
  return S_OK;
}

static ULONG addref(obj *o) { return (ULONG)atomic_fetch_add(&o->refs, 1) + 1; }

static ULONG release(obj *o) {
  unsigned long n = atomic_fetch_sub(&o->refs, 1) - 1;
  if (n == 0) {
    /* waits for a running operation's END, or (called from inside that
     * END's callback) lets the operation's thread finish freeing */
    lv_restorer_free(o->r);
    if (o->creation_cb) o->creation_cb->lpVtbl->Release(o->creation_cb);
    free(o);
  }
  return (ULONG)n;
}

#define UNKNOWN_OF(T, field)                                                                   \
  static HRESULT STDMETHODCALLTYPE field##_qi(T *p, REFIID riid, void **ppv) {                  \
    return qi(FROM(p, field), riid, ppv);                                                      \
  }                                                                                            \
  static ULONG STDMETHODCALLTYPE field##_addref(T *p) { return addref(FROM(p, field)); }       \
  static ULONG STDMETHODCALLTYPE field##_release(T *p) { return release(FROM(p, field)); }

UNKNOWN_OF(IWMLicenseBackup, backup)
UNKNOWN_OF(IWMLicenseRestore, restore)
UNKNOWN_OF(IWMBackupRestoreProps, props)

/* ---- events ---- */

typedef struct op {
  obj *o;
  IWMStatusCallback *cb;
  bool progress;
} op;

static void send(op *p, WMT_STATUS st, HRESULT hr, WMT_ATTR_DATATYPE t, BYTE *v) {
  p->cb->lpVtbl->OnStatus(p->cb, st, hr, t, v, NULL);
}

static void send_text(op *p, WMT_STATUS st, HRESULT hr, const char *text) {
  uint16_t w[2048];
  if (!text || lv__utf8_to_utf16(w, sizeof w / sizeof w[0], NULL, text) < 0) w[0] = 0;
  send(p, st, hr, WMT_TYPE_STRING, (BYTE *)w);
}

static void on_event(const lv_event *ev, void *ctx) {
  op *p = ctx;
  DWORD v = 0;
  switch (ev->type) {
  case LV_EV_BEGIN: send(p, WMT_BACKUPRESTORE_BEGIN, S_OK, WMT_TYPE_DWORD, (BYTE *)&v); break;
  case LV_EV_CONNECTING:
    send(p, WMT_BACKUPRESTORE_CONNECTING, S_OK, WMT_TYPE_DWORD, (BYTE *)&v);
    break;
  case LV_EV_DISCONNECTING:
    send(p, WMT_BACKUPRESTORE_DISCONNECTING, S_OK, WMT_TYPE_DWORD, (BYTE *)&v);
    break;
  case LV_EV_RESTRICTED: send_text(p, WMT_RESTRICTED_LICENSE, S_OK, ev->kid); break;
  case LV_EV_ERROR_WITHURL:
    send_text(p, WMT_ERROR_WITHURL, (HRESULT)lv_status_to_hresult(LV_E_RESTORE_FRAUD), ev->url);
    break;
  case LV_EV_PROGRESS:
    if (!p->progress || !ev->total) break;
    v = (DWORD)(ev->done * 100 / ev->total);
    send(p, LV_WMT_BACKUPRESTORE_PROGRESS, S_OK, WMT_TYPE_DWORD, (BYTE *)&v);
    break;
  case LV_EV_END: {
    v = (DWORD)ev->done;
    send(p, WMT_BACKUPRESTORE_END, (HRESULT)lv_status_to_hresult(ev->status), WMT_TYPE_DWORD,
         (BYTE *)&v);
    /* END is last: the operation lets go of the callback and the object */
    p->cb->lpVtbl->Release(p->cb);
    obj *o = p->o;
    free(p);
    release(o);
    break;
  }
  default: break; /* per-license outcomes are licvault's, not the SDK's */
  }
}

static HRESULT start(obj *o, lv_op kind, DWORD flags, IWMStatusCallback *cb) {
  if (!cb) return E_INVALIDARG;
  op *p = lv__calloc(1, sizeof *p);
  if (!p) return E_OUTOFMEMORY;
  char v[4];
  size_t len = sizeof v;
  p->o = o;
  p->cb = cb;
  p->progress = lv_restorer_get_prop(o->r, LV_PROP_PROGRESS, v, &len) == LV_OK && !strcmp(v, "1");
  cb->lpVtbl->AddRef(cb);
  addref(o);
  lv_status rc = kind == LV_OP_BACKUP ? lv_restorer_backup(o->r, flags, on_event, p)
                                      : lv_restorer_restore(o->r, flags, on_event, p);
  if (rc != LV_OK) { /* refused at once: no event will come */
    cb->lpVtbl->Release(cb);
    free(p);
    release(o);
  }
  return (HRESULT)lv_status_to_hresult(rc);
}

static HRESULT STDMETHODCALLTYPE backup_licenses(IWMLicenseBackup *p, DWORD flags,
                                                 IWMStatusCallback *cb) {
  return start(FROM(p, backup), LV_OP_BACKUP, flags, cb);
}

static HRESULT STDMETHODCALLTYPE cancel_backup(IWMLicenseBackup *p) {
  lv_restorer_cancel_op(FROM(p, backup)->r, LV_OP_BACKUP);
  return S_OK;
}

static HRESULT STDMETHODCALLTYPE restore_licenses(IWMLicenseRestore *p, DWORD flags,
                                                  IWMStatusCallback *cb) {
  if (flags & ~WM_RESTORE_INDIVIDUALIZE) return E_INVALIDARG; /* only the SDK's flags */
  return start(FROM(p, restore), LV_OP_RESTORE, flags, cb);
}

static HRESULT STDMETHODCALLTYPE cancel_restore(IWMLicenseRestore *p) {
  lv_restorer_cancel_op(FROM(p, restore)->r, LV_OP_RESTORE);
  return S_OK;
}

/* ---- properties ---- */

#define NAME_MAX_UNITS 256
#define VALUE_MAX_BYTES 8192

static size_t wlen(const WCHAR *s, size_t max) {
  size_t n = 0;
  while (n < max && s[n]) n++;
  return n;
}

/* A property name from the caller, as UTF-8. */
static HRESULT name_in(char out[4 * NAME_MAX_UNITS + 1], LPCWSTR name) {
  if (!name) return E_INVALIDARG;
  size_t n = wlen(name, NAME_MAX_UNITS + 1);
  if (n == 0 || n > NAME_MAX_UNITS) return E_INVALIDARG;
  return lv__utf16_to_utf8(out, 4 * NAME_MAX_UNITS + 1, NULL, (const uint16_t *)name, n) == LV_OK
             ? S_OK
             : E_INVALIDARG;
}

static HRESULT STDMETHODCALLTYPE set_prop(IWMBackupRestoreProps *p, LPCWSTR name,
                                          WMT_ATTR_DATATYPE type, const BYTE *value, WORD cb) {
  char n[4 * NAME_MAX_UNITS + 1], v[3 * VALUE_MAX_BYTES / 2 + 1];
  uint16_t w[VALUE_MAX_BYTES / 2];
  HRESULT hr = name_in(n, name);
  if (FAILED(hr)) return hr;
  /* the SDK accepts only strings: UTF-16, cbLength in bytes with the NUL */
  if (type != WMT_TYPE_STRING || !value || cb < 2 || cb % 2 || cb > VALUE_MAX_BYTES)
    return E_INVALIDARG;
  size_t units = cb / 2;
  memcpy(w, value, cb); /* the caller's buffer may be unaligned */
  if (w[units - 1] != 0 || wlen(w, units) != units - 1) return E_INVALIDARG;
  if (lv__utf16_to_utf8(v, sizeof v, NULL, w, units - 1) < 0) return E_INVALIDARG;
  return (HRESULT)lv_status_to_hresult(lv_restorer_set_prop(FROM(p, props)->r, n, v));
}

static HRESULT STDMETHODCALLTYPE get_prop_count(IWMBackupRestoreProps *p, WORD *count) {
  if (!count) return E_POINTER;
  size_t n = lv_restorer_prop_count(FROM(p, props)->r);
  *count = (WORD)(n > 0xFFFF ? 0xFFFF : n);
  return S_OK;
}

/* Copies a UTF-8 value out as UTF-16 with the SDK's two-call protocol:
 * NULL buffer → the size needed; too small → ASF_E_BUFFERTOOSMALL. */
static HRESULT value_out(const char *v, WMT_ATTR_DATATYPE *type, BYTE *buf, WORD *cb) {
  uint16_t w[VALUE_MAX_BYTES / 2];
  size_t units;
  if (!cb) return E_POINTER;
  if (lv__utf8_to_utf16(w, sizeof w / sizeof w[0], &units, v) < 0) return E_UNEXPECTED;
  size_t need = 2 * (units + 1);
  if (type) *type = WMT_TYPE_STRING;
  if (!buf) {
    *cb = (WORD)need;
    return S_OK;
  }
  if (*cb < need) {
    *cb = (WORD)need;
    return ASF_E_BUFFERTOOSMALL;
  }
  memcpy(buf, w, need);
  *cb = (WORD)need;
  return S_OK;
}

static HRESULT STDMETHODCALLTYPE get_prop_by_name(IWMBackupRestoreProps *p, LPCWSTR name,
                                                  WMT_ATTR_DATATYPE *type, BYTE *value, WORD *cb) {
  char n[4 * NAME_MAX_UNITS + 1], v[3 * VALUE_MAX_BYTES / 2 + 1];
  size_t len = sizeof v;
  HRESULT hr = name_in(n, name);
  if (FAILED(hr)) return hr;
  lv_status rc = lv_restorer_get_prop(FROM(p, props)->r, n, v, &len);
  if (rc < 0) return (HRESULT)lv_status_to_hresult(rc);
  return value_out(v, type, value, cb);
}

static HRESULT STDMETHODCALLTYPE get_prop_by_index(IWMBackupRestoreProps *p, WORD idx, WCHAR *name,
                                                   WORD *cch, WMT_ATTR_DATATYPE *type,
                                                   BYTE *value, WORD *cb) {
  obj *o = FROM(p, props);
  char n[4 * NAME_MAX_UNITS + 1], v[3 * VALUE_MAX_BYTES / 2 + 1];
  size_t nl = sizeof n, vl = sizeof v, units;
  uint16_t wn[NAME_MAX_UNITS + 1];
  if (!cch || !cb) return E_POINTER;
  lv_status rc = lv_restorer_prop_name(o->r, idx, n, &nl);
  if (rc == LV_OK) rc = lv_restorer_get_prop(o->r, n, v, &vl);
  if (rc < 0) return rc == LV_E_NOT_FOUND ? E_INVALIDARG : (HRESULT)lv_status_to_hresult(rc);
  if (lv__utf8_to_utf16(wn, sizeof wn / sizeof wn[0], &units, n) < 0) return E_UNEXPECTED;
  HRESULT hr = S_OK;
  if (name) {
    if (*cch < units + 1) hr = ASF_E_BUFFERTOOSMALL;
    else memcpy(name, wn, 2 * (units + 1));
  }
  *cch = (WORD)(units + 1); /* in WCHARs, with the NUL */
  HRESULT hv = value_out(v, type, value, cb);
  return FAILED(hr) ? hr : hv;
}

static HRESULT STDMETHODCALLTYPE remove_prop(IWMBackupRestoreProps *p, LPCWSTR name) {
  char n[4 * NAME_MAX_UNITS + 1];
  HRESULT hr = name_in(n, name);
  if (FAILED(hr)) return hr;
  return (HRESULT)lv_status_to_hresult(lv_restorer_remove_prop(FROM(p, props)->r, n));
}

static HRESULT STDMETHODCALLTYPE remove_all_props(IWMBackupRestoreProps *p) {
  return (HRESULT)lv_status_to_hresult(lv_restorer_remove_all_props(FROM(p, props)->r));
}

/* ---- vtables ---- */

static const IWMLicenseBackupVtbl backup_vtbl = {backup_qi, backup_addref, backup_release,
                                                 backup_licenses, cancel_backup};
static const IWMLicenseRestoreVtbl restore_vtbl = {restore_qi, restore_addref, restore_release,
                                                   restore_licenses, cancel_restore};
static const IWMBackupRestorePropsVtbl props_vtbl = {
    props_qi, props_addref, props_release, get_prop_count, get_prop_by_index,
    get_prop_by_name, set_prop, remove_prop, remove_all_props};

HRESULT STDMETHODCALLTYPE WMCreateBackupRestorer(IUnknown *pCallback, IWMLicenseBackup **ppBackup) {
  if (!ppBackup) return E_POINTER;
  *ppBackup = NULL;
  if (!pCallback) return E_INVALIDARG; /* as Wine */
  obj *o = lv__calloc(1, sizeof *o);
  if (!o) return E_OUTOFMEMORY;
  if (lv_restorer_create(&o->r) != LV_OK) {
    free(o);
    return E_OUTOFMEMORY;
  }
  o->backup.lpVtbl = &backup_vtbl;
  o->restore.lpVtbl = &restore_vtbl;
  o->props.lpVtbl = &props_vtbl;
  atomic_init(&o->refs, 1);
  o->creation_cb = pCallback;
  pCallback->lpVtbl->AddRef(pCallback);
  *ppBackup = &o->backup;
  return S_OK;
}
