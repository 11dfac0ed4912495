#!/usr/bin/env bash
# API suite: starts the real `audio-ident serve` on free loopback ports and
# drives it over HTTP and HTTPS with node's test runner (tests/api/*.test.mjs;
# curl and openssl make and check the test certificates).
set -euo pipefail
cd "$(dirname "$0")"
: "${AI_BIN:?AI_BIN must point at the audio-ident binary}"
for tool in node sox ffmpeg curl openssl; do
  command -v "$tool" >/dev/null || { echo "api suite: $tool is not installed"; echo "0 passed, 1 failed"; exit 1; }
done
export AI_BIN
exec bash ../lib/node-tests.sh
