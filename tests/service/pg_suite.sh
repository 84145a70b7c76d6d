#!/usr/bin/env bash
# pg_suite.sh - the in-process service test suite (service_test_service)
# against a throw-away PostgreSQL cluster: starts one with pg_cluster.sh,
# runs the suite with LV_TEST_PG_URL set (each case makes its own database),
# stops the cluster by its pid.
# Usage: pg_suite.sh TEST_BINARY
# Exit 77 (skip) when the PostgreSQL server binaries are missing.
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
exe=$(readlink -f "$1")
"$here/pg_cluster.sh" bindir > /dev/null 2>&1 || { echo "SKIP: no PostgreSQL server binaries"; exit 77; }
pgdir=$(mktemp -d /tmp/lvpg.XXXXXX)
trap '"$here/pg_cluster.sh" stop "$pgdir" || true' EXIT
url=$("$here/pg_cluster.sh" start "$pgdir") || exit $?
echo "cluster: $url"
LV_TEST_PG_URL=$url "$exe"
