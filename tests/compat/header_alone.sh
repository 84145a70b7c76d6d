#!/usr/bin/env bash
# header_alone.sh - licvault/wmsdk.h compiles alone and with system headers (C17, C++17, -Werror);
# examples/sdk_backup_restore.c backs up, and restores through a real licvaultd on loopback.
# Usage: header_alone.sh SOURCE_DIR LIB_DIR WORK_DIR CC LICVAULT LICVAULTD [SANITIZERS]
#   LIB_DIR holds liblicvault.so; CC and SANITIZERS are the build's (the
#   example links against that library, so it is built the same way).
set -euo pipefail
src=$(readlink -f "$1") libdir=$(readlink -f "$2") work=$3 cc=$4
cli=$(readlink -f "$5") svcd=$(readlink -f "$6") san=${7:-}
rm -rf "$work"; mkdir -p "$work"; work=$(readlink -f "$work")
warn=(-Wall -Wextra -Wpedantic -Werror -Wshadow)
fail=0

# 1. the header alone: every name an SDK program uses, nothing else included
cat > "$work/alone.c" <<'EOF'
#include <licvault/wmsdk.h>
#ifdef __cplusplus
HRESULT backup_now(IWMLicenseBackup *b, IWMStatusCallback *cb) {
  IWMBackupRestoreProps *p = nullptr;
  HRESULT hr = b->QueryInterface(IID_IWMBackupRestoreProps, (void **)&p);
  if (FAILED(hr)) return hr;
  hr = p->SetProp(u"BackupPath", WMT_TYPE_STRING, (const BYTE *)u"D:\\L", sizeof u"D:\\L");
  p->Release();
  if (!IsEqualIID(IID_IWMLicenseBackup, IID_IUnknown) && SUCCEEDED(hr))
    hr = b->BackupLicenses(WM_BACKUP_OVERWRITE, cb);
  return hr;
}
#else
HRESULT backup_now(IWMLicenseBackup *b, IWMStatusCallback *cb);
HRESULT backup_now(IWMLicenseBackup *b, IWMStatusCallback *cb) {
  IWMBackupRestoreProps *p = NULL;
  HRESULT hr = IWMLicenseBackup_QueryInterface(b, &IID_IWMBackupRestoreProps, (void **)&p);
  if (FAILED(hr)) return hr;
  hr = IWMBackupRestoreProps_SetProp(p, u"BackupPath", WMT_TYPE_STRING, (const BYTE *)u"D:\\L",
                                     sizeof u"D:\\L");
  IWMBackupRestoreProps_Release(p);
  if (!IsEqualIID(&IID_IWMLicenseBackup, &IID_IUnknown) && SUCCEEDED(hr))
    hr = IWMLicenseBackup_BackupLicenses(b, WM_BACKUP_OVERWRITE, cb);
  return hr;
}
#endif
int make(IUnknown *cb, IWMLicenseBackup **out);
int make(IUnknown *cb, IWMLicenseBackup **out) {
  WMT_STATUS s = WMT_BACKUPRESTORE_END;
  DWORD flags = WM_RESTORE_INDIVIDUALIZE;
  return (int)flags + (int)s + (int)LV_WMT_BACKUPRESTORE_PROGRESS + WMCreateBackupRestorer(cb, out);
}
EOF
# 2. with the common system headers, before and after it
sys='#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <pthread.h>
#include <unistd.h>'
{ echo "$sys"; echo '#include <licvault/wmsdk.h>'; echo "$sys"; } > "$work/with_sys_after.c"
{ echo '#include <licvault/wmsdk.h>'; echo "$sys"; } > "$work/with_sys_before.c"
for f in with_sys_after with_sys_before; do
  cat >> "$work/$f.c" <<'EOF'
int use(void *p);
int use(void *p) {
  return p == (void *)&IID_IWMLicenseRestore ? (int)getpid() : (int)sizeof(IWMLicenseRestore);
}
EOF
done

for comp in gcc g++ clang clang++; do
  if ! command -v "$comp" > /dev/null; then
    echo "FAIL: $comp not found"; fail=1; continue
  fi
  case $comp in
    *++) lang=(-x c++ -std=c++17) ;;
    *) lang=(-x c -std=c17) ;;
  esac
  for f in alone with_sys_after with_sys_before; do
    if ! "$comp" "${lang[@]}" "${warn[@]}" -I"$src/include" -c "$work/$f.c" \
         -o "$work/$f.$comp.o" 2> "$work/$f.$comp.log"; then
      echo "FAIL: $comp ${lang[*]}: $f.c"; sed 's/^/  /' "$work/$f.$comp.log"; fail=1
    fi
  done
  # the example, as C17, with both C compilers
  case $comp in
    gcc|clang)
      if ! "$comp" -std=c17 "${warn[@]}" -I"$src/include" -fsyntax-only \
           "$src/examples/sdk_backup_restore.c" 2> "$work/example.$comp.log"; then
        echo "FAIL: $comp: examples/sdk_backup_restore.c"
        sed 's/^/  /' "$work/example.$comp.log"; fail=1
      fi ;;
  esac
