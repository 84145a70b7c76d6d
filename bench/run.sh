#!/usr/bin/env bash
# run.sh - runs every benchmark program of a build, each printing its own
# detailed table, then prints ONE table of all their results, with the
# machine it ran on, last (make bench; docs/performance.md, "The table").
# Environment: BENCH_N license count (default 1000000); BENCH_DIR scratch
# folder (default /tmp); BENCH_SECONDS and BENCH_CONNECTIONS for
# bench_service (default 10 and 64); BENCH_ROWS_OUT: keep the raw rows there.
# Usage: run.sh BUILD_DIR
set -euo pipefail
build=$1
n=${BENCH_N:-1000000}
scratch=${BENCH_DIR:-/tmp}
secs=${BENCH_SECONDS:-10}
conns=${BENCH_CONNECTIONS:-64}
here=$(cd "$(dirname "$0")" && pwd)

# The machine line: taken before the run, as the run found the machine.
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs || true)
mem=$(awk '/^MemTotal:/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
disk=$(findmnt -n -o SOURCE,FSTYPE -T "$scratch" 2>/dev/null | xargs || true)
[ -n "$disk" ] || disk=$(df -PT "$scratch" | awk 'NR == 2 { print $1, $2 }')
btype=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$build/CMakeCache.txt" 2>/dev/null || true)
faults=$(sed -n 's/^LV_FAULTS:BOOL=//p' "$build/CMakeCache.txt" 2>/dev/null || true)
machine="$(nproc) cores, ${cpu:-unknown CPU}, $mem, Linux $(uname -r); scratch $scratch:"
machine="$machine ${disk% *} (${disk##* }); load average before $(cut -d' ' -f1 /proc/loadavg);"
machine="$machine $(date -u +%Y-%m-%dT%H:%MZ); build: $(basename "$build") (${btype:-?},"
machine="$machine LV_FAULTS=${faults:-?})"

rows=$(mktemp "${TMPDIR:-/tmp}/lvbench-rows.XXXXXX")
trap 'rm -f "$rows"' EXIT
export LV_BENCH_ROWS=$rows

echo "licvault benchmarks: $machine"
# The programs in the order of docs/performance.md, then any newer one.
progs=()
for name in bench_import bench_backup bench_restore bench_service; do
  [ -x "$build/bench/$name" ] && progs+=("$build/bench/$name")
done
for b in "$build"/bench/bench_*; do
  case " ${progs[*]} " in *" $b "*) continue ;; esac
  [ -f "$b" ] && [ -x "$b" ] && progs+=("$b")
done
ran=0
for b in "${progs[@]}"; do
  name=$(basename "$b")
  case $name in
    bench_service) args=("$secs" "$conns" "$scratch"); what="$secs s, $conns connections" ;;
    *) args=("$n" "$scratch"); what="$n licenses" ;;
  esac
  echo
  echo "## $name ($what)"
  before=$(wc -l <"$rows")
  "$b" "${args[@]}"
  if [ "$(wc -l <"$rows")" -le "$before" ]; then
    echo "run.sh: $name wrote no result rows" >&2
    exit 1
  fi
  ran=$((ran + 1))
done
[ "$ran" -gt 0 ] || { echo "run.sh: no bench programs in $build/bench" >&2; exit 1; }
[ -z "${BENCH_ROWS_OUT:-}" ] || cp "$rows" "$BENCH_ROWS_OUT"

echo
echo "## The table (BENCH_N=$n, BENCH_SECONDS=$secs, BENCH_CONNECTIONS=$conns)"
echo
echo "Machine: $machine"
echo
awk -f "$here/table.awk" "$rows"
