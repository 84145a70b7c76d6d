#!/usr/bin/env bash
# demo.sh - the main job end to end on embedded defaults, in a scratch
# folder: an issuer and a computer, licenses issued to it, imported, listed,
# played and checked. Usage: demo.sh LICVAULT_BINARY
set -euo pipefail
bin=$(readlink -f "${1:-build/licvault}")
svc=$(dirname "$bin")/licvaultd
work=$(mktemp -d "${TMPDIR:-/tmp}/licvault-demo.XXXXXX")
cd "$work"
export LICVAULT_STORE="$work/store" LICVAULT_MACHINE="$work/machine.key"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ licvault'; printf ' %q' "$@"; printf '\n'; "$bin" "$@"; }

step "A content owner creates an issuer key; the License Management Service its keys"
run issuer keygen --out issuer
printf '$ licvaultd keygen --out service\n'; "$svc" keygen --out service

step "This computer is individualized, trusts that issuer and pins that service"
run init --trust-issuer issuer/issuer.pub --service http://127.0.0.1:8080 \
  --service-key service/service.pub
run id --out computer.id

step "The issuer signs licenses for this computer"
run issuer issue --key issuer/issuer.key --to computer.id \
  --kid 'Q29uY2VydCBpbiBDIG1pbg==' --title 'Concert in C minor' \
  --allow-backup --out concert.lic
run issuer issue --key issuer/issuer.key --to computer.id \
  --kid 'UmVudGFsOiAzIHBsYXlzIQ==' --title 'Rental: 3 plays' \
  --plays 3 --out rental.lic
run issuer issue --key issuer/issuer.key --to computer.id --count 1000 \
  --allow-backup --title 'Back catalogue' --out catalogue.lic

step "They are verified and stored (all or nothing per file)"
run import concert.lic rental.lic catalogue.lic
printf '$ licvault list\n'
"$bin" list > list.txt
head -n 5 list.txt
echo "... ($(wc -l < list.txt) licenses)"

step "Playing enforces the rights and records the state"
run use 'UmVudGFsOiAzIHBsYXlzIQ=='
run use 'UmVudGFsOiAzIHBsYXlzIQ=='
run show 'UmVudGFsOiAzIHBsYXlzIQ=='

step "A store copied to another computer does not open there"
cp -a store copied-store
run --store copied-store --machine other-computer.key list || true

step "The store checks out"
run check
run info

step "Back up to a folder (a USB stick): the rental forbids backup and is reported"
run backup usb-stick
ls -l usb-stick
run verify usb-stick
step "A changed byte on the stick is caught"
cp -a usb-stick damaged-stick
printf '\x00' | dd of=damaged-stick/LV010000.DAT bs=1 seek=1000 conv=notrunc status=none
run verify damaged-stick || true

echo
echo "demo: everything above ran in $work"
