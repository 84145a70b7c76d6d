#!/usr/bin/env bash
# pg_contention.sh - two licvaultd processes on one PostgreSQL database,
# COMPUTERS distinct computers restoring the same backup set at once (half
# through each process, retrying on 503): afterwards no license is on more
# than N computers, every client's store agrees with the service's records
# (sum of licenses restored = grants recorded), and licvaultd status agrees
# with the database. Then the same computers again (a retry is free): no
# grant is added.
# Usage: pg_contention.sh BUILD_DIR WORK_DIR [COMPUTERS (default 200)] [LICENSES (default 4)]
# Exit 77 (skip) when the PostgreSQL server binaries are missing.
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
build=$(readlink -f "$1"); bin=$build/licvault; svc=$build/licvaultd
work=$2; ncomp=${3:-200}; nlic=${4:-4}; max=4
"$here/pg_cluster.sh" bindir > /dev/null 2>&1 || { echo "SKIP: no PostgreSQL server binaries"; exit 77; }
rm -rf "$work"; mkdir -p "$work"; work=$(readlink -f "$work"); cd "$work"
pgdir=$(mktemp -d /tmp/lvpg.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2> /dev/null || true; done
  "$here/pg_cluster.sh" stop "$pgdir" || true
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
as() { export LICVAULT_STORE="$work/$1/store" LICVAULT_MACHINE="$work/$1/machine.key"; }

db=$("$here/pg_cluster.sh" start "$pgdir") || exit $?
psql_() { psql "$db" -qAt -c "$1"; }
echo "cluster: $db"

start_service() { # start_service NAME: in the background, its pid kept
  rm -f "$work/$1.out" "$work/$1.err" # a restart must not see the old line
  "$svc" serve --listen 127.0.0.1:0 --db "$db" --key svc --max-computers $max --quiet \
    > "$work/$1.out" 2> "$work/$1.err" &
  pids+=($!)
}
wait_service() { # wait_service NAME -> url_NAME
  for _ in $(seq 200); do grep -q listening "$work/$1.out" 2> /dev/null && break; sleep 0.05; done
  local u; u=$(sed -n 's/.*listening on \([^ ]*\) .*/\1/p' "$work/$1.out")
  [ -n "$u" ] || fail "service $1 did not start: $(cat "$work/$1.err")"
  printf -v "url_$1" '%s' "$u"
}
"$svc" keygen --out svc > /dev/null
start_service s1; start_service s2 # both migrate the empty database at once
wait_service s1; wait_service s2
echo "services: $url_s1 $url_s2 (one database)"

"$bin" -q issuer keygen --out iss > /dev/null
as A
"$bin" init --trust-issuer iss/issuer.pub --service "$url_s1" --service-key svc/service.pub > /dev/null
"$bin" id --out A.id 2> /dev/null
"$bin" issuer issue --key iss/issuer.key --to A.id --count "$nlic" --allow-backup --out a.lic > /dev/null
"$bin" import a.lic > /dev/null
"$bin" backup usb > /dev/null

restore_one() { # restore_one I URL: retries while the service says 503
  as "c$1"
  local rc=0 k
  for k in 1 2 3 4 5 6 7 8; do
    rc=0; "$bin" restore usb --individualize --service-url "$2" > "$work/c$1.out" 2>&1 || rc=$?
    [ $rc = 1 ] && grep -q 'SERVICE_UNAVAILABLE\|BUSY' "$work/c$1.out" && { sleep 0.$((RANDOM % 5)); continue; }
    break
  done
  echo $rc > "$work/c$1.rc"
}

round() {
  local t0=$SECONDS jobs=()
  for i in $(seq "$ncomp"); do
    if [ $((i % 2)) = 0 ]; then restore_one "$i" "$url_s1" & else restore_one "$i" "$url_s2" & fi
    jobs+=($!)
  done
  wait "${jobs[@]}"
  echo "round $1: $ncomp computers in $((SECONDS - t0)) s"
}
check() {
  local ok=0 partial=0 refused=0 other=0 restored=0 i rc n
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
    restored=$((restored + n))
  done
  local grants maxon holders st
  grants=$(psql_ "SELECT count(*) FROM holders WHERE original = 0")
  maxon=$(psql_ "SELECT coalesce(max(c), 0) FROM (SELECT count(*) c FROM holders GROUP BY lid) x")
  holders=$(psql_ "SELECT count(DISTINCT machine) FROM holders")
  st=$("$svc" status --db "$db" --json)
  echo "round $1: all=$ok partial=$partial refused=$refused other=$other; restored=$restored grants=$grants" \
       "max computers on one license=$((maxon + 1)) (limit $max); computers holding=$holders"
  echo "status: $st"
  [ "$other" = 0 ] || fail "$other clients got neither a restore nor a clear refusal"
  [ $((maxon + 1)) -le $max ] || fail "a license is on $((maxon + 1)) computers, limit $max"
  [ "$grants" = "$restored" ] || fail "the service recorded $grants grants, clients restored $restored"
  [ "$grants" = $((nlic * (max - 1))) ] || fail "$grants grants, want every license on $max computers"
  grep -q "\"grants\": $grants," <<< "$st" || fail "licvaultd status disagrees: $st"
  grep -q "\"licenses\": $nlic," <<< "$st" || fail "licvaultd status licenses: $st"
}
round 1; check 1
g1=$(psql_ "SELECT count(*) FROM holders")
round 2; check 2 # everyone again: the holders are free, the others still refused
[ "$(psql_ "SELECT count(*) FROM holders")" = "$g1" ] || fail "the second round changed the grants"
echo "ok: $ncomp computers x 2 rounds through 2 licvaultd on one PostgreSQL: limit held, records match"
