#!/usr/bin/env bash
# secrets_scan.sh - issue #7: secrets never reach disk in plaintext, logs or
# output, and no process holding them leaves a core dump.
#
#  1. Self-check: secrets planted in scratch files in every form (raw, hex,
#     HEX, base64 and base64url at each alignment, halves) are reported.
#  2. A full demo run (scripts/demo.sh) in a scratch folder, with its own
#     HOME and TMPDIR inside it, stdout and stderr captured there too.
#  3. dump_secrets (on a copy of that folder, so the scanned files stay as
#     the demo left them) lists every secret the run made; scan_secrets
#     looks for each in every byte of every file. Secrets with a designated
#     file (binding secrets, issuer and service secret keys) must be found
#     there (a positive control) and nowhere else; the rest nowhere. Those
#     files must be 0600 in 0700 folders.
#  4. Core dumps: a running licvaultd and a running licvault (holding an
#     open store) have a core limit of 0 and are not dumpable.
#
# Usage: secrets_scan.sh BUILD_DIR WORK_DIR DUMP_SECRETS SCAN_SECRETS SOURCE_DIR [SANITIZERS]
set -euo pipefail
build=$(readlink -f "$1"); work=$2; dump=$(readlink -f "$3"); scan=$(readlink -f "$4")
src=$(readlink -f "$5"); sanitize=${6:-}
bin=$build/licvault; svc=$build/licvaultd
rm -rf "$work"; mkdir -p "$work"; work=$(readlink -f "$work")
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2> /dev/null || true; done; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
unhex() { printf '%b' "$(sed 's/../\\x&/g' <<< "$1")"; } # hex text -> bytes on stdout
randhex() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }

# ---- 1. the scanner finds what is planted -------------------------------
self=$work/selfcheck; mkdir -p "$self/files"
k=$(randhex 32); d=$(randhex 32)
printf -- '- planted:K %s\nhome.key planted:D %s\n' "$k" "$d" > "$self/secrets.txt"
p=$self/files
{ unhex "$(randhex 3)"; unhex "$k"; unhex "$(randhex 5)"; } > "$p/raw.bin"
printf 'key=%s\n' "$k" > "$p/hex.txt"
printf 'KEY=%s\n' "$(tr a-f A-F <<< "$k")" > "$p/HEX.txt"
for enc in base64 base64url; do
  unhex "$k" | basenc --$enc -w0 > "$p/$enc-0.txt"
  { unhex "$(randhex 1)"; unhex "$k"; unhex "$(randhex 1)"; } | basenc --$enc -w0 > "$p/$enc-1.txt"
  { unhex "$(randhex 2)"; unhex "$k"; } | basenc --$enc -w0 > "$p/$enc-2.txt"
done
{ unhex "$(randhex 7)"; unhex "${k:0:32}"; } > "$p/head.bin"   # a truncated copy
printf '%s\n' "${k:32}" > "$p/tail.txt"
printf '%s\n' "$d" > "$p/home.key"                             # its own file: fine
printf '%s\n' "$d" > "$p/home.key.tmp42.1"                     # that file in the making
unhex "$d" | base64 -w0 > "$p/other.txt"                        # elsewhere: a leak
head -c 65536 /dev/urandom > "$p/clean.bin"
set +e; "$scan" "$self/secrets.txt" "$p" > "$self/scan.out" 2> "$self/scan.err"; rc=$?; set -e
[ $rc = 1 ] || fail "self-check: scan_secrets exit $rc, want 1 (leaks): $(cat "$self/scan.err")"
expect() { grep -q "^$1 $2 $3 $4 " "$self/scan.out" || fail "self-check: no '$*' in: $(cat "$self/scan.out")"; }
expect LEAK raw planted:K raw.bin
expect LEAK hex planted:K hex.txt
expect LEAK HEX planted:K HEX.txt
for a in 0 1 2; do
  expect LEAK "b64@$a" planted:K "base64-$a.txt"
  expect LEAK "b64url@$a" planted:K "base64url-$a.txt"
