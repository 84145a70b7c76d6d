#!/usr/bin/env bash
# smoke.sh - the bench/smoke test: bench/run.sh on BUILD_DIR's bench programs
# at a tiny size, then checks the one table is printed last, with one row per
# expected operation and a numeric ratio wherever a baseline is named.
# Timings are not checked. Usage: smoke.sh BUILD_DIR SCRATCH_DIR
set -euo pipefail
build=$1
scratch=$2
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$scratch"
out=$scratch/run.out
unset LV_BENCH_PG_URL
BENCH_N=${BENCH_N:-2000} BENCH_SECONDS=1 BENCH_CONNECTIONS=8 BENCH_DIR=$scratch \
  bash "$here/run.sh" "$build" >"$out" 2>"$scratch/run.err" || {
  echo "smoke: run.sh failed"; tail -n 40 "$out" "$scratch/run.err"; exit 1; }

fail() { echo "smoke: $*"; tail -n 30 "$out"; exit 1; }

# The table is the last thing printed: the lines from the last heading on.
table=$(awk '/^## The table/ { t = ""; on = 1; next } on { t = t $0 "\n" }
             END { printf "%s", t }' "$out")
[ -n "$table" ] || fail "no table heading"
grep -q '^Machine: [0-9]* cores, ' <<<"$table" || fail "no machine line"
[ "$(tail -n 1 "$out" | cut -c1)" = "|" ] || fail "the table is not the last output"
body=$(grep '^| ' <<<"$table" | tail -n +2) # less the header (and the |--- line)

# operation (expected count)
restic_rows=0
command -v restic >/dev/null && restic_rows=1
expect=(
  "import floor: Ed25519 verify, all cores=1"
  "issuer issue (sign, stream to a file)=1"
  "import (verify, re-encrypt, store; 1 tx)=1"
  "list (stream every license)=1"
  "sqlite3 .backup of store.db + sync=1"
  "restic backup of store.db + sync=$restic_rows"
  "licvault backup (restorer API, fsync'd)=2"
  "restore floor: Ed25519 verify, all cores=1"
  "restore via licvaultd onto a new computer=1"
  "restore onto a computer with N/4 licenses=1"
  "backup of the set to restore (reference)=1"
  "service baseline: bare MHD, verify + sign=1"
  "licvaultd /v1/restore, SQLite (fsync'd)=1"
  "licvaultd /v1/restore, a computer per connection=1"
)
total=0
for e in "${expect[@]}"; do
  op=${e%=*} want=${e##*=}
  got=$(awk -F' *[|] *' -v op="$op" '$2 == op { k++ } END { print k + 0 }' <<<"$body")
  [ "$got" = "$want" ] || fail "\"$op\": $got rows, expected $want"
  total=$((total + want))
done
[ "$(wc -l <<<"$body")" = "$total" ] || fail "$(wc -l <<<"$body") rows, expected $total"

# Every row naming a baseline has a ratio from the same run (restic's only if installed).
awk -F' *[|] *' '
  NF != 10 { print "smoke: a row of " NF - 2 " columns: " $0; bad = 1; next }
  $7 == "-" { if ($8 != "-") { print "smoke: a ratio without a baseline: " $0; bad = 1 }; next }
  $7 ~ /not installed/ { next }
  $8 !~ /^[0-9]+\.[0-9][0-9]x$/ { print "smoke: ratio not numeric: " $0; bad = 1 }
  $3 !~ /^[0-9,]+ / || $4 !~ /^[0-9]+\.[0-9]+ s$/ { print "smoke: size or time: " $0; bad = 1 }
  END { exit bad }' <<<"$body" || fail "bad rows"
grep -q '^| import (verify, re-encrypt, store; 1 tx) .*| <= 1.25x: \(met\|NOT met\) *|$' \
  <<<"$body" || fail "import row has no goal verdict"
echo "smoke: table of $total rows checked"
