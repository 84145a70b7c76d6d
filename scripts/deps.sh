#!/usr/bin/env bash
# Installs the Debian packages licvault's build, tests, fuzzers and benches need,
# only when one is missing, so that every `make` target can call it cheaply.
set -euo pipefail

pkgs=(build-essential cmake pkg-config clang libclang-rt-14-dev
      libsodium-dev libssl-dev libsqlite3-dev libcmocka-dev libjansson-dev
      libcurl4-openssl-dev libmicrohttpd-dev libpq-dev postgresql gettext sqlite3 restic curl)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
    || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps.sh: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
