#!/usr/bin/env bash
# `make bench-api`: end-to-end HTTP latency and throughput.  Ingests the bench
# corpus, starts the real server, and posts 10 s WebM/Opus clips (what the
# browser sends) from 1, 4 and 16 concurrent clients in mode=both.
#   BENCH_API_SECONDS=20   time per concurrency level
#   BENCH_DIR=/music/dir   another corpus (default: Debian wesnoth-music)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${AI_BIN:-build/release/audio-ident}
DATA=${BENCH_DATA:-bench-data}
SECS=${BENCH_API_SECONDS:-20}
source scripts/bench-corpus.sh
corpus=$(bench_corpus "$DATA")
mapfile -t tracks < <(bench_tracks "$corpus")
work="$DATA/api-work"
rm -rf "$work" && mkdir -p "$work/clips" "$DATA/results"

echo "ingesting ${#tracks[@]} tracks from $corpus" >&2
DATA_DIR="$work/data" "$BIN" ingest "${tracks[@]}" >&2
RANDOM=20261125
for i in $(seq 0 19); do
  src=${tracks[$((RANDOM % ${#tracks[@]}))]}
  dur=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$src" | cut -d. -f1)
  off=$((RANDOM % (dur > 15 ? dur - 12 : 1)))
  ffmpeg -loglevel error -y -ss "$off" -t 10 -i "$src" -ac 1 -c:a libopus -b:a 128k \
    "$work/clips/clip$i.webm"
done

log="$work/serve.log"
DATA_DIR="$work/data" PORT=0 RATE_LIMIT_PER_MIN=0 MAX_CONN_PER_IP=64 "$BIN" serve 2>"$log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  port=$(sed -n 's/.*listening on http:\/\/[0-9.]*:\([0-9]*\).*/\1/p' "$log" | head -1)
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { cat "$log" >&2; exit 1; }
node bench/api-load.mjs "http://127.0.0.1:$port" "$work/clips" "$SECS" "$DATA/results/api.json"
