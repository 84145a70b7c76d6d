#!/usr/bin/env bash
# e2e_faults.sh - restore through a real licvaultd on loopback, and its
# failure paths: service down, service killed mid-restore then restarted,
# client killed mid-restore then retried (converges, charged once), a set
# altered on the stick, a service that is not the one the set is locked to.
# After every failure the restoring computer's store is exactly as before.
# Usage: e2e_faults.sh BUILD_DIR WORK_DIR [LICENSES (default 6000)]
set -euo pipefail
build=$(readlink -f "$1"); bin=$build/licvault; svc=$build/licvaultd
work=$2; n=${3:-6000}
rm -rf "$work"; mkdir -p "$work"; work=$(readlink -f "$work"); cd "$work"
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2> /dev/null || true; done; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
as() { export LICVAULT_STORE="$work/$1/store" LICVAULT_MACHINE="$work/$1/machine.key"; }
start_service() { # start_service KEYDIR DB PORT -> sets url, pid
  # the previous run's line must be gone before we wait for this one's: the
  # child truncates svc.out only once it runs
  rm -f "$work/svc.out" "$work/svc.err"
  "$svc" serve --listen "127.0.0.1:$3" --db "$2" --key "$1" --quiet > "$work/svc.out" 2> "$work/svc.err" &
  pid=$!; pids+=("$pid")
  for _ in $(seq 100); do grep -q listening "$work/svc.out" 2> /dev/null && break; sleep 0.05; done
  url=$(sed -n 's/.*listening on \([^ ]*\) .*/\1/p' "$work/svc.out")
  [ -n "$url" ] || fail "service did not start: $(cat "$work/svc.err")"
  port=${url##*:}
}
store_sum() { sqlite3 "$work/$1/store/store.db" "SELECT count(*), coalesce(sum(plays_used),0) FROM licenses"; }
granted() { sqlite3 "$work/svc.db" "SELECT count(*) FROM (SELECT DISTINCT lid, machine FROM grants)"; }

"$svc" keygen --out svc > /dev/null
"$svc" keygen --out other > /dev/null
start_service svc svc.db 0
"$bin" -q issuer keygen --out iss > /dev/null
as A
"$bin" init --trust-issuer iss/issuer.pub --service "$url" --service-key svc/service.pub > /dev/null
"$bin" id --out A.id 2> /dev/null
"$bin" issuer issue --key iss/issuer.key --to A.id --count "$n" --allow-backup --out a.lic > /dev/null
"$bin" import a.lic > /dev/null
"$bin" backup usb > /dev/null

# B and C exist already (so "exactly as before" is checkable)
for c in B C D; do as $c; "$bin" init > /dev/null; done

# 1. service down: unavailable, store untouched
kill "$pid"; wait "$pid" 2> /dev/null || true
as B; before=$(store_sum B)
set +e; out=$("$bin" restore usb 2>&1); rc=$?; set -e
[ $rc = 1 ] || fail "restore with the service down: exit $rc"
grep -q LV_E_SERVICE_UNAVAILABLE <<< "$out" || fail "service down said: $out"
[ "$(store_sum B)" = "$before" ] || fail "service down changed the store"
echo "ok: service down -> NS_E_DRM_RESTORE_SERVICE_UNAVAILABLE, store as before"

# 2. service killed mid-restore, restarted on the same port: the retry converges
start_service svc svc.db "$port"
"$bin" restore usb > "$work/r1.out" 2>&1 &
rp=$!
sleep 0.$(( RANDOM % 4 + 1 ))
kill -9 "$pid"; wait "$pid" 2> /dev/null || true
set +e; wait "$rp"; rc=$?; set -e
[ "$(store_sum B)" = "$before" ] || [ $rc = 0 ] || fail "a failed restore changed the store"
start_service svc svc.db "$port"
"$bin" restore usb > /dev/null || fail "retry after the service restarted failed"
[ "$(sqlite3 B/store/store.db 'SELECT count(*) FROM licenses')" = "$n" ] || fail "B does not have all $n"
[ "$(granted)" = "$n" ] || fail "service recorded $(granted) grants for $n licenses on B"
echo "ok: service killed mid-restore (client exit $rc), restarted: B has all $n, charged once"

# 3. client killed mid-restore, then retried: charged once
as C; before=$(store_sum C)
"$bin" restore usb > /dev/null 2>&1 &
rp=$!
sleep 0.$(( RANDOM % 3 + 1 ))
kill -9 "$rp" 2> /dev/null || true; wait "$rp" 2> /dev/null || true
now=$(store_sum C)
[ "$now" = "$before" ] || [ "${now%%|*}" = "$n" ] || fail "a killed restore left a partial store: $now"
"$bin" restore usb > /dev/null || fail "retry after the client was killed failed"
[ "$(granted)" = "$((2 * n))" ] || fail "after C: $(granted) grants, want $((2 * n))"
# the limit is counted right: D (4th computer) fits, E (5th) does not
as D; "$bin" restore usb > /dev/null || fail "D (4th computer) refused"
as E; set +e; "$bin" restore usb --individualize > "$work/e.out" 2>&1; rc=$?; set -e
[ $rc = 1 ] && grep -q LV_E_RESTORE_FRAUD "$work/e.out" || fail "E (5th computer) was not refused: exit $rc"
grep -q '/limit/' "$work/e.out" || fail "E was not given the limit page"
echo "ok: client killed mid-restore, retried: charged once; 4 computers fit, the 5th is refused"

# 4. a set altered on the stick: corrupt, store untouched
as B; before=$(store_sum B)
cp -a usb bad
# inverted, not overwritten: a byte that already held the new value would not change
b=$(od -An -tu1 -j5000 -N1 bad/LV010000.DAT | tr -d ' ')
printf "$(printf '\\%03o' $(( b ^ 255 )))" | dd of=bad/LV010000.DAT bs=1 seek=5000 conv=notrunc status=none
set +e; out=$("$bin" restore bad 2>&1); rc=$?; set -e
[ $rc = 1 ] && grep -q LV_E_BACKUP_CORRUPT <<< "$out" || fail "altered set: exit $rc: $out"
[ "$(store_sum B)" = "$before" ] || fail "altered set changed the store"
echo "ok: altered set -> NS_E_DRM_BACKUP_CORRUPT, store as before"

# 5. another service (not the one the set is locked to): its answers are not believed
start_service other other.db 0
set +e; out=$("$bin" restore usb --service-url "$url" 2>&1); rc=$?; set -e
[ $rc = 1 ] || fail "restore from another service: exit $rc"
grep -q 'LV_E_BAD_NET_RESP\|LV_E_BACKUP_CORRUPT' <<< "$out" || fail "another service said: $out"
[ "$(store_sum B)" = "$before" ] || fail "another service changed the store"
echo "ok: a service with another key -> refused, store as before"
echo "e2e_faults: all passed"