done
[ "$fail" = 0 ] || exit 1
echo "wmsdk.h: alone and with system headers, C17 and C++17, gcc g++ clang clang++"

# 3. the example, linked against the built library and run
sanflags=()
[ -n "$san" ] && sanflags=(-fsanitize="$san" -fno-omit-frame-pointer)
"$cc" -std=c17 "${warn[@]}" "${sanflags[@]}" -I"$src/include" \
  "$src/examples/sdk_backup_restore.c" -L"$libdir" -llicvault -Wl,-rpath,"$libdir" -pthread \
  -o "$work/sdk_backup_restore"
ex=$work/sdk_backup_restore
"$ex" --help | grep -q '^Usage: sdk_backup_restore backup' || { echo "FAIL: --help"; exit 1; }
"$ex" --help | grep -q '^       sdk_backup_restore restore' || { echo "FAIL: --help"; exit 1; }
for bad in "" "backup" "restore" "copy $work/usb" "backup --individualize $work/usb" \
           "restore --overwrite $work/usb"; do
  set +e; "$ex" $bad > /dev/null 2>&1; rc=$?; set -e
  [ $rc = 2 ] || { echo "FAIL: usage '$bad' accepted (exit $rc)"; exit 1; }
done

# a scratch computer made with the command, as a user would
export LICVAULT_STORE="$work/store" LICVAULT_MACHINE="$work/machine.key"
export HOME="$work/home" XDG_DATA_HOME="" XDG_CONFIG_HOME=""
"$svcd" keygen --out "$work/svc" > /dev/null
"$cli" -q issuer keygen --out "$work/iss" > /dev/null
"$cli" init --trust-issuer "$work/iss/issuer.pub" > /dev/null
"$cli" id --out "$work/me.id" 2> /dev/null
"$cli" issuer issue --key "$work/iss/issuer.key" --to "$work/me.id" --count 25 --allow-backup \
  --title Album --out "$work/a.lic" > /dev/null
"$cli" issuer issue --key "$work/iss/issuer.key" --to "$work/me.id" \
  --kid Q29uY2VydCBpbiBDIG1pbg== --title Rental --out "$work/b.lic" > /dev/null
"$cli" import "$work/a.lic" > /dev/null
"$cli" import "$work/b.lic" > /dev/null
"$cli" service set http://127.0.0.1:9 "$work/svc/service.pub" > /dev/null

expect() { # expect FILE LINE...
  local f=$1; shift
  for l in "$@"; do
    grep -qxF -- "$l" "$f" || { echo "FAIL: missing line: $l"; sed 's/^/  /' "$f"; exit 1; }
  done
}
"$ex" backup --progress "$work/usb" > "$work/run1.out"
end_ok="WMT_BACKUPRESTORE_END: hr 0x00000000 S_OK, 25 licenses backed up"
expect "$work/run1.out" "WMT_BACKUPRESTORE_BEGIN" "progress: 100%" "$end_ok" \
  "WMT_RESTRICTED_LICENSE: not backed up (its rights forbid it): Q29uY2VydCBpbiBDIG1pbg=="
first=$(head -n 1 "$work/run1.out")
[ "$first" = WMT_BACKUPRESTORE_BEGIN ] || { echo "FAIL: BEGIN not first"; exit 1; }
[ "$(tail -n 1 "$work/run1.out")" = "$end_ok" ] || { echo "FAIL: END not last"; exit 1; }
[ -e "$work/usb/LVBACKUP.MAN" ] || { echo "FAIL: no set written"; exit 1; }
"$cli" verify "$work/usb" > /dev/null
# again: the set is there, the call itself refuses (no event)
if "$ex" backup "$work/usb" > "$work/run2.out" 2> "$work/run2.err"; then
  echo "FAIL: a second backup without --overwrite succeeded"; exit 1
fi
expect "$work/run2.err" "sdk_backup_restore: $work/usb: hr 0xC00D2742 NS_E_DRM_BACKUP_EXISTS"
[ ! -s "$work/run2.out" ] || { echo "FAIL: events after a refused call"; exit 1; }
# with WM_BACKUP_OVERWRITE, and the store named by the extension properties
mv "$work/store" "$work/store2"
unset LICVAULT_STORE LICVAULT_MACHINE
"$ex" backup --overwrite --store "$work/store2" --machine "$work/machine.key" "$work/usb" \
  > "$work/run3.out"
expect "$work/run3.out" "$end_ok"
if grep -q '^progress' "$work/run3.out"; then echo "FAIL: progress without --progress"; exit 1; fi
echo "examples/sdk_backup_restore.c: built with $cc${san:+ -fsanitize=$san}," \
  "backs up through the SDK API"

# 4. restore onto a new computer through a real licvaultd on loopback
svcpid=
stop_service() {
  if [ -n "$svcpid" ]; then
    kill "$svcpid" 2> /dev/null || true
    wait "$svcpid" 2> /dev/null || true
    svcpid=
  fi
}
trap stop_service EXIT
"$svcd" serve --listen 127.0.0.1:0 --db "$work/svc.db" --key "$work/svc" --quiet \
  > "$work/svc.out" 2> "$work/svc.err" &
