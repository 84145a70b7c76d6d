#!/usr/bin/env bash
# update-pot.sh - extracts every translatable sentence of the command (and,
# later, the service's pages) into po/licvault.pot for translators.
set -euo pipefail
cd "$(dirname "$0")/.."
xgettext --language=C --keyword=_ --keyword=N_ --from-code=UTF-8 \
  --package-name=licvault --package-version=0.1.0 --add-comments=TRANSLATORS \
  --output=po/licvault.pot src/cli/*.c
echo "po/licvault.pot: $(grep -c '^msgid ' po/licvault.pot) messages"
