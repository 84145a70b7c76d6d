/* com_callback.c - see com_callback.h. */
#include "com_callback.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testutil.h"

/* ======================================================================
 * UTF-16
 * ====================================================================== */

size_t w16_len(const WCHAR *s) {
  size_t n = 0;
  while (s[n]) n++;
  return n;
}

bool w16_eq(const WCHAR *a, const WCHAR *b) {
  size_t n = w16_len(a);
  return n == w16_len(b) && !memcmp(a, b, 2 * n);
}

size_t w16_from(WCHAR *out, size_t cap, const char *utf8) {
  const unsigned char *p = (const unsigned char *)utf8;
  size_t n = 0;
  while (*p) {
    uint32_t c;
    int more;
    if (*p < 0x80) c = *p, more = 0;
    else if ((*p & 0xE0) == 0xC0) c = *p & 0x1Fu, more = 1;
    else if ((*p & 0xF0) == 0xE0) c = *p & 0x0Fu, more = 2;
    else c = *p & 0x07u, more = 3;
    p++;
    while (more-- > 0 && (*p & 0xC0) == 0x80) c = (c << 6) | (*p++ & 0x3Fu);
    assert_true(n + 3 <= cap);
    if (c >= 0x10000) {
      out[n++] = (WCHAR)(0xD800 + ((c - 0x10000) >> 10));
      out[n++] = (WCHAR)(0xDC00 + (c & 0x3FF));
    } else {
      out[n++] = (WCHAR)c;
    }
  }
  out[n] = 0;
  return n;
}

HRESULT prop_set_w(IWMBackupRestoreProps *p, const WCHAR *name, const WCHAR *value) {
  return IWMBackupRestoreProps_SetProp(p, name, WMT_TYPE_STRING, (const BYTE *)value,
                                       (WORD)(2 * (w16_len(value) + 1)));
}

HRESULT prop_set_a(IWMBackupRestoreProps *p, const WCHAR *name, const char *utf8) {
  WCHAR w[2048];
  w16_from(w, sizeof w / sizeof w[0], utf8);
  return prop_set_w(p, name, w);
}

/* ======================================================================
 * IWMStatusCallback: vtable, reference count, events under a mutex
 * ====================================================================== */

static cbk *impl(IWMStatusCallback *p) { return (cbk *)p; }

static ULONG STDMETHODCALLTYPE cb_addref(IWMStatusCallback *p) {
  cbk *c = impl(p);
  pthread_mutex_lock(&c->mu);
  ULONG n = ++c->refs;
  pthread_cond_broadcast(&c->cv);
  pthread_mutex_unlock(&c->mu);
  return n;
}

static ULONG STDMETHODCALLTYPE cb_release(IWMStatusCallback *p) {
  cbk *c = impl(p);
  pthread_mutex_lock(&c->mu);
  if (c->refs <= 1) c->over_released++; /* the test holds the last one itself */
  else c->refs--;
  ULONG n = c->refs;
  pthread_cond_broadcast(&c->cv);
  pthread_mutex_unlock(&c->mu);
  return n;
}

static HRESULT STDMETHODCALLTYPE cb_qi(IWMStatusCallback *p, REFIID riid, void **ppv) {
  if (!ppv) return E_POINTER;
  *ppv = NULL;
  if (!IsEqualIID(riid, &IID_IUnknown) && !IsEqualIID(riid, &IID_IWMStatusCallback))
    return E_NOINTERFACE;
  cb_addref(p);
  *ppv = p;
  return S_OK;
}

static HRESULT STDMETHODCALLTYPE cb_on_status(IWMStatusCallback *p, WMT_STATUS st, HRESULT hr,
                                              WMT_ATTR_DATATYPE type, BYTE *value, void *ctx) {
  cbk *c = impl(p);
  if (c->hook) c->hook(c, st, hr);
  pthread_mutex_lock(&c->mu);
  if (c->n < CB_MAXEV) {
    cb_event *e = &c->ev[c->n];
    memset(e, 0, sizeof *e);
    e->st = st;
    e->hr = hr;
    e->type = type;
    e->value_null = !value;
    e->ctx_set = ctx != NULL;
    e->on_caller = pthread_equal(pthread_self(), c->caller);
    if (value && type == WMT_TYPE_DWORD) memcpy(&e->dw, value, sizeof e->dw);
    if (value && type == WMT_TYPE_STRING)
      for (size_t i = 0; i + 1 < CB_TEXT_MAX; i++) { /* may be unaligned */
        memcpy(&e->text[i], value + 2 * i, 2);
        if (!e->text[i]) break;
      }
  }
  c->n++;
  if (st == WMT_BACKUPRESTORE_BEGIN) c->begins++;
  if (st == WMT_BACKUPRESTORE_END) c->ends++;
  if (st == LV_WMT_BACKUPRESTORE_PROGRESS) c->progress++;
  pthread_cond_broadcast(&c->cv); /* under the lock */
  pthread_mutex_unlock(&c->mu);
  return S_OK;
}

