/* licvault/wmsdk.h - the Windows Media Format SDK's backup restorer API,
 * over licvault: WMCreateBackupRestorer and the IWMLicenseBackup,
 * IWMLicenseRestore, IWMBackupRestoreProps and IWMStatusCallback interfaces,
 * with the SDK's names, IIDs, slot orders and values
 * (docs/sdk-compat.md), for C (lpVtbl vtables and call macros) and C++
 * (abstract classes). Code written for the SDK ports by changing its
 * includes: WCHAR is a 16-bit UTF-16 unit as on Windows (char16_t in C++,
 * so u"BackupPath" literals work; uint16_t in C, as u"" gives there).
 *
 * Threads: as licvault/restorer.h. OnStatus is called from the object's
 * operation thread, never the caller's, with pvContext NULL. */
#ifndef LICVAULT_WMSDK_H
#define LICVAULT_WMSDK_H

#include <stdint.h>
#include <string.h>

#include "licvault/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Windows base types (each guarded as the Windows headers guard them) */
#ifndef STDMETHODCALLTYPE
#define STDMETHODCALLTYPE /* the platform's C calling convention */
#endif
#ifndef _HRESULT_DEFINED
#define _HRESULT_DEFINED
typedef int32_t HRESULT;
#endif
#ifndef LV_WMSDK_BASE_TYPES
#define LV_WMSDK_BASE_TYPES
typedef uint32_t DWORD;
typedef uint16_t WORD;
typedef uint8_t BYTE;
typedef int BOOL;
typedef uint32_t ULONG;
#ifdef __cplusplus
typedef char16_t WCHAR;
#else
typedef uint16_t WCHAR;
#endif
typedef const WCHAR *LPCWSTR;
typedef WCHAR *LPWSTR;
#endif

#ifndef GUID_DEFINED
#define GUID_DEFINED
typedef struct _GUID {
  uint32_t Data1;
  uint16_t Data2;
  uint16_t Data3;
  uint8_t Data4[8];
} GUID;
#endif
#ifndef __IID_DEFINED__
#define __IID_DEFINED__
typedef GUID IID;
#endif
#ifndef REFIID
#ifdef __cplusplus
#define REFIID const IID &
#define REFGUID const GUID &
#else
#define REFIID const IID *
#define REFGUID const GUID *
#endif
#endif

#ifndef SUCCEEDED
#define SUCCEEDED(hr) (((HRESULT)(hr)) >= 0)
#endif
#ifndef FAILED
#define FAILED(hr) (((HRESULT)(hr)) < 0)
#endif

#ifndef S_OK
#define S_OK ((HRESULT)0x00000000L)
#define S_FALSE ((HRESULT)0x00000001L)
#define E_NOTIMPL ((HRESULT)0x80004001L)
#define E_NOINTERFACE ((HRESULT)0x80004002L)
#define E_POINTER ((HRESULT)0x80004003L)
#define E_FAIL ((HRESULT)0x80004005L)
#define E_UNEXPECTED ((HRESULT)0x8000FFFFL)
#define E_OUTOFMEMORY ((HRESULT)0x8007000EL)
#define E_INVALIDARG ((HRESULT)0x80070057L)
#endif

/* ---- the SDK's codes (reference/wmf-api.md §9) */
#define NS_S_WMPBR_PARTIALSUCCESS ((HRESULT)0x000D1136L)
#define ASF_E_BUFFERTOOSMALL ((HRESULT)0xC00D07D1L)
#define NS_E_DRM_INVALID_MACHINE ((HRESULT)0xC00D2719L)
#define NS_E_DRM_NO_RIGHTS ((HRESULT)0xC00D2720L)
#define NS_E_DRM_NEEDS_INDIVIDUALIZATION ((HRESULT)0xC00D2728L)
#define NS_E_DRM_ALREADY_INDIVIDUALIZED ((HRESULT)0xC00D2729L)
#define NS_E_DRM_BACKUP_EXISTS ((HRESULT)0xC00D2742L)
#define NS_E_DRM_BACKUP_CORRUPT ((HRESULT)0xC00D2743L)
#define NS_E_DRM_BACKUPRESTORE_BUSY ((HRESULT)0xC00D2744L)
#define NS_E_DRM_INVALID_PROPERTY ((HRESULT)0xC00D2749L)
#define NS_E_DRM_RESTORE_FRAUD ((HRESULT)0xC00D2753L)
#define NS_E_DRM_ERROR_BAD_NET_RESP ((HRESULT)0xC00D275EL)
#define NS_E_DRM_STORE_NOTALLSTORED ((HRESULT)0xC00D275FL)
#define NS_E_DRM_POLICY_DISABLE_ONLINE ((HRESULT)0xC00D2762L)
#define NS_E_DRM_OPERATION_CANCELED ((HRESULT)0xC00D2768L)
#define NS_E_DRM_BUSY ((HRESULT)0xC00D2841L)
#define NS_E_DRM_RESTORE_SERVICE_UNAVAILABLE ((HRESULT)0xC00D2846L)

