/* sdk_backup_restore.c - license backup and restore as a Windows Media Format SDK
 * application writes them (WMCreateBackupRestorer, Backup/RestoreLicenses, OnStatus). */

/* The SDK code it mirrors changes only in its includes and link flags:
 *   cc -std=c17 sdk_backup_restore.c $(pkg-config --cflags --libs licvault) -pthread
 * Usage:
 *   sdk_backup_restore backup [--overwrite] [--progress] [--store DIR] [--machine FILE] FOLDER
 *   sdk_backup_restore restore [--individualize] [--store DIR] [--machine FILE]
 *                              [--service-url URL] FOLDER
 * Without --store/--machine the computer's own store is used
 * ($LICVAULT_STORE / $LICVAULT_MACHINE or the XDG folders). Exit status: 0 on
 * S_OK, 3 on a partial restore (NS_S_WMPBR_PARTIALSUCCESS), 2 on bad usage,
 * 1 otherwise. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <licvault/wmsdk.h>

/* ---- the application's IWMStatusCallback: a COM object in C ---- */

typedef struct app_callback {
  IWMStatusCallback iface; /* first: &cb->iface is the object */
  pthread_mutex_t mu;
  pthread_cond_t cv;
  ULONG refs;
  int ended;
  int restoring; /* set before the operation starts, read-only after */
  HRESULT result;
  DWORD licenses;
} app_callback;

static HRESULT STDMETHODCALLTYPE cb_query_interface(IWMStatusCallback *This, REFIID riid,
                                                    void **ppv);
static ULONG STDMETHODCALLTYPE cb_add_ref(IWMStatusCallback *This);
static ULONG STDMETHODCALLTYPE cb_release(IWMStatusCallback *This);
static HRESULT STDMETHODCALLTYPE cb_on_status(IWMStatusCallback *This, WMT_STATUS Status,
                                              HRESULT hr, WMT_ATTR_DATATYPE dwType,
                                              BYTE *pValue, void *pvContext);

static const IWMStatusCallbackVtbl cb_vtbl = {cb_query_interface, cb_add_ref, cb_release,
                                              cb_on_status};

static app_callback *cb_create(void) {
  app_callback *cb = calloc(1, sizeof *cb);
  if (!cb) return NULL;
  cb->iface.lpVtbl = &cb_vtbl;
  cb->refs = 1;
  pthread_mutex_init(&cb->mu, NULL);
  pthread_cond_init(&cb->cv, NULL);
  return cb;
}

static HRESULT STDMETHODCALLTYPE cb_query_interface(IWMStatusCallback *This, REFIID riid,
                                                    void **ppv) {
  if (!ppv) return E_POINTER;
  *ppv = NULL;
  if (!IsEqualIID(riid, &IID_IUnknown) && !IsEqualIID(riid, &IID_IWMStatusCallback))
    return E_NOINTERFACE;
  IWMStatusCallback_AddRef(This);
  *ppv = This;
  return S_OK;
}

static ULONG STDMETHODCALLTYPE cb_add_ref(IWMStatusCallback *This) {
  app_callback *cb = (app_callback *)This;
  pthread_mutex_lock(&cb->mu);
  ULONG n = ++cb->refs;
  pthread_mutex_unlock(&cb->mu);
  return n;
}

/* The last Release frees it, whichever thread that is on. */
static ULONG STDMETHODCALLTYPE cb_release(IWMStatusCallback *This) {
  app_callback *cb = (app_callback *)This;
  pthread_mutex_lock(&cb->mu);
  ULONG n = --cb->refs;
  pthread_mutex_unlock(&cb->mu);
  if (n == 0) {
    pthread_cond_destroy(&cb->cv);
    pthread_mutex_destroy(&cb->mu);
    free(cb);
  }
  return n;
}

