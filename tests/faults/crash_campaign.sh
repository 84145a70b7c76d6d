#!/usr/bin/env bash
# crash_campaign.sh - every mutating command killed with SIGKILL at random
# moments, ITERATIONS times each, from the same starting state; after every
# kill the invariants (tests/support/invariants.h, through invcheck) hold,
# and running the command again completes it:
#   init, trust add, service set, import, delete, use, issuer issue, backup,
#   backup --overwrite, restore (client killed), licvaultd (killed while
#   computers restore through it).
# Usage: crash_campaign.sh BUILD_DIR WORK_DIR INVCHECK [ITERATIONS (20)] [COMMANDS...]
# make test runs 20 per command; make check-faults 200.
set -euo pipefail
bin=$(readlink -f "$1/licvault"); svc=$(readlink -f "$1/licvaultd")
work=$2; inv=$(readlink -f "$3"); iters=${4:-20}
shift 4 || shift $#
only=" ${*:-all} "
rm -rf "$work"; mkdir -p "$work"; cd "$work"; work=$PWD
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
want_cmd() { [ "$only" = " all " ] || [[ $only == *" $1 "* ]]; }
as() { export LICVAULT_STORE=$work/$1/store LICVAULT_MACHINE=$work/$1/machine.key; mkdir -p "$work/$1"; }
now_us() { echo $(( $(date +%s%N) / 1000 )); }
set_files_only() { # the folder holds the manifest and its parts, nothing else
  [ "$(ls "$1" | wc -l)" -eq $(( $(grep -c '^part ' "$1/LVBACKUP.MAN") + 1 )) ]
}
rand_us() { echo $(( (RANDOM * 32768 + RANDOM) % ($1 + 1) )); }