/* ---- flags */
#define WM_BACKUP_OVERWRITE ((DWORD)0x00000001)
#define WM_RESTORE_INDIVIDUALIZE ((DWORD)0x00000002)

/* ---- WMT_STATUS and WMT_ATTR_DATATYPE, every value (wmsdkidl.h) */
typedef enum WMT_STATUS {
  WMT_ERROR = 0, WMT_OPENED = 1, WMT_BUFFERING_START = 2, WMT_BUFFERING_STOP = 3,
  WMT_EOF = 4, WMT_END_OF_FILE = 4, WMT_END_OF_SEGMENT = 5, WMT_END_OF_STREAMING = 6,
  WMT_LOCATING = 7, WMT_CONNECTING = 8, WMT_NO_RIGHTS = 9, WMT_MISSING_CODEC = 10,
  WMT_STARTED = 11, WMT_STOPPED = 12, WMT_CLOSED = 13, WMT_STRIDING = 14, WMT_TIMER = 15,
  WMT_INDEX_PROGRESS = 16, WMT_SAVEAS_START = 17, WMT_SAVEAS_STOP = 18,
  WMT_NEW_SOURCEFLAGS = 19, WMT_NEW_METADATA = 20, WMT_BACKUPRESTORE_BEGIN = 21,
  WMT_SOURCE_SWITCH = 22, WMT_ACQUIRE_LICENSE = 23, WMT_INDIVIDUALIZE = 24,
  WMT_NEEDS_INDIVIDUALIZATION = 25, WMT_NO_RIGHTS_EX = 26, WMT_BACKUPRESTORE_END = 27,
  WMT_BACKUPRESTORE_CONNECTING = 28, WMT_BACKUPRESTORE_DISCONNECTING = 29,
  WMT_ERROR_WITHURL = 30, WMT_RESTRICTED_LICENSE = 31, WMT_CLIENT_CONNECT = 32,
  WMT_CLIENT_DISCONNECT = 33, WMT_NATIVE_OUTPUT_PROPS_CHANGED = 34, WMT_RECONNECT_START = 35,
  WMT_RECONNECT_END = 36, WMT_CLIENT_CONNECT_EX = 37, WMT_CLIENT_DISCONNECT_EX = 38,
  WMT_SET_FEC_SPAN = 39, WMT_PREROLL_READY = 40, WMT_PREROLL_COMPLETE = 41,
  WMT_CLIENT_PROPERTIES = 42, WMT_LICENSEURL_SIGNATURE_STATE = 43,
  WMT_INIT_PLAYLIST_BURN = 44, WMT_TRANSCRYPTOR_INIT = 45, WMT_TRANSCRYPTOR_SEEKED = 46,
  WMT_TRANSCRYPTOR_READ = 47, WMT_TRANSCRYPTOR_CLOSED = 48, WMT_PROXIMITY_RESULT = 49,
  WMT_PROXIMITY_COMPLETED = 50, WMT_CONTENT_ENABLER = 51
} WMT_STATUS;

/* licvault extension, sent only when the "Progress" property is "1":
 * pValue is a DWORD percentage (0-100), dwType WMT_TYPE_DWORD. */
#define LV_WMT_BACKUPRESTORE_PROGRESS ((WMT_STATUS)1000)

typedef enum WMT_ATTR_DATATYPE {
  WMT_TYPE_DWORD = 0, WMT_TYPE_STRING = 1, WMT_TYPE_BINARY = 2, WMT_TYPE_BOOL = 3,
  WMT_TYPE_QWORD = 4, WMT_TYPE_WORD = 5, WMT_TYPE_GUID = 6
} WMT_ATTR_DATATYPE;