/* UTF-16 → UTF-8 for printing (a KID or URL). */
static void print_utf16(const BYTE *p) {
  for (size_t i = 0;; i++) {
    WCHAR u, lo;
    unsigned long c;
    memcpy(&u, p + 2 * i, 2); /* may be unaligned */
    if (!u) break;
    c = u;
    if (u >= 0xD800 && u < 0xDC00) {
      memcpy(&lo, p + 2 * (i + 1), 2);
      if (lo >= 0xDC00 && lo < 0xE000) {
        c = 0x10000 + ((unsigned long)(u - 0xD800) << 10) + (lo - 0xDC00);
        i++;
      }
    }
    if (c < 0x80) putchar((int)c);
    else if (c < 0x800) printf("%c%c", (int)(0xC0 | c >> 6), (int)(0x80 | (c & 0x3F)));
    else if (c < 0x10000)
      printf("%c%c%c", (int)(0xE0 | c >> 12), (int)(0x80 | (c >> 6 & 0x3F)),
             (int)(0x80 | (c & 0x3F)));
    else
      printf("%c%c%c%c", (int)(0xF0 | c >> 18), (int)(0x80 | (c >> 12 & 0x3F)),
             (int)(0x80 | (c >> 6 & 0x3F)), (int)(0x80 | (c & 0x3F)));
  }
}

static const char *hr_name(HRESULT hr) {
  switch (hr) {
  case S_OK: return "S_OK";
  case NS_S_WMPBR_PARTIALSUCCESS: return "NS_S_WMPBR_PARTIALSUCCESS";
  case (HRESULT)0x80070002L: return "HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND) (no set there)";
  case NS_E_DRM_BACKUP_CORRUPT: return "NS_E_DRM_BACKUP_CORRUPT";
  case NS_E_DRM_RESTORE_FRAUD: return "NS_E_DRM_RESTORE_FRAUD";
  case NS_E_DRM_RESTORE_SERVICE_UNAVAILABLE: return "NS_E_DRM_RESTORE_SERVICE_UNAVAILABLE";
  case NS_E_DRM_ERROR_BAD_NET_RESP: return "NS_E_DRM_ERROR_BAD_NET_RESP";
  case E_INVALIDARG: return "E_INVALIDARG";
  case E_OUTOFMEMORY: return "E_OUTOFMEMORY";
  case NS_E_DRM_INVALID_PROPERTY: return "NS_E_DRM_INVALID_PROPERTY";
  case NS_E_DRM_BACKUP_EXISTS: return "NS_E_DRM_BACKUP_EXISTS";
  case NS_E_DRM_BACKUPRESTORE_BUSY: return "NS_E_DRM_BACKUPRESTORE_BUSY";
  case NS_E_DRM_NEEDS_INDIVIDUALIZATION: return "NS_E_DRM_NEEDS_INDIVIDUALIZATION";
  case NS_E_DRM_INVALID_MACHINE: return "NS_E_DRM_INVALID_MACHINE";
  case NS_E_DRM_POLICY_DISABLE_ONLINE: return "NS_E_DRM_POLICY_DISABLE_ONLINE (no service pinned)";
  case NS_E_DRM_OPERATION_CANCELED: return "NS_E_DRM_OPERATION_CANCELED";
  default: return "error";
  }
}

/* Called on the operation's own thread, never main's; pvContext is NULL. */
static HRESULT STDMETHODCALLTYPE cb_on_status(IWMStatusCallback *This, WMT_STATUS Status,
                                              HRESULT hr, WMT_ATTR_DATATYPE dwType,
                                              BYTE *pValue, void *pvContext) {
  app_callback *cb = (app_callback *)This;
  DWORD dw = 0;
  (void)pvContext;
  if (pValue && dwType == WMT_TYPE_DWORD) memcpy(&dw, pValue, sizeof dw);
  switch ((int)Status) {
  case WMT_BACKUPRESTORE_BEGIN: printf("WMT_BACKUPRESTORE_BEGIN\n"); break;
  case WMT_BACKUPRESTORE_CONNECTING: printf("WMT_BACKUPRESTORE_CONNECTING\n"); break;
  case WMT_BACKUPRESTORE_DISCONNECTING: printf("WMT_BACKUPRESTORE_DISCONNECTING\n"); break;
  case WMT_RESTRICTED_LICENSE:
    printf(cb->restoring ? "WMT_RESTRICTED_LICENSE: not restored (the service refused it): "
                         : "WMT_RESTRICTED_LICENSE: not backed up (its rights forbid it): ");
    if (pValue && dwType == WMT_TYPE_STRING) print_utf16(pValue);
    putchar('\n');
    break;
  case WMT_ERROR_WITHURL:
    printf("WMT_ERROR_WITHURL: hr 0x%08lX %s, see ", (unsigned long)(uint32_t)hr, hr_name(hr));
    if (pValue && dwType == WMT_TYPE_STRING) print_utf16(pValue);
    putchar('\n');
    break;
  case LV_WMT_BACKUPRESTORE_PROGRESS: printf("progress: %lu%%\n", (unsigned long)dw); break;
  case WMT_BACKUPRESTORE_END:
    printf("WMT_BACKUPRESTORE_END: hr 0x%08lX %s, %lu licenses %s\n",
           (unsigned long)(uint32_t)hr, hr_name(hr), (unsigned long)dw,
           cb->restoring ? "on this computer" : "backed up");
    pthread_mutex_lock(&cb->mu);
    cb->result = hr;
    cb->licenses = dw;
    cb->ended = 1;
    pthread_cond_signal(&cb->cv);
    pthread_mutex_unlock(&cb->mu);
    break;
  default: printf("status %d, hr 0x%08lX\n", (int)Status, (unsigned long)(uint32_t)hr); break;
  }
  fflush(stdout);
  return S_OK; /* "should always return S_OK" */
}

