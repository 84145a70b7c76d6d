#!/usr/bin/env bash
# golden.sh - runs the licvault command's golden cases (tests/cli/golden/*.t).
#
# A .t file is a list of cases run in order in one scratch folder, with
# LICVAULT_STORE and LICVAULT_MACHINE pointing inside it:
#   # comment                 ignored
#   + shell command           set-up: must succeed, output not compared
#   $ shell command           a case; `licvault` (and `licvaultd`) run the
#                             binaries under test
#   > line                    expected stdout line
#   ! line                    expected stderr line
#   ? N                       expected exit status (default 0)
# Commands may call `flipbyte FILE OFFSET`, which inverts one byte.
# Output is normalized before comparing: 32- and 16-hex ids, 44-char keys,
# KIDs and ISO 8601 times become <ID32>, <ID16>, <KEY>, <KID>, <TIME>.
# GOLDEN_UPDATE=1 rewrites the files from the actual output (review the diff!).
# Usage: golden.sh LICVAULT_BINARY GOLDEN_DIR WORK_DIR [CASE.t...]
set -u
bin=$(readlink -f "$1"); gdir=$(readlink -f "$2"); work=$3; shift 3
svc_bin=$(dirname "$bin")/licvaultd # built beside licvault
mkdir -p "$work"; work=$(readlink -f "$work")
files=(); for f in "$@"; do files+=("$(readlink -f "$f")"); done
[ ${#files[@]} -eq 0 ] && files=("$gdir"/*.t)

normalize() {
  sed -E -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z/<TIME>/g' \
         -e 's/[A-Za-z0-9+\/]{43}=/<KEY>/g' \
         -e 's/[A-Za-z0-9+\/]{22}==/<KID>/g' \
         -e 's/\b[0-9a-f]{32}\b/<ID32>/g' -e 's/\b[0-9a-f]{16}\b/<ID16>/g' \
         -e "s#$wdir#<WORK>#g"
}

fail=0 total=0
for t in "${files[@]}"; do
  name=$(basename "$t" .t)
  wdir="$work/$name"; rm -rf "$wdir"; mkdir -p "$wdir"
  out_t="$wdir.t.new"; : > "$out_t"
  (
    cd "$wdir" || exit 1
    export LICVAULT_STORE="$wdir/store" LICVAULT_MACHINE="$wdir/machine.key" LC_ALL=C
    export HOME="$wdir/home" XDG_DATA_HOME="" XDG_CONFIG_HOME=""
    licvault() { "$bin" "$@"; }
    licvaultd() { "$svc_bin" "$@"; }
    # flipbyte FILE OFFSET: inverts one byte, so it always changes (writing
    # a fixed value leaves a byte that already had it as it was)
    flipbyte() {
      local b; b=$(od -An -tu1 -j"$2" -N1 "$1" | tr -d ' ')
      [ -n "$b" ] || { echo "flipbyte: no byte $2 in $1" >&2; return 1; }
      printf "$(printf '\\%03o' $(( b ^ 255 )))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
    }
    export -f licvault licvaultd flipbyte; export bin svc_bin
    cmd="" exp_out="" exp_err="" exp_rc=0 bad=0 n=0
    run_case() {
      [ -z "$cmd" ] && return
      n=$((n + 1))
      bash -c "$cmd" > "$wdir/.out" 2> "$wdir/.err"; rc=$?
      got_out=$(normalize < "$wdir/.out"); got_err=$(normalize < "$wdir/.err")
      if [ "${GOLDEN_UPDATE:-}" = 1 ]; then
        printf '$ %s\n' "$cmd" >> "$out_t"
        [ -n "$got_out" ] && printf '%s\n' "$got_out" | sed 's/^/> /' >> "$out_t"
        [ -n "$got_err" ] && printf '%s\n' "$got_err" | sed 's/^/! /' >> "$out_t"
        [ "$rc" != 0 ] && printf '? %s\n' "$rc" >> "$out_t"
      elif [ "$got_out" != "$exp_out" ] || [ "$got_err" != "$exp_err" ] || [ "$rc" != "$exp_rc" ]; then
        bad=1
        echo "FAIL $name: \$ $cmd"
        [ "$rc" != "$exp_rc" ] && echo "  exit status $rc, expected $exp_rc"
        [ "$got_out" != "$exp_out" ] && diff <(printf '%s\n' "$exp_out") <(printf '%s\n' "$got_out") | sed 's/^/  stdout /'
        [ "$got_err" != "$exp_err" ] && diff <(printf '%s\n' "$exp_err") <(printf '%s\n' "$got_err") | sed 's/^/  stderr /'
      fi
      cmd="" exp_out="" exp_err="" exp_rc=0
    }
    add() { if [ -z "$1" ]; then printf -v "$2" '%s' "$3"; else printf -v "$2" '%s\n%s' "$1" "$3"; fi; }
    while IFS= read -r line || [ -n "$line" ]; do
      case "$line" in
        '$ '*) run_case; cmd=${line:2} ;;
        '> '*|'>') add "$exp_out" exp_out "${line:2}" ;;
        '! '*|'!') add "$exp_err" exp_err "${line:2}" ;;
        '? '*) exp_rc=${line:2} ;;
        '+ '*) run_case
               [ "${GOLDEN_UPDATE:-}" = 1 ] && printf '%s\n' "$line" >> "$out_t"
               bash -c "${line:2}" > /dev/null 2>&1 || { echo "FAIL $name: set-up failed: ${line:2}"; bad=1; } ;;
        *) run_case; [ "${GOLDEN_UPDATE:-}" = 1 ] && printf '%s\n' "$line" >> "$out_t" ;;
      esac
    done < "$t"
    run_case
    echo "$n" > "$wdir/.count"
    exit $bad
  ) || fail=1
  total=$((total + $(cat "$wdir/.count" 2>/dev/null || echo 0)))
  # only a file that was read and run is rewritten
  if [ "${GOLDEN_UPDATE:-}" = 1 ] && [ -s "$out_t" ] && [ -f "$wdir/.count" ]; then cp "$out_t" "$t"; fi
  rm -f "$out_t"
done
echo "golden: $total cases in ${#files[@]} files, $([ $fail = 0 ] && echo passed || echo FAILED)"
exit $fail