/* ---- interface ids */
LV_EXTERN extern const IID IID_IUnknown;
LV_EXTERN extern const IID IID_IWMStatusCallback;
LV_EXTERN extern const IID IID_IWMLicenseBackup;
LV_EXTERN extern const IID IID_IWMLicenseRestore;
LV_EXTERN extern const IID IID_IWMBackupRestoreProps;

#ifndef LV_WMSDK_ISEQUAL
#define LV_WMSDK_ISEQUAL
static inline int IsEqualGUID(REFGUID a, REFGUID b) {
#ifdef __cplusplus
  return memcmp(&a, &b, sizeof(GUID)) == 0;
#else
  return memcmp(a, b, sizeof(GUID)) == 0;
#endif
}
#define IsEqualIID(a, b) IsEqualGUID(a, b)
#endif

#ifdef __cplusplus
} /* extern "C" */
#endif

/* ---- the interfaces: C++ abstract classes, C vtables, same layout */
#ifdef __cplusplus
#ifndef __IUnknown_INTERFACE_DEFINED__
#define __IUnknown_INTERFACE_DEFINED__
struct IUnknown {
  virtual HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void **ppvObject) = 0;
  virtual ULONG STDMETHODCALLTYPE AddRef() = 0;
  virtual ULONG STDMETHODCALLTYPE Release() = 0;
};
#endif
struct IWMStatusCallback : public IUnknown {
  virtual HRESULT STDMETHODCALLTYPE OnStatus(WMT_STATUS Status, HRESULT hr,
                                             WMT_ATTR_DATATYPE dwType, BYTE *pValue,
                                             void *pvContext) = 0;
};
struct IWMLicenseBackup : public IUnknown {
  virtual HRESULT STDMETHODCALLTYPE BackupLicenses(DWORD dwFlags, IWMStatusCallback *pCallback) = 0;
  virtual HRESULT STDMETHODCALLTYPE CancelLicenseBackup() = 0;
};
struct IWMLicenseRestore : public IUnknown {
  virtual HRESULT STDMETHODCALLTYPE RestoreLicenses(DWORD dwFlags, IWMStatusCallback *pCallback) = 0;
  virtual HRESULT STDMETHODCALLTYPE CancelLicenseRestore() = 0;
};
struct IWMBackupRestoreProps : public IUnknown {
  virtual HRESULT STDMETHODCALLTYPE GetPropCount(WORD *pcProps) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetPropByIndex(WORD wIndex, WCHAR *pwszName, WORD *pcchNameLen,
                                                   WMT_ATTR_DATATYPE *pType, BYTE *pValue,
                                                   WORD *pcbLength) = 0;
  virtual HRESULT STDMETHODCALLTYPE GetPropByName(LPCWSTR pszName, WMT_ATTR_DATATYPE *pType,
                                                  BYTE *pValue, WORD *pcbLength) = 0;
  virtual HRESULT STDMETHODCALLTYPE SetProp(LPCWSTR pszName, WMT_ATTR_DATATYPE Type,
                                            const BYTE *pValue, WORD cbLength) = 0;
  virtual HRESULT STDMETHODCALLTYPE RemoveProp(LPCWSTR pcwszName) = 0;
  virtual HRESULT STDMETHODCALLTYPE RemoveAllProps() = 0;
};
#else /* C */
#ifndef __IUnknown_INTERFACE_DEFINED__
#define __IUnknown_INTERFACE_DEFINED__
typedef struct IUnknown IUnknown;
typedef struct IUnknownVtbl {
  HRESULT(STDMETHODCALLTYPE *QueryInterface)(IUnknown *This, REFIID riid, void **ppvObject);
  ULONG(STDMETHODCALLTYPE *AddRef)(IUnknown *This);
  ULONG(STDMETHODCALLTYPE *Release)(IUnknown *This);
} IUnknownVtbl;
struct IUnknown {
  const IUnknownVtbl *lpVtbl;
};
#define IUnknown_QueryInterface(This, riid, ppv) (This)->lpVtbl->QueryInterface(This, riid, ppv)
#define IUnknown_AddRef(This) (This)->lpVtbl->AddRef(This)
#define IUnknown_Release(This) (This)->lpVtbl->Release(This)
#endif