/* ---- strings for SetProp: UTF-16 with the NUL, cbLength in bytes ---- */

static HRESULT set_string(IWMBackupRestoreProps *props, LPCWSTR name, const char *utf8) {
  WCHAR w[4096];
  size_t n = 0;
  const unsigned char *p = (const unsigned char *)utf8;
  while (*p) {
    unsigned long c;
    int more;
    if (*p < 0x80) c = *p, more = 0;
    else if ((*p & 0xE0) == 0xC0) c = *p & 0x1Fu, more = 1;
    else if ((*p & 0xF0) == 0xE0) c = *p & 0x0Fu, more = 2;
    else if ((*p & 0xF8) == 0xF0) c = *p & 0x07u, more = 3;
    else return E_INVALIDARG;
    for (p++; more > 0; more--, p++) {
      if ((*p & 0xC0) != 0x80) return E_INVALIDARG;
      c = c << 6 | (*p & 0x3Fu);
    }
    if (n + 3 > sizeof w / sizeof w[0]) return E_INVALIDARG;
    if (c >= 0x10000) {
      w[n++] = (WCHAR)(0xD800 + ((c - 0x10000) >> 10));
      w[n++] = (WCHAR)(0xDC00 + (c & 0x3FF));
    } else {
      w[n++] = (WCHAR)c;
    }
  }
  w[n] = 0;
  return IWMBackupRestoreProps_SetProp(props, name, WMT_TYPE_STRING, (const BYTE *)w,
                                       (WORD)(2 * (n + 1)));
}

static void usage(FILE *to) {
  fputs("Usage: sdk_backup_restore backup [--overwrite] [--progress] [--store DIR]\n"
        "                                 [--machine FILE] FOLDER\n"
        "       sdk_backup_restore restore [--individualize] [--store DIR] [--machine FILE]\n"
        "                                  [--service-url URL] FOLDER\n"
        "Backs up this computer's licenses to FOLDER, or restores them from FOLDER, through\n"
        "the Windows Media Format SDK's backup restorer API (licvault/wmsdk.h), and prints\n"
        "its OnStatus events.\n"
        "  --overwrite        replace a backup already in FOLDER (WM_BACKUP_OVERWRITE)\n"
        "  --progress         ask for progress events (licvault's \"Progress\" property)\n"
        "  --individualize    create this computer's store when it has none\n"
        "                     (WM_RESTORE_INDIVIDUALIZE)\n"
        "  --store DIR        the license store (\"StorePath\"; default: $LICVAULT_STORE)\n"
        "  --machine FILE     its binding secret (\"MachinePath\"; default: $LICVAULT_MACHINE)\n"
        "  --service-url URL  the License Management Service to restore through\n"
        "                     (\"ServiceUrl\"; default: the one the backup is locked to)\n"
        "Exit status: 0 on S_OK, 3 on a partial restore (NS_S_WMPBR_PARTIALSUCCESS),\n"
        "2 on bad usage, 1 otherwise.\n",
        to);
}

