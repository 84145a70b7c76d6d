#!/usr/bin/env bash
# pg_suite.sh - the in-process service test suite (the service_test_service_*
# programs) against one throw-away PostgreSQL cluster: starts it with
# pg_cluster.sh, runs each program in turn with LV_TEST_PG_URL set (each case
# makes its own database, named after the program's pid), stops the cluster
# by its pid. Every program runs even when an earlier one fails.
# Usage: pg_suite.sh TEST_BINARY...
# Exit 0 when every program passed, 1 when any failed, 2 on a usage error,
# 77 (skip) when the PostgreSQL server binaries are missing.
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
[ $# -gt 0 ] || { echo "usage: pg_suite.sh TEST_BINARY..." >&2; exit 2; }
exes=()
for a in "$@"; do
  [ -x "$a" ] || { echo "pg_suite: not a program: $a" >&2; exit 2; }
  exes+=("$(readlink -f "$a")")
done
"$here/pg_cluster.sh" bindir > /dev/null 2>&1 || { echo "SKIP: no PostgreSQL server binaries"; exit 77; }
pgdir=$(mktemp -d /tmp/lvpg.XXXXXX)
trap '"$here/pg_cluster.sh" stop "$pgdir" || true' EXIT
url=$("$here/pg_cluster.sh" start "$pgdir") || exit $?
echo "cluster: $url"
failed=()
for exe in "${exes[@]}"; do
  echo "== $(basename "$exe")"
  # a program's own exit code is its count of failed cases: any is a failure
  # here, so that 77 of them cannot read as a skip
  LV_TEST_PG_URL=$url "$exe" || failed+=("$(basename "$exe")")
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED on PostgreSQL: ${failed[*]}"
  exit 1
fi
