#!/usr/bin/env bash
# run.sh - runs every benchmark program of a Release build and prints their
# tables (make bench). BENCH_N sets the license count (default 1000000);
# BENCH_DIR the scratch folder (default /tmp).
# Usage: run.sh BUILD_DIR
set -euo pipefail
build=$1
n=${BENCH_N:-1000000}
echo "licvault benchmarks: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(date -u +%Y-%m-%dT%H:%M:%SZ)"
for b in "$build"/bench/bench_*; do
  [ -x "$b" ] || continue
  echo
  echo "## $(basename "$b") $n"
  "$b" "$n" "${BENCH_DIR:-/tmp}"
done
