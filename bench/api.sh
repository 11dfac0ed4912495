#!/usr/bin/env bash
# `make bench-api`: end-to-end HTTP latency and throughput.  Ingests the bench
# corpus, starts the real server, and posts 10 s WebM/Opus clips (what the
# browser sends) from 1, 4 and 16 concurrent clients in mode=both, once over
# HTTP and once over HTTPS (a second server on the same data with a
# certificate from `audio-ident cert --self-signed`), then the cost of a new
# connection per request vs keep-alive on GET /health for both.
#   BENCH_API_SECONDS=20   time per concurrency level
#   BENCH_API_LEVELS=1,4,16  concurrency levels; BENCH_API_PINGS=500  /health requests
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

# the same library served twice: plain HTTP and HTTPS
"$BIN" cert --self-signed --force --days 1 --cert "$work/tls/cert.pem" --key "$work/tls/key.pem" \
  127.0.0.1 >/dev/null
start_server() { # $1 = log file, rest = extra environment
  local log=$1; shift
  env DATA_DIR="$work/data" PORT=0 RATE_LIMIT_PER_MIN=0 MAX_CONN_PER_IP=64 "$@" "$BIN" serve 2>"$log" &
  pids+=($!)
}
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null || true' EXIT
start_server "$work/serve-http.log"
start_server "$work/serve-https.log" TLS_CERT_FILE="$work/tls/cert.pem" TLS_KEY_FILE="$work/tls/key.pem"
bases=()
for scheme in http https; do
  port=
  for _ in $(seq 100); do
    port=$(sed -n "s/.*listening on $scheme:\/\/[0-9.]*:\([0-9]*\).*/\1/p" "$work/serve-$scheme.log" | head -1)
    [ -n "$port" ] && break
    sleep 0.1
  done
  [ -n "$port" ] || { cat "$work/serve-$scheme.log" >&2; exit 1; }
  bases+=("$scheme://127.0.0.1:$port")
done
NODE_EXTRA_CA_CERTS="$work/tls/cert.pem" node bench/api-load.mjs "$(IFS=,; echo "${bases[*]}")" \
  "$work/clips" "$SECS" "$DATA/results/api.json"
