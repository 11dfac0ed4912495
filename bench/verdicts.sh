#!/usr/bin/env bash
# Verdicts of whole searches (both lanes, `audio-ident search --json`) for the
# query clips bench/vibe.sh made: the corpus is ingested into a scratch
# library once, then every clip is searched.  Prints, per clip variant
# (clean, phone, nonmusic), how often each verdict came back, whether the
# clip's own track was the top exact match, and how many non-music clips got a
# vibe match.  Run after bench/vibe.sh (it reuses bench-data/vibe-work).
#
#   BENCH_VERDICTS_KEEP=1   keep the scratch library for another run
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${AI_BIN:-build/release/audio-ident}
DATA=${BENCH_DATA:-bench-data}
work="$DATA/vibe-work"
[ -f "$work/tracks.tsv" ] && [ -f "$work/queries.tsv" ] || {
  echo "bench/verdicts.sh: run bench/vibe.sh first ($work/*.tsv missing)" >&2; exit 1; }
lib="$DATA/verdict-lib"
if [ ! -f "$lib/.ingested" ]; then
  rm -rf "$lib" && mkdir -p "$lib/in"
  while IFS=$'\t' read -r t _; do ln -sf "$(realpath "$t")" "$lib/in/$(basename "$(dirname "$t")")-$(basename "$t")"; done < "$work/tracks.tsv"
  DATA_DIR="$lib/data" "$BIN" ingest "$lib/in" >&2
  touch "$lib/.ingested"
fi
out="$DATA/results/verdicts.tsv"
: > "$out"
while IFS=$'\t' read -r clip own variant; do
  j=$(DATA_DIR="$lib/data" "$BIN" search --json "$clip" 2>/dev/null) || { echo "error: $clip" >&2; continue; }
  v=$(jq -r .verdict <<< "$j")
  top=$(jq -r '.exact_matches[0].track.title // ""' <<< "$j")
  nvibe=$(jq -r '.vibe_matches | length' <<< "$j")
  conf=$(jq -r '.exact_matches[0].confidence // 0' <<< "$j")
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$variant" "$v" "$nvibe" "$conf" "$(basename "$clip")" "$top" >> "$out"
done < "$work/queries.tsv"
echo "verdicts per variant (whole search, mode both; $out):"
awk -F'\t' '{ n[$1]++; c[$1 "\t" $2]++; if ($3 > 0) vm[$1]++ }
  END { for (k in c) { split(k, p, "\t"); printf "  %-10s %-11s %4d of %d\n", p[1], p[2], c[k], n[p[1]] }
        for (v in n) printf "  %-10s with a vibe match: %d of %d\n", v, vm[v] + 0, n[v] }' "$out" | sort
[ "${BENCH_VERDICTS_KEEP:-0}" = 1 ] || rm -rf "$lib"
