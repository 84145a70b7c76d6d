#!/usr/bin/env bash
# run.sh - runs every libFuzzer harness of a fuzz build for a fixed time each,
# on a scratch copy of its seed corpus; crashes are kept in fuzz/crashes/.
#
# Usage: bash fuzz/run.sh BUILD_DIR SECONDS [HARNESS...]
#   BUILD_DIR  a tree configured with -DLV_FUZZ=ON (see `make fuzz`)
#   SECONDS    -max_total_time for each harness
#   HARNESS    only these (e.g. fuzz_props); default: every fuzz_* binary
# FUZZ_JOBS (default 1) runs that many harnesses at once: give it at most the
# number of cores, each harness is one process on one core.
# LV_FUZZ_FLAGS adds libFuzzer flags, e.g. "-fork=1 -ignore_crashes=1" to go on
# past a known crash, or "-dict=..." for a harness that wants one.
# New interesting inputs stay in the scratch folder and are thrown away, so
# git only sees what crashed. Each harness's summary (executions, cov, ft,
# corpus) is printed in one piece when it ends, and a table of all at the
# end. Exit status 1 when any harness failed.
set -u

if [ $# -lt 2 ]; then
  echo "usage: $0 BUILD_DIR SECONDS [HARNESS...]" >&2
  exit 2
fi
build=$1
seconds=$2
shift 2
jobs=${FUZZ_JOBS:-1}
case $seconds in
  '' | *[!0-9]*) echo "run.sh: SECONDS must be a whole number" >&2; exit 2 ;;
esac
case $jobs in
  '' | 0 | *[!0-9]*) echo "run.sh: FUZZ_JOBS must be a whole number >= 1" >&2; exit 2 ;;
esac

here=$(cd "$(dirname "$0")" && pwd)
crashes=$here/crashes
scratch=$(mktemp -d "${TMPDIR:-/tmp}/lv-fuzz.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

harnesses=()
if [ $# -gt 0 ]; then
  for name in "$@"; do
    bin=$build/fuzz/$name
    if [ ! -x "$bin" ]; then
      echo "run.sh: no harness $bin" >&2
      exit 2
    fi
    harnesses+=("$bin")
  done
else
  for bin in "$build"/fuzz/fuzz_*; do
    [ -f "$bin" ] && [ -x "$bin" ] && harnesses+=("$bin")
  done
fi
if [ ${#harnesses[@]} -eq 0 ]; then
  echo "run.sh: no fuzz_* binaries in $build/fuzz (configure with -DLV_FUZZ=ON)" >&2
  exit 1
fi

# Leaks count as failures; abort() from a harness check is a crash.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# One harness: runs it, writes its summary to $scratch/NAME.out and its
# table row to $scratch/NAME.row, then prints the summary in one piece.
run_one() {
  local bin=$1 name corpus log out seeds rc
  name=$(basename "$bin")
  corpus=$scratch/$name
  log=$scratch/$name.log
  out=$scratch/$name.out
  mkdir -p "$corpus" "$crashes"
  if [ -d "$here/corpora/$name" ]; then
    cp -R "$here/corpora/$name/." "$corpus/"
  fi
  seeds=$(find "$corpus" -type f | wc -l)
  echo "-- $name started ($(date -u +%H:%M:%S))"
  # shellcheck disable=SC2086 # LV_FUZZ_FLAGS is a list of words
  "$bin" -max_total_time="$seconds" -timeout=25 -print_final_stats=1 \
    -artifact_prefix="$crashes/$name-" ${LV_FUZZ_FLAGS:-} "$corpus" >"$log" 2>&1
  rc=$?
  {
    echo "== $name: ${seconds}s on $seeds seed inputs"
    # libFuzzer's last status line ("#N DONE cov: ... ft: ... corp: ...") and
    # its "Done N runs in S second(s)" line; the executions are in both.
    grep -E '^#[0-9]+:?[[:space:]].*cov: ' "$log" | tail -n 1
    grep -E '^Done [0-9]+ runs' "$log" | tail -n 1
    grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb):' "$log"
    echo "   corpus after run: $(find "$corpus" -type f | wc -l) inputs (not kept)"
    if [ $rc -ne 0 ]; then
      cp "$log" "$crashes/$name.log"
      echo "!! $name failed (exit $rc); log in $crashes/$name.log, inputs:"
      grep -E '^(==[0-9]+==ERROR|SUMMARY|artifact_prefix|Test unit written)' "$log" |
        sed 's/^/   /'
    fi
  } >"$out"
  local last execs eps
  last=$(grep -E '^#[0-9]+:?[[:space:]].*cov: ' "$log" | tail -n 1)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  printf '%-16s %8s %12s %8s %6s %6s %6s %4s\n' "$name" "$seconds" "${execs:--}" "${eps:--}" \
    "$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")" \
    "$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")" \
    "$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")" "$rc" >"$scratch/$name.row"
  cat "$out"
  return $rc
}

# At most $jobs at once; `wait -n` returns as soon as any one ends.
running=0
for bin in "${harnesses[@]}"; do
  if [ "$running" -ge "$jobs" ]; then
    wait -n
    running=$((running - 1))
  fi
  run_one "$bin" &
  running=$((running + 1))
done
wait

failed=0
echo "== summary: ${seconds}s each, $jobs at a time"
printf '%-16s %8s %12s %8s %6s %6s %6s %4s\n' harness seconds executions exec/s cov ft corpus exit
for bin in "${harnesses[@]}"; do
  name=$(basename "$bin")
  if [ -f "$scratch/$name.row" ]; then
    cat "$scratch/$name.row"
    read -r _ _ _ _ _ _ _ rc <"$scratch/$name.row"
    [ "$rc" = 0 ] || failed=1
  else
    echo "$name: no result"
    failed=1
  fi
done
exit $failed