#define LV__IUNKNOWN_SLOTS(T)                                                            \
  HRESULT(STDMETHODCALLTYPE *QueryInterface)(T * This, REFIID riid, void **ppvObject);   \
  ULONG(STDMETHODCALLTYPE *AddRef)(T * This);                                            \
  ULONG(STDMETHODCALLTYPE *Release)(T * This);

typedef struct IWMStatusCallback IWMStatusCallback;
typedef struct IWMStatusCallbackVtbl {
  LV__IUNKNOWN_SLOTS(IWMStatusCallback)
  HRESULT(STDMETHODCALLTYPE *OnStatus)(IWMStatusCallback *This, WMT_STATUS Status, HRESULT hr,
                                       WMT_ATTR_DATATYPE dwType, BYTE *pValue, void *pvContext);
} IWMStatusCallbackVtbl;
struct IWMStatusCallback {
  const IWMStatusCallbackVtbl *lpVtbl;
};

typedef struct IWMLicenseBackup IWMLicenseBackup;
typedef struct IWMLicenseBackupVtbl {
  LV__IUNKNOWN_SLOTS(IWMLicenseBackup)
  HRESULT(STDMETHODCALLTYPE *BackupLicenses)(IWMLicenseBackup *This, DWORD dwFlags,
                                             IWMStatusCallback *pCallback);
  HRESULT(STDMETHODCALLTYPE *CancelLicenseBackup)(IWMLicenseBackup *This);
} IWMLicenseBackupVtbl;
struct IWMLicenseBackup {
  const IWMLicenseBackupVtbl *lpVtbl;
};

typedef struct IWMLicenseRestore IWMLicenseRestore;
typedef struct IWMLicenseRestoreVtbl {
  LV__IUNKNOWN_SLOTS(IWMLicenseRestore)
  HRESULT(STDMETHODCALLTYPE *RestoreLicenses)(IWMLicenseRestore *This, DWORD dwFlags,
                                              IWMStatusCallback *pCallback);
  HRESULT(STDMETHODCALLTYPE *CancelLicenseRestore)(IWMLicenseRestore *This);
} IWMLicenseRestoreVtbl;
struct IWMLicenseRestore {
  const IWMLicenseRestoreVtbl *lpVtbl;
};

typedef struct IWMBackupRestoreProps IWMBackupRestoreProps;
typedef struct IWMBackupRestorePropsVtbl {
  LV__IUNKNOWN_SLOTS(IWMBackupRestoreProps)
  HRESULT(STDMETHODCALLTYPE *GetPropCount)(IWMBackupRestoreProps *This, WORD *pcProps);
  HRESULT(STDMETHODCALLTYPE *GetPropByIndex)(IWMBackupRestoreProps *This, WORD wIndex,
                                             WCHAR *pwszName, WORD *pcchNameLen,
                                             WMT_ATTR_DATATYPE *pType, BYTE *pValue,
                                             WORD *pcbLength);
  HRESULT(STDMETHODCALLTYPE *GetPropByName)(IWMBackupRestoreProps *This, LPCWSTR pszName,
                                            WMT_ATTR_DATATYPE *pType, BYTE *pValue,
                                            WORD *pcbLength);
  HRESULT(STDMETHODCALLTYPE *SetProp)(IWMBackupRestoreProps *This, LPCWSTR pszName,
                                      WMT_ATTR_DATATYPE Type, const BYTE *pValue, WORD cbLength);
  HRESULT(STDMETHODCALLTYPE *RemoveProp)(IWMBackupRestoreProps *This, LPCWSTR pcwszName);
  HRESULT(STDMETHODCALLTYPE *RemoveAllProps)(IWMBackupRestoreProps *This);
} IWMBackupRestorePropsVtbl;
struct IWMBackupRestoreProps {
  const IWMBackupRestorePropsVtbl *lpVtbl;
};

/* C call macros, as the SDK's MIDL header has them */
#define IWMStatusCallback_QueryInterface(This, riid, ppv) (This)->lpVtbl->QueryInterface(This, riid, ppv)
#define IWMStatusCallback_AddRef(This) (This)->lpVtbl->AddRef(This)
#define IWMStatusCallback_Release(This) (This)->lpVtbl->Release(This)
#define IWMStatusCallback_OnStatus(This, Status, hr, dwType, pValue, pvContext) \
  (This)->lpVtbl->OnStatus(This, Status, hr, dwType, pValue, pvContext)