done
expect LEAK 'raw\[0:16\]' planted:K head.bin
expect LEAK 'hex\[-16:\]' planted:K tail.txt
expect ok hex planted:D home.key
expect ok hex planted:D home.key.tmp42.1
expect LEAK b64@0 planted:D other.txt
! grep -q '^LEAK .* home.key[^ ]* ' "$self/scan.out" || fail "self-check: a secret in its own file was called a leak"
! grep -q ' clean.bin ' "$self/scan.out" || fail "self-check: random bytes matched a secret"
echo "ok: self-check: planted secrets found in every form (raw, hex, HEX, base64/url at 3 alignments, halves)"

# ---- 2. a full demo run --------------------------------------------------
# Files that live only while a command runs (SQLite -wal/-shm/-journal, the
# atomic writer's .tmp files, the set's .TMP parts, anything in TMPDIR or
# HOME) are gone when it ends: copy them as they change, to scan them too.
run=$work/run; snap=$work/transient
mkdir -m 700 "$run" "$snap"; mkdir -m 700 "$run/home" "$run/tmp"
snapshot() {
  declare -A seen
  local n=0 f rel sig
  while [ ! -e "$work/demo.done" ]; do
    while IFS= read -r -d '' f; do
      sig=$(stat -c '%s %y' "$f" 2> /dev/null) || continue
      [ "${seen[$f]:-}" = "$sig" ] && continue
      seen[$f]=$sig; rel=${f#"$run"/}; n=$((n + 1))
      mkdir -p "$snap/$(dirname "$rel")"
      cp "$f" "$snap/$rel.snap$n" 2> /dev/null || true
    done < <(find "$run" -type f \( -name '*-wal' -o -name '*-shm' -o -name '*-journal' \
               -o -name '*.tmp*' -o -name '*.TMP' -o -path "$run/tmp/*" -o -path "$run/home/*" \) \
               -print0 2> /dev/null)
    sleep 0.02
  done
}
snapshot &
snap_pid=$!; pids+=("$snap_pid")
set +e
(cd "$run" && env -u LICVAULT_STORE -u LICVAULT_MACHINE -u XDG_CONFIG_HOME -u XDG_DATA_HOME \
   HOME="$run/home" TMPDIR="$run/tmp" LV_DEMO_DIR="$run" \
   bash "$src/scripts/demo.sh" "$bin" > "$run/demo.out" 2> "$run/demo.err")
rc=$?; set -e
touch "$work/demo.done"; wait "$snap_pid"
[ $rc = 0 ] || fail "the demo failed (exit $rc): $(tail -n 20 "$run/demo.err")"
grep -q '^Restored 1002 licenses' "$run/demo.out" || fail "the demo did not restore: $(cat "$run/demo.out")"
for f in A/store/store.db B/store/store.db C/store/store.db A/machine.key B/machine.key \
         C/machine.key issuer/issuer.key service/service.key service.db service.log \
         usb-stick/LVBACKUP.MAN catalogue.lic demo.out demo.err; do
  [ -f "$run/$f" ] || fail "the demo made no $f"
done
echo "ok: demo ran; $(find "$run" -type f | wc -l) files, $(du -sk "$run" | cut -f1) KiB to scan;" \
  "$(find "$snap" -type f | wc -l) copies of transient files ($(find "$snap" -type f -printf '%f\n' |
  sed 's/\.snap[0-9]*$//' | sort -u | tr '\n' ' '))"
find "$snap" -name '*-wal.snap*' | grep -q . || fail "no SQLite WAL was caught while the demo ran"