static const IWMStatusCallbackVtbl cb_vtbl = {cb_qi, cb_addref, cb_release, cb_on_status};

cbk *cb_new(void) {
  cbk *c = calloc(1, sizeof *c);
  pthread_condattr_t a;
  assert_non_null(c);
  c->iface.lpVtbl = &cb_vtbl;
  c->refs = 1;
  c->caller = pthread_self();
  pthread_mutex_init(&c->mu, NULL);
  pthread_condattr_init(&a);
  pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
  pthread_cond_init(&c->cv, &a);
  pthread_condattr_destroy(&a);
  return c;
}

IUnknown *cb_unk(cbk *c) { return (IUnknown *)&c->iface; }

bool cb_wait(cbk *c, int ends, ULONG refs) {
  struct timespec dl;
  int e = 0;
  clock_gettime(CLOCK_MONOTONIC, &dl);
  dl.tv_sec += CB_WAIT_S;
  pthread_mutex_lock(&c->mu);
  while ((c->ends < ends || (refs && c->refs != refs)) && e != ETIMEDOUT)
    e = pthread_cond_timedwait(&c->cv, &c->mu, &dl);
  bool ok = c->ends >= ends && (!refs || c->refs == refs);
  pthread_mutex_unlock(&c->mu);
  return ok;
}

void cb_settle(cbk *c, int ends) {
  if (!cb_wait(c, ends, 1)) fail_msg("no END or callback not released in %d s", CB_WAIT_S);
}

ULONG cb_refs(cbk *c) {
  pthread_mutex_lock(&c->mu);
  ULONG n = c->refs;
  pthread_mutex_unlock(&c->mu);
  return n;
}

int cb_count(cbk *c) {
  pthread_mutex_lock(&c->mu);
  int n = c->n;
  pthread_mutex_unlock(&c->mu);
  return n;
}

void cb_free(cbk *c) {
  if (!c) return;
  assert_true(cb_wait(c, 0, 1));
  assert_int_equal(c->over_released, 0);
  pthread_cond_destroy(&c->cv);
  pthread_mutex_destroy(&c->mu);
  free(c);
}

const cb_event *cb_check_op(cbk *c, bool progress) {
  assert_true(c->n >= 2 && c->n <= CB_MAXEV);
  assert_int_equal(c->begins, 1);
  assert_int_equal(c->ends, 1);
  assert_int_equal(c->ev[0].st, WMT_BACKUPRESTORE_BEGIN);
  assert_int_equal(c->ev[0].hr, S_OK);
  assert_int_equal(c->ev[c->n - 1].st, WMT_BACKUPRESTORE_END);
  int last_pct = -1;
  for (int i = 0; i < c->n; i++) {
    const cb_event *e = &c->ev[i];
    if (e->on_caller) fail_msg("event %d (status %d) on the caller's thread", i, (int)e->st);
    if (e->ctx_set) fail_msg("event %d (status %d): pvContext not NULL", i, (int)e->st);
    switch ((int)e->st) {
    case WMT_BACKUPRESTORE_BEGIN:
    case WMT_BACKUPRESTORE_END:
    case WMT_BACKUPRESTORE_CONNECTING:
    case WMT_BACKUPRESTORE_DISCONNECTING:
      assert_int_equal(e->type, WMT_TYPE_DWORD);
      assert_false(e->value_null);
      break;
    case WMT_RESTRICTED_LICENSE:
    case WMT_ERROR_WITHURL:
      assert_int_equal(e->type, WMT_TYPE_STRING);
      assert_false(e->value_null);
      assert_true(w16_len(e->text) > 0);
      break;
    case LV_WMT_BACKUPRESTORE_PROGRESS:
      if (!progress) fail_msg("progress event %d without the Progress property", i);
      assert_int_equal(e->type, WMT_TYPE_DWORD);
      assert_false(e->value_null);
      assert_true(e->dw <= 100 && (int)e->dw >= last_pct);
      assert_int_equal(e->hr, S_OK);
      last_pct = (int)e->dw;
      break;
    default: fail_msg("event %d: unexpected status %d", i, (int)e->st);
    }
  }
  return &c->ev[c->n - 1];
}
