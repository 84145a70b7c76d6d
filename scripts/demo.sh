#!/usr/bin/env bash
# demo.sh - the whole story on embedded defaults, in a scratch folder, with
# nothing left running: a License Management Service on a free loopback
# port; computer A gets licenses and backs them up; computer B restores them
# through the service; a dry run, and the limit, on computer C.
# Usage: demo.sh LICVAULT_BINARY
# LV_DEMO_DIR=DIR runs it in DIR (created when absent) instead of a fresh
# temporary folder, so that every file it makes can be inspected afterwards
# (tests/security/secrets_scan.sh).
set -euo pipefail
bin=$(readlink -f "${1:-build/licvault}")
svc=$(dirname "$bin")/licvaultd
if [ -n "${LV_DEMO_DIR:-}" ]; then
  mkdir -p "$LV_DEMO_DIR"
  work=$(readlink -f "$LV_DEMO_DIR")
else
  work=$(mktemp -d "${TMPDIR:-/tmp}/licvault-demo.XXXXXX")
fi
cd "$work"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ licvault'; printf ' %q' "$@"; printf '\n'; "$bin" "$@"; }
as() { # as COMPUTER: the following commands run as that computer
  export LICVAULT_STORE="$work/$1/store" LICVAULT_MACHINE="$work/$1/machine.key"
  printf '\033[2m   (now on computer %s)\033[0m\n' "$1"
}
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2> /dev/null && wait "$pid" 2> /dev/null; true; }
trap cleanup EXIT

step "The License Management Service: keys, then serve on a free loopback port"
printf '$ licvaultd keygen --out service\n'; "$svc" keygen --out service
printf '$ licvaultd serve --listen 127.0.0.1:0 --db service.db --key service --max-computers 2 &\n'
"$svc" serve --listen 127.0.0.1:0 --db service.db --key service --max-computers 2 \
  > service.out 2> service.log &
pid=$!
for _ in $(seq 50); do grep -q listening service.out 2> /dev/null && break; sleep 0.1; done
url=$(sed -n 's/.*listening on \([^ ]*\) .*/\1/p' service.out)
echo "service at $url (pid $pid); each license may live on at most 2 computers here"

step "A content owner creates an issuer key"
run issuer keygen --out issuer

step "Computer A is individualized, trusts the issuer, pins the service"
as A
run init --trust-issuer issuer/issuer.pub --service "$url" --service-key service/service.pub
run id --out A.id

step "The issuer signs licenses for A: one with counted plays, one without the backup right"
run issuer issue --key issuer/issuer.key --to A.id --kid 'Q29uY2VydCBpbiBDIG1pbg==' \
  --title 'Concert in C minor' --allow-backup --out concert.lic
run issuer issue --key issuer/issuer.key --to A.id --kid 'UmVudGFsOiAzIHBsYXlzIQ==' \
  --title 'Rental: 3 plays' --plays 3 --allow-backup --out rental.lic
run issuer issue --key issuer/issuer.key --to A.id --kid 'UHJldmlldywgbm8gY29weQ==' \
  --title 'Preview (no backup)' --out preview.lic
run issuer issue --key issuer/issuer.key --to A.id --count 1000 --allow-backup \
  --title 'Back catalogue' --out catalogue.lic
run import concert.lic rental.lic preview.lic catalogue.lic

step "A plays the rental twice: the store records it"
run use 'UmVudGFsOiAzIHBsYXlzIQ=='
run use 'UmVudGFsOiAzIHBsYXlzIQ=='

step "A backs up to a folder (a USB stick): the preview forbids backup and is reported"
run backup usb-stick
run verify usb-stick

step "Computer B, brand new, restores the stick through the service"
as B
run restore usb-stick --individualize
run show 'UmVudGFsOiAzIHBsYXlzIQ=='
run use 'UmVudGFsOiAzIHBsYXlzIQ=='
run check

step "Computer C asks first (dry run), then tries: the limit of 2 computers is reached"
as C
run restore usb-stick --individualize --dry-run | tail -n 3
run restore usb-stick --individualize || echo "(exit status $?: refused, as expected)"
page=$("$bin" --json restore usb-stick 2> /dev/null | sed -n 's/.*"limit_url": "\([^"]*\)".*/\1/p' || true)
if [ -n "$page" ] && command -v curl > /dev/null; then
  echo "the page the service serves at $page says:"
  curl -s "$page" | sed -e 's/<[^>]*>//g' -e '/^\s*$/d' -e '/font-family/d' | head -n 6 || true
fi

step "The service's record"
printf '$ licvaultd status --db service.db\n'
kill "$pid"; wait "$pid" 2> /dev/null || true; pid=""
"$svc" status --db service.db

echo
echo "demo: everything above ran in $work; the service is stopped"
