#!/usr/bin/env bash
# pg_cluster.sh - a throw-away PostgreSQL cluster for the tests.
#   pg_cluster.sh start DIR   initdb into DIR/data, start on a free loopback
#                             port (socket in DIR); prints the URL of database
#                             "licvault" and writes it to DIR/url
#   pg_cluster.sh stop DIR    stops the server by its pid (DIR/pid), removes DIR
#   pg_cluster.sh bindir      prints the PostgreSQL bin folder (exit 77 if none)
# PostgreSQL refuses to run as root: as root the cluster runs as the system
# user lvpg (created when missing); otherwise as the calling user.
# Exit 77 when the PostgreSQL server binaries are missing (scripts/deps.sh
# installs them).
set -euo pipefail

bindir() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ] && { echo "$d"; return 0; }
  done
  if command -v initdb > /dev/null && command -v pg_ctl > /dev/null; then
    dirname "$(readlink -f "$(command -v initdb)")"; return 0
  fi
  return 1
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2> /dev/null \
    || echo $(( 20000 + RANDOM % 20000 ))
}

as_pg() { # as_pg CMD... : run as the cluster's owner
  if [ "$(id -u)" -eq 0 ]; then runuser -u lvpg -- "$@"; else "$@"; fi
}

cmd=${1:-}
case "$cmd" in
bindir) bindir || exit 77 ;;
start)
  dir=${2:?usage: pg_cluster.sh start DIR}
  bin=$(bindir) || { echo "pg_cluster: PostgreSQL server binaries not found" >&2; exit 77; }
  if [ "$(id -u)" -eq 0 ] && ! id lvpg > /dev/null 2>&1; then
    useradd -r -M -d /nonexistent -s /usr/sbin/nologin lvpg
  fi
  rm -rf "$dir"; mkdir -p "$dir"; dir=$(readlink -f "$dir")
  [ "$(id -u)" -eq 0 ] && chown lvpg "$dir"
  chmod 700 "$dir"
  user=$(if [ "$(id -u)" -eq 0 ]; then echo lvpg; else id -un; fi)
  as_pg "$bin/initdb" -D "$dir/data" -U "$user" --auth=trust -E UTF8 --locale=C.UTF-8 \
    > "$dir/initdb.log" 2>&1 || as_pg "$bin/initdb" -D "$dir/data" -U "$user" --auth=trust \
    -E UTF8 --no-locale > "$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
  for _ in 1 2 3 4 5; do
    port=$(free_port)
    # throw-away: fsync off (the tests check exactness, not durability on power loss)
    if as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" \
        start > /dev/null 2>&1; then
      break
    fi
    port=
  done
  [ -n "$port" ] || { echo "pg_cluster: server did not start" >&2; cat "$dir/server.log" >&2; exit 1; }
  head -1 "$dir/data/postmaster.pid" > "$dir/pid"
  as_pg "$bin/psql" -h "$dir" -p "$port" -U "$user" -d postgres -qAt \
    -c "CREATE DATABASE licvault" > /dev/null
  echo "postgresql://$user@127.0.0.1:$port/licvault" | tee "$dir/url"
  ;;
stop)
  dir=${2:?usage: pg_cluster.sh stop DIR}
  if [ -f "$dir/pid" ]; then
    pid=$(cat "$dir/pid")
    kill -INT "$pid" 2> /dev/null || true # fast shutdown
    for _ in $(seq 100); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2> /dev/null && kill -9 "$pid" 2> /dev/null || true
  fi
  rm -rf "$dir"
  ;;
*) echo "usage: pg_cluster.sh start|stop DIR | bindir" >&2; exit 2 ;;
esac
