#!/usr/bin/env bash
# pg_restart.sh - PostgreSQL restarted in the middle of a load run: two
# licvaultd processes on one database, COMPUTERS distinct computers restoring
# the same backup set at once (retrying on 503) while the server is restarted
# (pg_ctl restart -m fast: every connection dropped, on the same port).
# Afterwards: no grant lost (every computer that restored holds its licenses
# and the service records them: grants == sum of licenses restored), none
# doubled (no license on more than N computers), both licvaultd still up and
# answering (a fresh computer restores a fresh set through each).
# Usage: pg_restart.sh BUILD_DIR WORK_DIR [COMPUTERS (default 160)] [LICENSES (default 4)] [MAX (default 40)]
# Exit 77 (skip) when the PostgreSQL server binaries are missing.
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
build=$(readlink -f "$1"); bin=$build/licvault; svc=$build/licvaultd
work=$2; ncomp=${3:-160}; nlic=${4:-4}; max=${5:-40}
pgbin=$("$here/pg_cluster.sh" bindir 2> /dev/null) || { echo "SKIP: no PostgreSQL server binaries"; exit 77; }
rm -rf "$work"; mkdir -p "$work"; work=$(readlink -f "$work"); cd "$work"
pgdir=$(mktemp -d /tmp/lvpg.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do { kill -9 "$p" && wait "$p"; } 2> /dev/null || true; done
  "$here/pg_cluster.sh" stop "$pgdir" || true
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
as() { export LICVAULT_STORE="$work/$1/store" LICVAULT_MACHINE="$work/$1/machine.key"; }
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u lvpg -- "$@"; else "$@"; fi; }

db=$("$here/pg_cluster.sh" start "$pgdir") || exit $?
psql_() { psql "$db" -qAt -c "$1"; }
echo "cluster: $db"
restart_pg() { # fast: active connections are dropped; same port, same options
  as_pg "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/server.log" -w -t 60 -m fast restart > /dev/null
  head -1 "$pgdir/data/postmaster.pid" > "$pgdir/pid" # pg_cluster.sh stop kills this pid
}

start_service() {
  rm -f "$work/$1.out" "$work/$1.err" # a restart must not see the old line
  "$svc" serve --listen 127.0.0.1:0 --db "$db" --key svc --max-computers "$max" --quiet \
    > "$work/$1.out" 2> "$work/$1.err" &
  pids+=($!)
  printf -v "pid_$1" '%s' "$!"
}
wait_service() {
  for _ in $(seq 200); do grep -q listening "$work/$1.out" 2> /dev/null && break; sleep 0.05; done
  local u; u=$(sed -n 's/.*listening on \([^ ]*\) .*/\1/p' "$work/$1.out")
  [ -n "$u" ] || fail "service $1 did not start: $(cat "$work/$1.err")"
  printf -v "url_$1" '%s' "$u"
}
"$svc" keygen --out svc > /dev/null
start_service s1; start_service s2
wait_service s1; wait_service s2
echo "services: $url_s1 $url_s2 (one database)"

"$bin" -q issuer keygen --out iss > /dev/null
mkset() { # mkset OWNER COUNT DIR: a backup set of COUNT licenses in DIR
  as "$1"
  "$bin" init --trust-issuer iss/issuer.pub --service "$url_s1" --service-key svc/service.pub > /dev/null
  "$bin" id --out "$1.id" 2> /dev/null
  "$bin" issuer issue --key iss/issuer.key --to "$1.id" --count "$2" --allow-backup --out "$1.lic" > /dev/null
  "$bin" import "$1.lic" > /dev/null
  "$bin" backup "$3" > /dev/null
}
mkset A "$nlic" usb
mkset B 1 usbB

restore_one() { # restore_one NAME SET URL: retries while the service says 503
  as "$1"
  local rc=0 k
  for k in $(seq 40); do
    rc=0; "$bin" restore "$2" --individualize --service-url "$3" > "$work/$1.out" 2>&1 || rc=$?
    [ $rc = 1 ] && grep -q 'SERVICE_UNAVAILABLE\|BUSY' "$work/$1.out" && { sleep 0.$((2 + RANDOM % 5)); continue; }
    break
  done
  echo $((k - 1)) > "$work/$1.retries"
  echo $rc > "$work/$1.rc"
}

