#!/usr/bin/env bash
# test_install.sh - `cmake --install` into a DESTDIR gives a usable package:
# headers, library, licvault.pc, the CMake config, the command and its man
# page; the examples build against it both ways (pkg-config and
# find_package) and run against a real store.
# Usage: test_install.sh BUILD_DIR SOURCE_DIR WORK_DIR
set -euo pipefail
build=$(readlink -f "$1") src=$(readlink -f "$2") work=$3
rm -rf "$work"; mkdir -p "$work"; work=$(readlink -f "$work")
prefix=/opt/lvtest
DESTDIR="$work/dest" cmake --install "$build" --prefix "$prefix" > "$work/install.log"
root="$work/dest$prefix"
libdir=$(ls -d "$root"/lib*/ | head -n 1); libdir=${libdir%/}
for f in include/licvault/licvault.h include/licvault/status.h include/licvault/store.h \
         include/licvault/license.h include/licvault/wmsdk.h include/licvault/restorer.h \
         bin/licvault bin/licvaultd share/man/man1/licvault.1 share/man/man8/licvaultd.8; do
  [ -e "$root/$f" ] || { echo "missing $f"; exit 1; }
done
[ -e "$libdir/pkgconfig/licvault.pc" ] || { echo "missing licvault.pc"; exit 1; }
[ -e "$libdir/cmake/licvault/licvaultConfig.cmake" ] || { echo "missing CMake config"; exit 1; }
# the exported symbols are the public API only
# (plus the SDK-compatible names of licvault/wmsdk.h)
sdk='^(WMCreateBackupRestorer|IID_IUnknown|IID_IWMStatusCallback|IID_IWMLicenseBackup|IID_IWMLicenseRestore|IID_IWMBackupRestoreProps)$'
if nm -D --defined-only "$libdir"/liblicvault.so | awk '{print $3}' | grep -v '^lv_' | grep -Ev "$sdk" | grep -q .; then
  echo "library exports other symbols:"; nm -D --defined-only "$libdir"/liblicvault.so | awk '{print $3}' | grep -v '^lv_' | grep -Ev "$sdk" | head; exit 1
fi
for s in WMCreateBackupRestorer IID_IWMLicenseBackup; do
  nm -D --defined-only "$libdir"/liblicvault.so | grep -q " $s\$" || { echo "$s not exported"; exit 1; }
done
# pkg-config: the .pc names the DESTDIR-less prefix; point it at the staged tree
export PKG_CONFIG_PATH="$libdir/pkgconfig"
cflags=$(pkg-config --define-variable=prefix="$root" --cflags licvault)
libs=$(pkg-config --define-variable=prefix="$root" --libs licvault)
cc -std=c17 -Wall -Wextra -Wpedantic -Werror $cflags "$src/examples/list_licenses.c" $libs \
   -Wl,-rpath,"$libdir" -o "$work/list_pc"
# an outside program that uses only <licvault/wmsdk.h>, built the way the
# README says: cc prog.c $(pkg-config --cflags --libs licvault)
cat > "$work/sdk_prog.c" <<'C'
#include <licvault/wmsdk.h>
#include <stdio.h>
static HRESULT STDMETHODCALLTYPE qi(IWMStatusCallback *t, REFIID r, void **p) {
  (void)t, (void)r, *p = NULL;
  return E_NOINTERFACE;
}
static ULONG STDMETHODCALLTYPE ref(IWMStatusCallback *t) { (void)t; return 1; }
static HRESULT STDMETHODCALLTYPE on(IWMStatusCallback *t, WMT_STATUS s, HRESULT h,
                                    WMT_ATTR_DATATYPE d, BYTE *v, void *c) {
  (void)t, (void)s, (void)h, (void)d, (void)v, (void)c;
  return S_OK;
}
static const IWMStatusCallbackVtbl vt = {qi, ref, ref, on};
int main(void) {
  IWMStatusCallback cb = {&vt};
  IWMLicenseBackup *b = NULL;
  IWMBackupRestoreProps *p = NULL;
  if (FAILED(WMCreateBackupRestorer((IUnknown *)&cb, &b))) return 1;
  if (FAILED(IWMLicenseBackup_QueryInterface(b, &IID_IWMBackupRestoreProps, (void **)&p))) return 1;
  static const WCHAR path[] = u"/nowhere";
  HRESULT hr = IWMBackupRestoreProps_SetProp(p, u"BackupPath", WMT_TYPE_STRING, (const BYTE *)path,
                                             sizeof path);
  IWMBackupRestoreProps_Release(p);
  IWMLicenseBackup_Release(b);
  printf("%s\n", SUCCEEDED(hr) ? "sdk ok" : "sdk failed");
  return FAILED(hr);
}
C
cc -std=c17 -Wall -Wextra -Wpedantic -Werror "$work/sdk_prog.c" $cflags $libs \
   -Wl,-rpath,"$libdir" -o "$work/sdk_prog"
[ "$("$work/sdk_prog")" = "sdk ok" ] || { echo "the outside SDK program failed"; exit 1; }
# CMake package
cmake -S "$src/examples" -B "$work/ex" -DCMAKE_PREFIX_PATH="$root" > "$work/ex.log"
cmake --build "$work/ex" > "$work/ex-build.log"
# run them against a store made by the installed command
export LICVAULT_STORE="$work/store" LICVAULT_MACHINE="$work/machine.key"
export LD_LIBRARY_PATH="$libdir"
"$root/bin/licvault" -q issuer keygen --out "$work/iss" > /dev/null
"$root/bin/licvault" init --trust-issuer "$work/iss/issuer.pub" > /dev/null
"$root/bin/licvault" id --out "$work/me.id" 2> /dev/null
"$root/bin/licvault" issuer issue --key "$work/iss/issuer.key" --to "$work/me.id" \
  --kid Q29uY2VydCBpbiBDIG1pbg== --title Concert --out "$work/a.lic" > /dev/null
"$root/bin/licvault" import "$work/a.lic" > /dev/null
out1=$("$work/list_pc" 2> /dev/null); out2=$("$work/ex/list_licenses" 2> /dev/null)
[ "$out1" = "Q29uY2VydCBpbiBDIG1pbg== Concert" ] || { echo "pkg-config example printed: $out1"; exit 1; }
[ "$out2" = "$out1" ] || { echo "CMake example printed: $out2"; exit 1; }
echo "install: package complete; examples build (pkg-config, CMake) and run"