start_service() { # start_service DB -> url, spid (port: reuse $port when set)
  # the old line must be gone before we wait for the new one: the child
  # truncates svc.out only once it runs
  rm -f svc.out svc.err
  "$svc" serve --listen "127.0.0.1:${port:-0}" --db "$1" --key svc --max-computers 1000 \
    --quiet > svc.out 2> svc.err &
  spid=$!; pids+=("$spid")
  for _ in $(seq 750); do grep -q listening svc.out 2> /dev/null && break; sleep 0.02; done
  url=$(sed -n 's/.*listening on \([^ ]*\) .*/\1/p' svc.out)
  [ -n "$url" ] || fail "licvaultd did not start in 15 s: $(cat svc.err svc.out; kill -0 "$spid" 2>&1)"
  port=${url##*:}
}

# ---- the starting state: computer A with 200 licenses and a backup ----
"$svc" keygen --out svc > /dev/null
"$bin" -q issuer keygen --out iss > /dev/null
start_service svc.db
as A
"$bin" init --trust-issuer iss/issuer.pub --service "$url" --service-key svc/service.pub > /dev/null
"$bin" id --out A.id 2> /dev/null
"$bin" issuer issue --key iss/issuer.key --to A.id --count 200 --allow-backup --out base.lic > /dev/null
for j in $(seq 30); do # 30 licenses sharing one KID, for delete
  "$bin" issuer issue --key iss/issuer.key --to A.id --kid AwMDAwMDAwMDAwMDAwMDAw== \
    --allow-backup --out "shared$j.lic" > /dev/null
done
"$bin" issuer issue --key iss/issuer.key --to A.id --kid BAQEBAQEBAQEBAQEBAQEBA== \
  --plays 1000000 --allow-backup --out counted.lic > /dev/null
"$bin" issuer issue --key iss/issuer.key --to A.id --count 3000 --allow-backup --out new.lic > /dev/null
"$bin" import base.lic shared*.lic counted.lic > /dev/null
"$bin" use BAQEBAQEBAQEBAQEBAQEBA== > /dev/null
"$bin" backup usb > /dev/null
cp -a A/store pristine
total=$("$bin" --json info | sed -n 's/.*"licenses": *\([0-9]*\).*/\1/p')
n=231 # 200 + 30 + 1, all with the backup right
[ "$total" = $n ] || fail "A holds $total licenses, not $n"

# campaign NAME MAXSTEP CMD... : A's store, from pristine each time
campaign_store() {
  local name=$1 step=$2; shift 2
  want_cmd "$name" || return 0
  as A
  rm -rf A/store; cp -a pristine A/store
  local t0; t0=$(now_us); "$@" > /dev/null; local span=$(( $(now_us) - t0 ))
  rm -rf want; cp -a A/store want
  local meta=0
  "$inv" store "$LICVAULT_MACHINE" want pristine pristine > /dev/null 2>&1 && meta=1
  local killed=0 old=0 new=0 k
  for i in $(seq "$iters"); do
    rm -rf A/store; cp -a pristine A/store
    k=$(rand_us $(( span * 12 / 10 )))
    [ "$("$inv" kill "$k" "$@")" = killed ] && killed=$((killed + 1))
    which=$("$inv" store "$LICVAULT_MACHINE" A/store pristine want "$step") ||
      fail "$name: run $i, killed at ${k}us: the invariants do not hold"
    if [ "$which" = before ]; then
      old=$((old + 1))
      "$@" > /dev/null || fail "$name: run $i: running it again after the kill failed"
      # (for the metadata commands "before" and "want" hold the same licenses)
      [ "$("$inv" store "$LICVAULT_MACHINE" A/store pristine want "$step")" = want ] ||
        [ "$meta" = 1 ] || fail "$name: run $i: running it again did not complete it"
    else
      new=$((new + 1))
    fi
  done
  echo "ok: $name: $iters runs over ${span}us ($killed killed): $old as before, $new done; invariants held"
}

campaign_store import 0 "$bin" import new.lic
campaign_store delete 0 "$bin" delete AwMDAwMDAwMDAwMDAwMDAw==
campaign_store use 1 "$bin" use BAQEBAQEBAQEBAQEBAQEBA==
# metadata commands: the licenses stay exactly as they are, the store opens
campaign_store "trust-add" 0 "$bin" trust add iss/issuer.pub
campaign_store "service-set" 0 "$bin" service set "$url" svc/service.pub

# init: killed, the computer has no store or a whole one; init again works
if want_cmd init; then
  as I
  t0=$(now_us); "$bin" init > /dev/null; span=$(( $(now_us) - t0 ))
  killed=0
  for i in $(seq "$iters"); do
    rm -rf I
    as I
    k=$(rand_us $(( span * 12 / 10 )))
    [ "$("$inv" kill "$k" "$bin" init)" = killed ] && killed=$((killed + 1))
    if "$bin" info > /dev/null 2>&1; then
      "$bin" check > /dev/null || fail "init: run $i: the store does not check clean"
    else
      "$bin" init > /dev/null || fail "init: run $i, killed at ${k}us: init again failed"
      "$bin" info > /dev/null || fail "init: run $i: no usable store after init again"
    fi
  done
  echo "ok: init: $iters runs over ${span}us ($killed killed): a whole identity or none, every time"
fi

# issuer issue: the license file is whole (it imports) or absent
if want_cmd issue; then
  as A
  tmpmode=$("$inv" tmpfile .)
  t0=$(now_us)
  "$bin" issuer issue --key iss/issuer.key --to A.id --count 2000 --out x.lic > /dev/null
  span=$(( $(now_us) - t0 ))
  killed=0 whole=0
  for i in $(seq "$iters"); do
    rm -f x.lic
    k=$(rand_us $(( span * 12 / 10 )))
    [ "$("$inv" kill "$k" "$bin" issuer issue --key iss/issuer.key --to A.id --count 2000 \
      --out x.lic)" = killed ] && killed=$((killed + 1))
    # with unnamed temp files a kill leaves none; with named ones (no
    # O_TMPFILE here) it may, and the next write removes it (checked below)
    [ "$tmpmode" = unnamed ] && compgen -G 'x.lic.tmp*' > /dev/null &&
      fail "issue: run $i: a temporary file was left"
    if [ -e x.lic ]; then
      whole=$((whole + 1))
      rm -rf A/store; cp -a pristine A/store
      "$bin" import x.lic > /dev/null || fail "issue: run $i: the file left does not import"
    fi
  done
  rm -rf A/store; cp -a pristine A/store
  "$bin" issuer issue --key iss/issuer.key --to A.id --count 10 --out x.lic > /dev/null
  compgen -G 'x.lic.tmp*' > /dev/null && fail "issue: a temporary file outlived the next write"
  echo "ok: issuer issue: $iters runs ($killed killed, $tmpmode temp files): $whole whole files, the rest absent"
fi

# backup: a new set is complete or absent; over an old one, old or new
if want_cmd backup; then
  as A
  t0=$(now_us); "$bin" backup usb2 > /dev/null; span=$(( $(now_us) - t0 ))
  killed=0 sets=0
  for i in $(seq "$iters"); do
    rm -rf usb2
    k=$(rand_us $(( span * 12 / 10 )))
    [ "$("$inv" kill "$k" "$bin" backup usb2)" = killed ] && killed=$((killed + 1))
    r=$("$inv" backup usb2 1 "$n") || fail "backup: run $i, killed at ${k}us"
    [ "$r" = set ] && sets=$((sets + 1))
    [ "$r" = set ] || "$bin" backup usb2 --overwrite > /dev/null || fail "backup: run $i: again failed"
    # whatever the kill left, the set that follows is exactly its files
    set_files_only usb2 || fail "backup: run $i: files left: $(ls usb2)"
  done
  echo "ok: backup: $iters runs ($killed killed): $sets complete sets, the rest none"
  killed=0
  for i in $(seq "$iters"); do
    k=$(rand_us $(( span * 12 / 10 )))
    [ "$("$inv" kill "$k" "$bin" backup usb2 --overwrite)" = killed ] && killed=$((killed + 1))
    "$inv" backup usb2 0 "$n" > /dev/null || fail "backup --overwrite: run $i, killed at ${k}us"
  done
  "$bin" backup usb2 --overwrite > /dev/null
  set_files_only usb2 || fail "backup --overwrite: files left: $(ls usb2)"
  echo "ok: backup --overwrite: $iters runs ($killed killed): a complete set every time"
fi

# restore onto B, the client killed: B as before or fully restored; running
# it again completes it; the service charged B once per license
if want_cmd restore; then
  as B
  "$bin" init > /dev/null
  cp -a B/store B-pristine
  t0=$(now_us); "$bin" restore usb > /dev/null; span=$(( $(now_us) - t0 ))
  cp -a B/store B-want
  killed=0 old=0
  for i in $(seq "$iters"); do
    rm -rf B/store; cp -a B-pristine B/store
    k=$(rand_us $(( span * 12 / 10 )))
    [ "$("$inv" kill "$k" "$bin" restore usb)" = killed ] && killed=$((killed + 1))
    which=$("$inv" store "$LICVAULT_MACHINE" B/store B-pristine B-want 0) ||
      fail "restore: run $i, killed at ${k}us"
    if [ "$which" = before ]; then
      old=$((old + 1))
      "$bin" restore usb > /dev/null || fail "restore: run $i: again failed"
    fi
    grants=$("$inv" service svc.db 1000) || fail "restore: run $i: service"
    [ "$grants" = $n ] || fail "restore: run $i: $grants grants for B's $n licenses"
  done
  echo "ok: restore (client killed): $iters runs ($killed killed): $old as before; B charged once"
fi

# licvaultd killed while a computer restores through it; restarted on the
# same database and port, every computer's retry completes, each charged
# once, and every answer a client got is in the records
if want_cmd licvaultd; then
  killed=0 done_before=0
  base=$("$inv" service svc.db 1000)
  for i in $(seq "$iters"); do
    as "S$i"
    "$bin" init --service "$url" --service-key svc/service.pub > /dev/null
    "$bin" restore usb > "r$i.out" 2>&1 &
    rp=$!
    sleep "$(printf '0.%06d' "$(rand_us 150000)")"
    kill -9 "$spid" 2> /dev/null && killed=$((killed + 1))
    wait "$spid" 2> /dev/null || true
    rc=0; wait "$rp" || rc=$?
    start_service svc.db
    if [ "$rc" = 0 ]; then
      # it got its answer: the grants were recorded before it was given, so
      # asking again charges nothing
      done_before=$((done_before + 1))
      g0=$("$inv" service svc.db 1000)
      "$bin" restore usb > /dev/null || fail "licvaultd: run $i: restore again failed"
      [ "$("$inv" service svc.db 1000)" = "$g0" ] || fail "licvaultd: run $i: an answered grant was lost"
    else
      "$bin" restore usb > /dev/null || fail "licvaultd: run $i: the retry failed"
    fi
    grants=$("$inv" service svc.db 1000) || fail "licvaultd: run $i"
    [ "$grants" = $(( base + n * i )) ] || fail "licvaultd: run $i: $grants grants, want $(( base + n * i ))"
    rm -rf "S$i" "r$i.out"
  done
  echo "ok: licvaultd: $iters runs ($killed killed mid-restore, $done_before answered first): every computer charged once, nothing lost"
fi
