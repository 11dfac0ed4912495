#!/usr/bin/env bash
# `make bench`: runs every benchmark under bench/ (api.sh, exact.sh, vibe.sh),
# each printing its tables and writing JSON under bench-data/results/.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:?binary}
ran=0
for b in bench/*.sh; do
  [ -e "$b" ] || continue
  echo "== $(basename "$b")"
  AI_BIN="$bin" bash "$b"
  ran=1
done
if [ $ran -eq 0 ]; then
  echo "make bench: no bench/*.sh found" >&2
  exit 1
fi
