#!/usr/bin/env python3
"""Regenerates docs/status.md from LV_STATUS_TABLE (a developer tool; the
test tests/core/test_status_doc.c checks the page against the code)."""
import re, pathlib
root = pathlib.Path(__file__).resolve().parent.parent
h = (root / 'include/licvault/status.h').read_text()
tbl = h[h.index('#define LV_STATUS_TABLE'):h.index('typedef enum lv_status')].replace('\\\n', ' ')
rows = re.findall(r'X\((LV_\w+),\s*(-?\d+),\s*(0x[0-9A-Fa-f]+)u,\s*((?:"[^"]*"\s*)+)\)', tbl)
sdk = {
 '0x00000000': 'S_OK', '0x000D1136': 'NS_S_WMPBR_PARTIALSUCCESS', '0x80070057': 'E_INVALIDARG', '0x8007000E': 'E_OUTOFMEMORY',
 '0x8000FFFF': 'E_UNEXPECTED', '0x80004005': 'E_FAIL',
 '0x80070070': 'HRESULT_FROM_WIN32(ERROR_DISK_FULL)',
 '0x80070002': 'HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND)', '0x80070005': 'E_ACCESSDENIED',
 '0x800700B7': 'HRESULT_FROM_WIN32(ERROR_ALREADY_EXISTS)',
 '0x80070490': 'HRESULT_FROM_WIN32(ERROR_NOT_FOUND)', '0x80004003': 'E_POINTER',
 '0x80004002': 'E_NOINTERFACE', '0x80004001': 'E_NOTIMPL',
 '0x80070018': 'HRESULT_FROM_WIN32(ERROR_BAD_LENGTH)', '0xC00D2841': 'NS_E_DRM_BUSY',
 '0xC00D2718': 'NS_E_DRM_INVALID_LICENSE', '0xC00D274E': 'NS_E_DRM_NEED_UPGRADE_MSSAP',
 '0x80090006': 'NTE_BAD_SIGNATURE', '0x800B0109': 'CERT_E_UNTRUSTEDROOT',
 '0xC00D271F': 'NS_E_DRM_INVALID_LICENSE_ACQUIRED', '0xC00D2721': 'NS_E_DRM_KEY_ERROR',
 '0xC00D2723': 'NS_E_DRM_DECRYPT_ERROR', '0xC00D2719': 'NS_E_DRM_INVALID_MACHINE',
 '0xC00D2728': 'NS_E_DRM_NEEDS_INDIVIDUALIZATION', '0xC00D2729': 'NS_E_DRM_ALREADY_INDIVIDUALIZED',
 '0xC00D2712': 'NS_E_DRM_LICENSE_STORE_ERROR', '0xC00D2713': 'NS_E_DRM_SECURE_STORE_ERROR',
 '0xC00D2720': 'NS_E_DRM_NO_RIGHTS', '0xC00D27D8': 'NS_E_DRM_LICENSE_EXPIRED',
 '0xC00D27D9': 'NS_E_DRM_LICENSE_NOTENABLED', '0xC00D27DA': 'NS_E_DRM_LICENSE_APPSECLOW',
 '0xC00D271A': 'NS_E_DRM_LICENSE_EVAL_FAILED', '0xC00D2749': 'NS_E_DRM_INVALID_PROPERTY',
 '0xC00D2742': 'NS_E_DRM_BACKUP_EXISTS', '0xC00D2743': 'NS_E_DRM_BACKUP_CORRUPT',
 '0xC00D2744': 'NS_E_DRM_BACKUPRESTORE_BUSY', '0xC00D2768': 'NS_E_DRM_OPERATION_CANCELED',
 '0xC00D2753': 'NS_E_DRM_RESTORE_FRAUD', '0xC00D2846': 'NS_E_DRM_RESTORE_SERVICE_UNAVAILABLE',
 '0xC00D275E': 'NS_E_DRM_ERROR_BAD_NET_RESP', '0xC00D275F': 'NS_E_DRM_STORE_NOTALLSTORED',
 '0xC00D2762': 'NS_E_DRM_POLICY_DISABLE_ONLINE (2001: NS_E_DRM_UNABLE_TO_CONTACT_SERVER)',
}
out = ['# Status codes', '',
 'Every fallible function returns an `lv_status`. Each code has one message',
 "(`lv_status_str`, for developers' logs), one SDK HRESULT (`lv_status_to_hresult`)",
 'and back (`lv_status_from_hresult`); the command shows people a translated',
 'sentence instead. The table in `include/licvault/status.h` is the source',
 '(`scripts/gen_status_doc.py` writes this page from it);',
 '`tests/core/test_status_doc.c` checks that this page agrees with it.', '',
 '| code | value | HRESULT | SDK name | message |', '|---|---|---|---|---|']
for name, val, hr, msg in rows:
    m = ''.join(re.findall(r'"([^"]*)"', msg))
    hx = '0x' + hr[2:].upper()
    out.append(f'| `{name}` | {val} | `{hx}` | {sdk.get(hx, "?")} | {m} |')
out += ['', 'Notes:', '',
 "- `NS_E_*` values are from the SDK's `nserror.h` (see `reference/wmf-api.md` §9);",
 '  where the reference gives no backup-restore code for a condition, the',
 '  nearest DRM code was chosen and stays fixed.',
 '- `lv_status_from_hresult` maps an HRESULT licvault never returns to',
 '  `LV_E_INTERNAL`; `lv_status_to_hresult` maps an unknown code to `E_UNEXPECTED`.', '']
(root / 'docs/status.md').write_text('\n'.join(out))
print(f'docs/status.md: {len(rows)} codes')