t0=$SECONDS; jobs=()
for i in $(seq "$ncomp"); do
  if [ $((i % 2)) = 0 ]; then restore_one "c$i" usb "$url_s1" & else restore_one "c$i" usb "$url_s2" & fi
  jobs+=($!)
done
sleep "${LV_RESTART_AFTER:-1}"
before=$(ls "$work"/c*.rc 2> /dev/null | wc -l)
restart_pg
after=$(ls "$work"/c*.rc 2> /dev/null | wc -l)
echo "PostgreSQL restarted with $before of $ncomp computers finished ($after when it was back)"
[ "$before" -lt "$ncomp" ] || echo "warning: the load was over before the restart"
wait "${jobs[@]}"
echo "load: $ncomp computers in $((SECONDS - t0)) s; $(cat "$work"/c*.retries | awk '{s += $1} END {print s + 0}') restores retried after a 503"

ok=0 partial=0 refused=0 other=0 restored=0
for i in $(seq "$ncomp"); do
  rc=$(cat "$work/c$i.rc")
  case $rc in
  0) ok=$((ok + 1)) ;;
  3) partial=$((partial + 1)) ;;
  1) grep -q LV_E_RESTORE_FRAUD "$work/c$i.out" && refused=$((refused + 1)) \
       || { other=$((other + 1)); echo "c$i: $(tail -2 "$work/c$i.out")"; } ;;
  *) other=$((other + 1)); echo "c$i exit $rc: $(tail -2 "$work/c$i.out")" ;;
  esac
  n=$(sqlite3 "$work/c$i/store/store.db" "SELECT count(*) FROM licenses" 2> /dev/null || echo 0)
  [ "$rc" = 0 ] && [ "$n" != "$nlic" ] && fail "c$i reported success but holds $n of $nlic licenses"
  restored=$((restored + n))
done
grants=$(psql_ "SELECT count(*) FROM holders WHERE original = 0")
maxon=$(psql_ "SELECT coalesce(max(c), 0) FROM (SELECT count(*) c FROM holders GROUP BY lid) x")
echo "all=$ok partial=$partial refused=$refused other=$other; restored=$restored grants=$grants" \
     "max computers on one license=$((maxon + 1)) (limit $max)"
[ "$other" = 0 ] || fail "$other clients got neither a restore nor a clear refusal"
[ $((maxon + 1)) -le "$max" ] || fail "a license is on $((maxon + 1)) computers, limit $max (doubled)"
[ "$grants" = "$restored" ] || fail "the service recorded $grants grants, clients restored $restored"
[ "$grants" = $((nlic * (max - 1))) ] || fail "$grants grants, want every license on $max computers"
# every computer that holds a license is recorded as holding it
held=$(psql_ "SELECT count(DISTINCT machine) FROM holders WHERE original = 0")
[ "$held" = $((ok + partial)) ] || fail "$held computers recorded, $((ok + partial)) restored something"

kill -0 "$pid_s1" 2> /dev/null || fail "licvaultd s1 died: $(tail -3 "$work/s1.err")"
kill -0 "$pid_s2" 2> /dev/null || fail "licvaultd s2 died: $(tail -3 "$work/s2.err")"
restore_one fin1 usbB "$url_s1"; restore_one fin2 usbB "$url_s2"
[ "$(cat fin1.rc)" = 0 ] || fail "after the restart, s1: $(tail -2 fin1.out)"
[ "$(cat fin2.rc)" = 0 ] || fail "after the restart, s2: $(tail -2 fin2.out)"
st=$("$svc" status --db "$db" --json)
grep -q "\"grants\": $((grants + 2))," <<< "$st" || fail "licvaultd status disagrees: $st"
echo "ok: PostgreSQL restarted under load: no grant lost, none doubled, both licvaultd serve again"
