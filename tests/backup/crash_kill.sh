#!/usr/bin/env bash
# crash_kill.sh - `licvault backup --overwrite` killed with SIGKILL at random
# moments, again and again: after every kill the folder holds a complete set
# that verifies, and it is the old set or a new complete one, never a mix.
# Usage: crash_kill.sh BUILD_DIR WORK_DIR [ITERATIONS (default 40)] [LICENSES]
set -euo pipefail
bin=$(readlink -f "$1/licvault"); svc=$(readlink -f "$1/licvaultd")
work=$2; iters=${3:-40}; n=${4:-30000}
rm -rf "$work"; mkdir -p "$work"; cd "$work"
export LICVAULT_STORE=$PWD/store LICVAULT_MACHINE=$PWD/machine.key
"$svc" keygen --out svc > /dev/null
"$bin" -q issuer keygen --out iss > /dev/null
"$bin" init --trust-issuer iss/issuer.pub --service http://127.0.0.1:9 \
  --service-key svc/service.pub > /dev/null
"$bin" id --out me.id 2> /dev/null
"$bin" issuer issue --key iss/issuer.key --to me.id --count "$n" --allow-backup \
  --out a.lic > /dev/null
"$bin" import a.lic > /dev/null
"$bin" backup usb --part-size 1048576 > /dev/null
# how long a whole backup takes here, to spread the kills over it
t0=$(date +%s%N); "$bin" backup usb --overwrite --part-size 1048576 > /dev/null
span=$(( ($(date +%s%N) - t0) / 1000 )); [ "$span" -gt 0 ] || span=1000
old=0 new=0 killed=0
for i in $(seq "$iters"); do
  before=$(sha256sum usb/LVBACKUP.MAN | cut -d' ' -f1)
  "$bin" backup usb --overwrite --part-size 1048576 > /dev/null 2>&1 &
  pid=$!
  # a random moment within 1.2x the backup's duration (microseconds)
  delay=$(( (RANDOM * 32768 + RANDOM) % (span * 12 / 10 + 1) ))
  sleep "$(printf '0.%06d' "$delay")" 2> /dev/null || sleep 0
  if kill -9 "$pid" 2> /dev/null; then killed=$((killed + 1)); fi
  wait "$pid" 2> /dev/null || true
  if ! out=$("$bin" verify usb 2>&1); then
    echo "iteration $i: the set does not verify after a kill at ${delay}us:"; echo "$out"
    ls -la usb; exit 1
  fi
  after=$(sha256sum usb/LVBACKUP.MAN | cut -d' ' -f1)
  if [ "$before" = "$after" ]; then old=$((old + 1)); else new=$((new + 1)); fi
done
# the next backup cleans whatever an interrupted one left behind
"$bin" backup usb --overwrite --part-size 1048576 > /dev/null
"$bin" verify usb > /dev/null
parts=$(grep -c '^part ' usb/LVBACKUP.MAN)
files=$(ls usb | wc -l)
[ "$files" -eq $((parts + 1)) ] || { echo "leftover files after a clean backup:"; ls usb; exit 1; }
echo "crash_kill: $iters runs ($killed killed mid-way): $old old set, $new new set; every one verified"