# designated secret files: 0600 in 0700 folders; the stores likewise
mode() { stat -c %a "$run/$1"; }
for f in A/machine.key B/machine.key C/machine.key issuer/issuer.key service/service.key \
         A/store/store.db B/store/store.db C/store/store.db; do
  [ "$(mode "$f")" = 600 ] || fail "$f has mode $(mode "$f"), want 600"
  [ "$(mode "$(dirname "$f")")" = 700 ] || fail "$(dirname "$f") has mode $(mode "$(dirname "$f")"), want 700"
done
echo "ok: secret files 0600 in 0700 folders"

# ---- 3. every secret the run made, looked for everywhere ------------------
cp -a "$run" "$work/copy"
args=()
cd "$work/copy"
for db in $(find . -path '*/store/store.db' | sort); do
  s=${db#./}; s=${s%/store.db}
  args+=(--store "$s" "$(dirname "$s")/machine.key")
done
for f in $(find . -name '*.key' -type f | sort); do
  case "$(sed -n 2p "$f")" in
    "kind issuer-secret") args+=(--issuer-key "${f#./}") ;;
    "kind service-secret") args+=(--service-key "${f#./}") ;;
  esac
done
for m in $(find . -name LVBACKUP.MAN | sort); do args+=(--set "$(dirname "${m#./}")"); done
"$dump" "${args[@]}" > "$work/secrets.txt" 2> "$work/dump.err" ||
  fail "dump_secrets failed: $(cat "$work/dump.err")"
cd "$work"
count() { grep -c "$1" "$work/secrets.txt" || true; }
[ "$(count '^- content-key:')" -ge 2005 ] || fail "only $(count '^- content-key:') content keys dumped"
[ "$(count '^- pad:')" = 1002 ] || fail "$(count '^- pad:') pads dumped, want 1002"
{ [ "$(count '^- store-key:')" = 3 ] && [ "$(count '^- set-secret:')" = 1 ] &&
  [ "$(count ' binding-secret:')" = 3 ] && [ "$(count ' issuer-sign-seed:')" = 1 ] &&
  [ "$(count ' service-box-secret:')" = 1 ]; } || fail "secrets missing from the dump: $(cut -d' ' -f2 secrets.txt | cut -d: -f1 | sort | uniq -c)"
echo "ok: $(wc -l < secrets.txt) secrets dumped: $(cut -d' ' -f2 secrets.txt | cut -d: -f1 | sort | uniq -c | awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2 }')"

for where in run transient; do
  set +e; "$scan" "$work/secrets.txt" "$work/$where" > "$work/scan-$where.out" 2> "$work/scan-$where.err"
  rc=$?; set -e
  cat "$work/scan-$where.err"
  if [ $rc != 0 ]; then
    grep '^LEAK' "$work/scan-$where.out" | head -n 50
    fail "scan_secrets exit $rc on $where: secrets outside their files (above; all in $work/scan-$where.out)"
  fi
done
# positive control: each designated secret is found in its own file
while read -r scope label _; do
  [ "$scope" = - ] && continue
  grep -q "^ok [^ ]* $label $scope " "$work/scan-run.out" || fail "$label not found in its own file $scope: the scan is blind"
done < "$work/secrets.txt"
echo "ok: no secret of the run in any file, log or output; each designated secret found in its own file only"

# ---- 4. core dumps of processes holding secrets ---------------------------
core=$work/core; mkdir -p "$core"
as=()
if [ "$(id -u)" = 0 ]; then
  # a root process's /proc files are root's whatever its dumpable flag:
  # observe an unprivileged one instead, in a folder it can reach
  core=$(mktemp -d /tmp/lv-secrets-core.XXXXXX)
  trap 'cleanup; rm -rf "$core"' EXIT
  chown 65534:65534 "$core"
  if setpriv --reuid=65534 --regid=65534 --clear-groups true 2> /dev/null; then
    as=(setpriv --reuid=65534 --regid=65534 --clear-groups)
    # the build may sit below a folder only root may enter (a clone in a
    # `mktemp -d` folder, 0700): that user runs copies of the programs and
    # the library from here instead
    mkdir -m 755 "$core/bin"
    cp "$bin" "$svc" "$core/bin/"
    for lib in "$build"/liblicvault.so*; do [ -e "$lib" ] && cp -P "$lib" "$core/bin/"; done
    bin=$core/bin/licvault; svc=$core/bin/licvaultd
    export LD_LIBRARY_PATH=$core/bin${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    # a sanitizer's suppressions file must be readable by that user too
    if [ -n "${TSAN_OPTIONS:-}" ] && [ -f "$src/tests/tsan.supp" ]; then
      cp "$src/tests/tsan.supp" "$core/bin/"
      export TSAN_OPTIONS=suppressions=$core/bin/tsan.supp
    fi
  fi
fi
memlock=$(ulimit -l)
# the sanitizers' runtimes turn mlock into a no-op: nothing to observe
[ -z "$sanitize" ] || memlock=0
check_proc() { # check_proc PID WHAT ERRFILE
  local pid=$1 what=$2 owner uid said="core limit 0 (soft and hard)" lck
  [ -e "/proc/$pid/limits" ] || fail "$what is not running: $(cat "$3")"
  grep -Eq '^Max core file size +0 +0 ' "/proc/$pid/limits" ||
    fail "$what may dump core: $(grep 'core file' "/proc/$pid/limits")"
  uid=$(awk '/^Uid:/ { print $3 }' "/proc/$pid/status")
  owner=$(stat -c %u "/proc/$pid/status")
  if [ "$uid" != 0 ]; then
    # /proc/PID files of a process that is not dumpable belong to root
    [ "$owner" != "$uid" ] || fail "$what is dumpable (its /proc files are its user's)"
    said+=", not dumpable"
  else
    said+=", dumpable flag not observable (runs as root)"
  fi
  lck=$(awk '/^VmLck:/ { print $2 }' "/proc/$pid/status")
  if [ "$memlock" != 0 ]; then
    [ "$lck" -gt 0 ] || fail "$what holds no locked (guarded) memory"
    said+=", $lck kB of locked (guarded) memory"
  else
    said+=", locked memory not observable (mlock limit 0 or a sanitizer build)"
  fi
  echo "ok: $what: $said"
}
"${as[@]}" "$svc" keygen --out "$core/svc" > /dev/null
"${as[@]}" "$svc" serve --listen 127.0.0.1:0 --db "$core/svc.db" --key "$core/svc" --quiet \
  > "$core/svc.out" 2> "$core/svc.err" &
pid=$!; pids+=("$pid")
for _ in $(seq 200); do grep -q listening "$core/svc.out" 2> /dev/null && break; sleep 0.05; done
grep -q listening "$core/svc.out" || fail "licvaultd did not start: $(cat "$core/svc.err")"
check_proc "$pid" "a serving licvaultd" "$core/svc.err"
kill "$pid"; wait "$pid" 2> /dev/null || true

export LICVAULT_STORE=$core/store LICVAULT_MACHINE=$core/machine.key
"${as[@]}" "$bin" init > /dev/null
"${as[@]}" mkfifo "$core/fifo"
# import opens the store (its keys unsealed), then waits on the fifo
"${as[@]}" "$bin" import "$core/fifo" > "$core/imp.out" 2> "$core/imp.err" &
pid=$!; pids+=("$pid")
for _ in $(seq 200); do
  if grep -q '^Name:.licvault$' "/proc/$pid/status" 2> /dev/null &&
     grep -q '^State:.S' "/proc/$pid/status" &&
     { [ "$memlock" = 0 ] || [ "$(awk '/^VmLck:/ { print $2 }' "/proc/$pid/status")" -gt 0 ]; }; then
    break
  fi
  sleep 0.05
done
sleep 0.2
check_proc "$pid" "licvault with an open store" "$core/imp.err"
kill "$pid"; wait "$pid" 2> /dev/null || true