int main(int argc, char **argv) {
  DWORD flags = 0;
  const char *folder = NULL, *store = NULL, *machine = NULL, *service_url = NULL;
  int progress = 0, restoring;
  if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
    usage(stdout);
    return 0;
  }
  if (argc < 2 || (strcmp(argv[1], "backup") && strcmp(argv[1], "restore"))) {
    usage(stderr);
    return 2;
  }
  restoring = !strcmp(argv[1], "restore");
  for (int i = 2; i < argc; i++) {
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      usage(stdout);
      return 0;
    } else if (!restoring && !strcmp(argv[i], "--overwrite")) {
      flags |= WM_BACKUP_OVERWRITE;
    } else if (!restoring && !strcmp(argv[i], "--progress")) {
      progress = 1;
    } else if (restoring && !strcmp(argv[i], "--individualize")) {
      flags |= WM_RESTORE_INDIVIDUALIZE;
    } else if (restoring && !strcmp(argv[i], "--service-url") && i + 1 < argc) {
      service_url = argv[++i];
    } else if (!strcmp(argv[i], "--store") && i + 1 < argc) {
      store = argv[++i];
    } else if (!strcmp(argv[i], "--machine") && i + 1 < argc) {
      machine = argv[++i];
    } else if (argv[i][0] != '-' && !folder) {
      folder = argv[i];
    } else {
      usage(stderr);
      return 2;
    }
  }
  if (!folder) {
    usage(stderr);
    return 2;
  }

  app_callback *cb = cb_create();
  IWMLicenseBackup *backup = NULL;
  IWMLicenseRestore *restore = NULL;
  IWMBackupRestoreProps *props = NULL;
  if (!cb) return 1;
  cb->restoring = restoring;
  /* the SDK's steps. Backup: create, QueryInterface for the properties, set
   * BackupPath, BackupLicenses with the callback, wait for END. Restore:
   * create, QueryInterface for IWMLicenseRestore and the properties, set
   * RestorePath, RestoreLicenses with the callback, wait for END. */
  HRESULT hr = WMCreateBackupRestorer((IUnknown *)&cb->iface, &backup);
  if (SUCCEEDED(hr) && restoring)
    hr = IWMLicenseBackup_QueryInterface(backup, &IID_IWMLicenseRestore, (void **)&restore);
  if (SUCCEEDED(hr))
    hr = IWMLicenseBackup_QueryInterface(backup, &IID_IWMBackupRestoreProps, (void **)&props);
  if (SUCCEEDED(hr))
    hr = set_string(props, restoring ? u"RestorePath" : u"BackupPath", folder);
  if (SUCCEEDED(hr) && store) hr = set_string(props, u"StorePath", store);
  if (SUCCEEDED(hr) && machine) hr = set_string(props, u"MachinePath", machine);
  if (SUCCEEDED(hr) && service_url) hr = set_string(props, u"ServiceUrl", service_url);
  if (SUCCEEDED(hr) && progress) hr = set_string(props, u"Progress", "1");
  if (SUCCEEDED(hr)) {
    if (restoring) hr = IWMLicenseRestore_RestoreLicenses(restore, flags, &cb->iface);
    else hr = IWMLicenseBackup_BackupLicenses(backup, flags, &cb->iface);
  }
  if (SUCCEEDED(hr)) {
    pthread_mutex_lock(&cb->mu);
    while (!cb->ended) pthread_cond_wait(&cb->cv, &cb->mu);
    hr = cb->result;
    pthread_mutex_unlock(&cb->mu);
  } else {
    fprintf(stderr, "sdk_backup_restore: %s: hr 0x%08lX %s\n", folder,
            (unsigned long)(uint32_t)hr, hr_name(hr));
  }
  if (props) IWMBackupRestoreProps_Release(props);
  if (restore) IWMLicenseRestore_Release(restore);
  if (backup) IWMLicenseBackup_Release(backup);
  IWMStatusCallback_Release(&cb->iface); /* ours; the object lets go of its own */
  if (hr == S_OK) return 0;
  if (hr == NS_S_WMPBR_PARTIALSUCCESS) return 3;
  return 1;
}
