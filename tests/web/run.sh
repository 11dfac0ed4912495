#!/usr/bin/env bash
# Web UI suite: builds a small library, starts the real `audio-ident serve`
# (serving web/) on free loopback ports and drives Debian's Chromium headless
# with playwright-core (tests/web/*.test.mjs).  Screenshots of every page
# state (desktop and 375 px) land in tests/web/artifacts/.
set -uo pipefail
cd "$(dirname "$0")"
: "${AI_BIN:?AI_BIN must point at the audio-ident binary}"
fail() { echo "web suite: $*"; echo "0 passed, 1 failed"; exit 1; }
for tool in node npm sox ffmpeg; do
  command -v "$tool" >/dev/null || fail "$tool is not installed"
done
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || fail "Chromium not found at $CHROMIUM (apt-get install chromium)"
"$AI_BIN" serve --help >/dev/null 2>&1
[ $? -eq 2 ] && fail "'$AI_BIN serve' is not implemented"
if [ ! -f node_modules/playwright-core/package.json ] || [ ! -f node_modules/axe-core/axe.min.js ]; then
  npm ci --no-audit --no-fund --loglevel=error >/dev/null || fail "npm ci (playwright-core) failed"
fi
export AI_BIN CHROMIUM
exec bash ../lib/node-tests.sh