#define IWMLicenseBackup_QueryInterface(This, riid, ppv) (This)->lpVtbl->QueryInterface(This, riid, ppv)
#define IWMLicenseBackup_AddRef(This) (This)->lpVtbl->AddRef(This)
#define IWMLicenseBackup_Release(This) (This)->lpVtbl->Release(This)
#define IWMLicenseBackup_BackupLicenses(This, dwFlags, pCallback) \
  (This)->lpVtbl->BackupLicenses(This, dwFlags, pCallback)
#define IWMLicenseBackup_CancelLicenseBackup(This) (This)->lpVtbl->CancelLicenseBackup(This)
#define IWMLicenseRestore_QueryInterface(This, riid, ppv) (This)->lpVtbl->QueryInterface(This, riid, ppv)
#define IWMLicenseRestore_AddRef(This) (This)->lpVtbl->AddRef(This)
#define IWMLicenseRestore_Release(This) (This)->lpVtbl->Release(This)
#define IWMLicenseRestore_RestoreLicenses(This, dwFlags, pCallback) \
  (This)->lpVtbl->RestoreLicenses(This, dwFlags, pCallback)
#define IWMLicenseRestore_CancelLicenseRestore(This) (This)->lpVtbl->CancelLicenseRestore(This)
#define IWMBackupRestoreProps_QueryInterface(This, riid, ppv) (This)->lpVtbl->QueryInterface(This, riid, ppv)
#define IWMBackupRestoreProps_AddRef(This) (This)->lpVtbl->AddRef(This)
#define IWMBackupRestoreProps_Release(This) (This)->lpVtbl->Release(This)
#define IWMBackupRestoreProps_GetPropCount(This, pcProps) (This)->lpVtbl->GetPropCount(This, pcProps)
#define IWMBackupRestoreProps_GetPropByIndex(This, wIndex, pwszName, pcchNameLen, pType, pValue, pcbLength) \
  (This)->lpVtbl->GetPropByIndex(This, wIndex, pwszName, pcchNameLen, pType, pValue, pcbLength)
#define IWMBackupRestoreProps_GetPropByName(This, pszName, pType, pValue, pcbLength) \
  (This)->lpVtbl->GetPropByName(This, pszName, pType, pValue, pcbLength)
#define IWMBackupRestoreProps_SetProp(This, pszName, Type, pValue, cbLength) \
  (This)->lpVtbl->SetProp(This, pszName, Type, pValue, cbLength)
#define IWMBackupRestoreProps_RemoveProp(This, pcwszName) (This)->lpVtbl->RemoveProp(This, pcwszName)
#define IWMBackupRestoreProps_RemoveAllProps(This) (This)->lpVtbl->RemoveAllProps(This)

_Static_assert(sizeof(GUID) == 16, "GUID is 16 bytes");
_Static_assert(sizeof(WCHAR) == 2, "WCHAR is one UTF-16 unit");
_Static_assert(sizeof(IWMLicenseBackupVtbl) == 5 * sizeof(void (*)(void)), "slots 0-4");
_Static_assert(sizeof(IWMLicenseRestoreVtbl) == 5 * sizeof(void (*)(void)), "slots 0-4");
_Static_assert(sizeof(IWMBackupRestorePropsVtbl) == 9 * sizeof(void (*)(void)), "slots 0-8");
_Static_assert(sizeof(IWMStatusCallbackVtbl) == 4 * sizeof(void (*)(void)), "slots 0-3");
#endif /* C */

#ifdef __cplusplus
static_assert(sizeof(GUID) == 16, "GUID is 16 bytes");
static_assert(sizeof(WCHAR) == 2, "WCHAR is one UTF-16 unit");
extern "C" {
#endif

/* Creates the backup restorer object. pCallback: the application's
 * IWMStatusCallback (kept and AddRef'ed for the object's life; events go to
 * the callback given to each BackupLicenses/RestoreLicenses call). Returns
 * S_OK and the object's IWMLicenseBackup (QueryInterface it for the other
 * two), E_INVALIDARG for a NULL pCallback, E_POINTER for a NULL ppBackup,
 * E_OUTOFMEMORY. */
LV_EXTERN HRESULT STDMETHODCALLTYPE WMCreateBackupRestorer(IUnknown *pCallback,
                                                           IWMLicenseBackup **ppBackup);

#ifdef __cplusplus
}
#endif
#endif