svcpid=$!
for _ in $(seq 400); do
  grep -q 'listening on' "$work/svc.out" 2> /dev/null && break; sleep 0.05
done
url=$(sed -n 's/.*listening on \([^ ]*\) (port \([0-9]*\)).*/\1/p' "$work/svc.out")
[ -n "$url" ] || { echo "FAIL: licvaultd did not start"; sed 's/^/  /' "$work/svc.err"; exit 1; }

A=(--store "$work/A/store" --machine "$work/A/machine.key")
B=(--store "$work/B/store" --machine "$work/B/machine.key")
"$cli" "${A[@]}" init --trust-issuer "$work/iss/issuer.pub" --service "$url" \
  --service-key "$work/svc/service.pub" > /dev/null
"$cli" "${A[@]}" id --out "$work/A.id" 2> /dev/null
"$cli" issuer issue --key "$work/iss/issuer.key" --to "$work/A.id" --count 3 --allow-backup \
  --title Album --out "$work/A1.lic" > /dev/null
"$cli" issuer issue --key "$work/iss/issuer.key" --to "$work/A.id" \
  --kid Q29uY2VydCBpbiBDIG1pbg== --title Rental --out "$work/A2.lic" > /dev/null
"$cli" "${A[@]}" import "$work/A1.lic" > /dev/null
"$cli" "${A[@]}" import "$work/A2.lic" > /dev/null
"$ex" backup "${A[@]}" "$work/usbA" > "$work/runA.out"
expect "$work/runA.out" "WMT_BACKUPRESTORE_END: hr 0x00000000 S_OK, 3 licenses backed up" \
  "WMT_RESTRICTED_LICENSE: not backed up (its rights forbid it): Q29uY2VydCBpbiBDIG1pbg=="
# B has no store: without --individualize the call itself refuses
set +e; "$ex" restore "${B[@]}" "$work/usbA" > "$work/runB0.out" 2> "$work/runB0.err"; rc=$?; set -e
[ $rc = 1 ] || { echo "FAIL: restore without --individualize: exit $rc"; exit 1; }
expect "$work/runB0.err" \
  "sdk_backup_restore: $work/usbA: hr 0xC00D2728 NS_E_DRM_NEEDS_INDIVIDUALIZATION"
[ ! -s "$work/runB0.out" ] || { echo "FAIL: events after a refused restore"; exit 1; }
set +e; "$ex" restore --individualize "${B[@]}" "$work/usbA" > "$work/runB.out" 2>&1; rc=$?; set -e
[ $rc = 0 ] || { echo "FAIL: restore exit $rc"; sed 's/^/  /' "$work/runB.out"; exit 1; }
endB="WMT_BACKUPRESTORE_END: hr 0x00000000 S_OK, 3 licenses on this computer"
expect "$work/runB.out" WMT_BACKUPRESTORE_BEGIN WMT_BACKUPRESTORE_CONNECTING \
  WMT_BACKUPRESTORE_DISCONNECTING "$endB"
conn=$(grep -nxF WMT_BACKUPRESTORE_CONNECTING "$work/runB.out" | cut -d: -f1)
disc=$(grep -nxF WMT_BACKUPRESTORE_DISCONNECTING "$work/runB.out" | cut -d: -f1)
[ "$(head -n 1 "$work/runB.out")" = WMT_BACKUPRESTORE_BEGIN ] && [ "$conn" -lt "$disc" ] &&
  [ "$(tail -n 1 "$work/runB.out")" = "$endB" ] ||
  { echo "FAIL: restore events out of order"; sed 's/^/  /' "$work/runB.out"; exit 1; }
if grep -q 'RESTRICTED\|ERROR_WITHURL' "$work/runB.out"; then
  echo "FAIL: restore refused licenses"; sed 's/^/  /' "$work/runB.out"; exit 1
fi
"$cli" "${A[@]}" list > "$work/listA.out"
"$cli" "${B[@]}" list > "$work/listB.out"
n=$(grep -c Album "$work/listB.out" || true)
[ "$n" = 3 ] ||
  { echo "FAIL: B lists $n Album licenses, want 3"; sed 's/^/  /' "$work/listB.out"; exit 1; }
if grep -q 'Q29uY2VydCBpbiBDIG1pbg==\|Rental' "$work/listB.out"; then
  echo "FAIL: B has the license that was not backed up"; exit 1
fi
for kid in $(grep Album "$work/listA.out" | grep -o '[A-Za-z0-9+/]\{22\}==' | sort -u); do
  grep -qF "$kid" "$work/listB.out" || { echo "FAIL: B lacks $kid"; exit 1; }
done
# again onto B: everything is there already, through --service-url
"$ex" restore --service-url "$url" "${B[@]}" "$work/usbA" > "$work/runB2.out"
expect "$work/runB2.out" "$endB"
stop_service
echo "examples/sdk_backup_restore.c: restores onto a new computer through licvaultd at $url"
