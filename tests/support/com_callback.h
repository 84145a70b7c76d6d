/* com_callback.h - the tests' own IWMStatusCallback in C, as SDK code would
 * write one (vtable, reference count, events recorded under a mutex), the
 * rules every operation's events follow, and UTF-16 helpers independent of
 * licvault's codec. For the tests of licvault/wmsdk.h (tests/compat).
 *
 * Ownership: cb_new gives the test one reference, which it keeps; Release
 * never frees the object (a Release that would have freed it is counted in
 * over_released instead), the test does, with cb_free, once every reference
 * it lent to the library has come back.
 *
 * Threads: AddRef, Release, QueryInterface and OnStatus may be called on any
 * thread. refs and the event fields (ev, n, ends, begins, progress) change
 * under mu: read them with cb_refs/cb_count or after cb_wait/cb_settle
 * succeeded (its lock orders the operation's writes before the read), not
 * while an operation may still call the object. The hook fields are set
 * before the callback is handed to an operation; hook_n and hook_hr belong
 * to the hook, which runs on the operation's thread outside mu. */
#ifndef LV_COM_CALLBACK_H
#define LV_COM_CALLBACK_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "licvault/wmsdk.h"

#define CB_WAIT_S 60    /* generous: sanitizer builds on a loaded machine */
#define CB_MAXEV 256    /* events kept per callback (more are only counted) */
#define CB_TEXT_MAX 256 /* UTF-16 units kept of a string payload */

/* ---- UTF-16 ---- */

size_t w16_len(const WCHAR *s);
bool w16_eq(const WCHAR *a, const WCHAR *b);
/* UTF-8 (valid) to NUL-terminated UTF-16 in out (cap units, asserted);
 * returns the units without the NUL. */
size_t w16_from(WCHAR *out, size_t cap, const char *utf8);
/* The SDK's SetProp for a UTF-16 string: cbLength in bytes with the NUL. */
HRESULT prop_set_w(IWMBackupRestoreProps *p, const WCHAR *name, const WCHAR *value);
/* The same for a UTF-8 value (short: it must fit 2048 UTF-16 units). */
HRESULT prop_set_a(IWMBackupRestoreProps *p, const WCHAR *name, const char *utf8);

/* ---- the callback ---- */

/* One OnStatus call as it came. */
typedef struct cb_event {
  WMT_STATUS st;
  HRESULT hr;
  WMT_ATTR_DATATYPE type;
  bool value_null, ctx_set;
  bool on_caller;          /* on the thread that called cb_new */
  DWORD dw;                /* a WMT_TYPE_DWORD payload */
  WCHAR text[CB_TEXT_MAX]; /* a WMT_TYPE_STRING payload (cut, NUL-terminated) */
} cb_event;

typedef struct cbk cbk;
/* Runs on the operation's thread, before the event is recorded. */
typedef void (*cb_hook)(cbk *c, WMT_STATUS st, HRESULT hr);

struct cbk {
  IWMStatusCallback iface; /* first: &c->iface is the object */
  pthread_mutex_t mu;
  pthread_cond_t cv; /* broadcast on every change of refs and every event */
  ULONG refs;
  pthread_t caller;
  cb_event ev[CB_MAXEV];
  int n; /* events seen (ev keeps the first CB_MAXEV) */
  int ends, begins, progress;
  cb_hook hook; /* NULL: none */
  void *hook_ctx;
  int hook_n;
  HRESULT hook_hr;
  int over_released; /* Release calls that would have freed it */
};

/* A callback with one reference, the test's (asserts). */
cbk *cb_new(void);
/* The object as the IUnknown WMCreateBackupRestorer takes. */
IUnknown *cb_unk(cbk *c);
/* Waits up to CB_WAIT_S for at least ends END events and for the count to
 * be refs (0: any); whether both came. */
bool cb_wait(cbk *c, int ends, ULONG refs);
/* Waits for the operations to be done with it: ends ENDs, and all back to
 * the test's one reference; fails the test otherwise. */
void cb_settle(cbk *c, int ends);
/* The reference count now. */
ULONG cb_refs(cbk *c);
/* Events seen so far. */
int cb_count(cbk *c);
/* Asserts every reference came back and none too many, and frees; NULL is
 * a no-op. */
void cb_free(cbk *c);
/* The rules every operation's events follow (after cb_settle): BEGIN first
 * and once, END last and once, none on the caller's thread, pvContext NULL,
 * payload types as documented; progress events (monotonic, at most 100)
 * only when progress. Returns the END event. */
const cb_event *cb_check_op(cbk *c, bool progress);

#endif
