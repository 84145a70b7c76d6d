#!/usr/bin/env bash
# run.sh - runs every libFuzzer harness of a fuzz build for a fixed time each,
# on a scratch copy of its seed corpus; crashes are kept in fuzz/crashes/.
#
# Usage: bash fuzz/run.sh BUILD_DIR SECONDS
#   BUILD_DIR  a tree configured with -DLV_FUZZ=ON (see `make fuzz`)
#   SECONDS    -max_total_time for each harness
# LV_FUZZ_FLAGS adds libFuzzer flags, e.g. "-fork=1 -ignore_crashes=1" to go on
# past a known crash, or "-dict=..." for a harness that wants one.
# New interesting inputs stay in the scratch folder and are thrown away, so
# git only sees what crashed. Exit status 1 when any harness failed.
set -u

if [ $# -ne 2 ]; then
  echo "usage: $0 BUILD_DIR SECONDS" >&2
  exit 2
fi
build=$1
seconds=$2
case $seconds in
  '' | *[!0-9]*) echo "run.sh: SECONDS must be a whole number" >&2; exit 2 ;;
esac

here=$(cd "$(dirname "$0")" && pwd)
crashes=$here/crashes
scratch=$(mktemp -d "${TMPDIR:-/tmp}/lv-fuzz.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

harnesses=()
for bin in "$build"/fuzz/fuzz_*; do
  [ -f "$bin" ] && [ -x "$bin" ] && harnesses+=("$bin")
done
if [ ${#harnesses[@]} -eq 0 ]; then
  echo "run.sh: no fuzz_* binaries in $build/fuzz (configure with -DLV_FUZZ=ON)" >&2
  exit 1
fi

# Leaks count as failures; abort() from a harness check is a crash.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=0
for bin in "${harnesses[@]}"; do
  name=$(basename "$bin")
  corpus=$scratch/$name
  log=$scratch/$name.log
  mkdir -p "$corpus" "$crashes"
  if [ -d "$here/corpora/$name" ]; then
    cp -R "$here/corpora/$name/." "$corpus/"
  fi
  echo "== $name: ${seconds}s on $(find "$corpus" -type f | wc -l) seed inputs"
  # shellcheck disable=SC2086 # LV_FUZZ_FLAGS is a list of words
  "$bin" -max_total_time="$seconds" -timeout=25 -print_final_stats=1 \
    -artifact_prefix="$crashes/$name-" ${LV_FUZZ_FLAGS:-} "$corpus" >"$log" 2>&1
  rc=$?
  # libFuzzer's last status line ("#N DONE cov: ... ft: ... corp: ...") and
  # its "Done N runs in S second(s)" line; the executions are in both.
  grep -E '^#[0-9]+:?[[:space:]].*cov: ' "$log" | tail -n 1
  grep -E '^Done [0-9]+ runs' "$log" | tail -n 1
  grep -E '^stat::(number_of_executed_units|peak_rss_mb):' "$log"
  echo "   corpus after run: $(find "$corpus" -type f | wc -l) inputs (not kept)"
  if [ $rc -ne 0 ]; then
    failed=1
    cp "$log" "$crashes/$name.log"
    echo "!! $name failed (exit $rc); log in $crashes/$name.log, inputs:"
    grep -E '^(==[0-9]+==ERROR|SUMMARY|artifact_prefix|Test unit written)' "$log" |
      sed 's/^/   /'
  fi
done
exit $failed
