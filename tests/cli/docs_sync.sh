#!/usr/bin/env bash
# docs_sync.sh - docs that cannot drift: every command `licvault --help`
# lists is documented in licvault(1) and the README, and every long option a
# command's --help names is in the man page.
# Usage: docs_sync.sh LICVAULT_BINARY SOURCE_DIR
set -u
bin=$1 src=$2 bad=0
cmds=$("$bin" --help | awk '/^Commands:/{on=1;next} on && /^  [a-z]/{print $1}')
[ -n "$cmds" ] || { echo "no commands found in --help"; exit 1; }
for c in $cmds; do
  grep -q "^\\\\fB$c\\b\|^\\\\fB$c\\\\fR" "$src/docs/licvault.1" || { echo "licvault.1 lacks command $c"; bad=1; }
  grep -q "licvault $c" "$src/README.md" || { echo "README.md lacks 'licvault $c'"; bad=1; }
  subs=""
  case $c in issuer) subs="keygen issue" ;; service) subs="set" ;; trust) subs="add" ;; esac
  for sub in "" $subs; do
    help=$("$bin" $c $sub --help 2>/dev/null) || continue
    for opt in $(printf '%s\n' "$help" | grep -o -- '--[a-z][a-z-]*' | sort -u); do
      [ "$opt" = --help ] && continue
      grep -q -- "$(printf '%s' "$opt" | sed 's/-/\\\\-/g')" "$src/docs/licvault.1" ||
        { echo "licvault.1 lacks option $opt (of $c $sub)"; bad=1; }
    done
  done
done
[ $bad = 0 ] && echo "docs in sync: $(echo $cmds | wc -w) commands"
exit $bad
