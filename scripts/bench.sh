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
  echo "make bench: no benchmarks yet — the exact-lane accuracy/latency bench (bench/exact.sh)" >&2
  echo "and the vibe evaluation (bench/vibe.sh) are not written yet." >&2
  exit 1
fi
