#!/usr/bin/env bash
# Exact-lane benchmark: real music, seeded query clips under real-world
# degradations, negatives, then `audio-ident bench exact`.
#
#   BENCH_DIR=/music/dir   use another corpus (default: Debian wesnoth-music)
#   BENCH_QUICK=1          a few tracks and variants (smoke run)
#   BENCH_DISTRACTORS=N    add N synthetic distractor tracks to the index
#   BENCH_HELD_OUT=N       tracks kept out of the index as negatives (default 5)
#   BENCH_REUSE=1          keep the query clips and the index of an earlier run
#                          with the same settings (a 2,000-distractor index takes
#                          minutes to build); the index lives in
#                          bench-data/exact-index-dN, stamped with what it holds
#   BENCH_EVERY=K          run a seeded 1-in-K sample of the queries
#   --quick / --distractors N / --held-out N / --reuse / --every K   same as above
# Output: a table on stdout and bench-data/results/exact.json.
set -euo pipefail
while [ $# -gt 0 ]; do
  case $1 in
    --quick) BENCH_QUICK=1 ;;
    --distractors) BENCH_DISTRACTORS=${2:?--distractors needs a number}; shift ;;
    --held-out) BENCH_HELD_OUT=${2:?--held-out needs a number}; shift ;;
    --reuse) BENCH_REUSE=1 ;;
    --every) BENCH_EVERY=${2:?--every needs a number}; shift ;;
    *) echo "usage: bench/exact.sh [--quick] [--distractors N] [--held-out N] [--reuse] [--every K]" >&2; exit 2 ;;
  esac
  shift
done
cd "$(dirname "$0")/.."
BIN=${AI_BIN:-build/release/audio-ident}
DATA=${BENCH_DATA:-bench-data}
QUICK=${BENCH_QUICK:-0}
HELD_OUT=${BENCH_HELD_OUT:-5}
REUSE=${BENCH_REUSE:-0}
DISTRACTORS=${BENCH_DISTRACTORS:-0}
mkdir -p "$DATA/results"

corpus=${BENCH_DIR:-}
if [ -z "$corpus" ]; then
  corpus="$DATA/wesnoth"
  if [ ! -d "$corpus/usr/share/games/wesnoth" ]; then
    echo "fetching Debian wesnoth-music into $corpus" >&2
    mkdir -p "$DATA/debs" && (cd "$DATA/debs" && apt-get download -q wesnoth-1.16-music >/dev/null 2>&1 ||
      apt-get download -q "$(apt-cache depends wesnoth-music | sed -n 's/.*Depends: \(wesnoth-[0-9.]*-music\)/\1/p' | head -1)")
    dpkg-deb -x "$(ls "$DATA"/debs/wesnoth-*-music_*.deb | head -1)" "$corpus"
  fi
fi
mapfile -t all < <(find "$corpus" -type f \( -name '*.ogg' -o -name '*.mp3' -o -name '*.flac' -o -name '*.wav' -o -name '*.m4a' -o -name '*.opus' \) | LC_ALL=C sort)
[ ${#all[@]} -gt $((HELD_OUT + 1)) ] || { echo "corpus $corpus has too few tracks" >&2; exit 1; }
[ "$QUICK" = 1 ] && all=("${all[@]:0:8}") && HELD_OUT=2

work="$DATA/exact-work"
manifest="$work/manifest.tsv"
indexed=("${all[@]:HELD_OUT}")
held=("${all[@]:0:HELD_OUT}")
params="corpus=$corpus quick=$QUICK held_out=$HELD_OUT tracks=${#all[@]}"
if [ "$REUSE" = 1 ] && [ -s "$manifest" ] && [ "$(cat "$work/params" 2>/dev/null)" = "$params" ]; then
  echo "reusing the $(wc -l < "$manifest") queries in $work" >&2
else
rm -rf "$work" && mkdir -p "$work/q"
printf '%s\n' "${indexed[@]}" > "$work/tracks.txt"
: > "$manifest"

RANDOM=20261125 # reproducible clip positions and noise seeds
dur() { ffprobe -v error -show_entries format=duration -of csv=p=0 "$1" | cut -d. -f1; }
rms() { sox "$1" -n stat 2>&1 | awk '/RMS +amplitude/ {print $3}'; }

# add_noise IN OUT COLOR SNR_DB
add_noise() {
  local r; r=$(rms "$1")
  local amp; amp=$(awk -v r="$r" -v s="$4" 'BEGIN { printf "%.6f", (r > 0 ? r : 1e-4) * 1.732 / 10^(s/20) }')
  local d; d=$(soxi -D "$1")
  sox -n -r 16000 -c 1 "$work/noise.wav" synth "$d" "$3"noise vol "$amp" >/dev/null 2>&1
  sox -m "$1" "$work/noise.wav" "$2" >/dev/null 2>&1
}

if [ "$QUICK" = 1 ]; then
  variants=(clean white10 opus32 phone speed+8 tempo-10 pitch+200 speed+8-laptop)
  lengths=(10)
else
  variants=(clean white20 white10 white5 white0 pink20 pink10 pink5 pink0 opus32 mp3_64 bandpass reverb speed+3 speed-3 phone
            speed+5 speed-5 speed+8 speed-8 speed+10 speed-10 tempo+5 tempo-5 tempo+10 tempo-10
            pitch+100 pitch-100 pitch+200 pitch-200 laptop speed+8-laptop)
  lengths=(5 10)
fi

# pct speed+8 speed -> 1.08: the factor of a variant named NAME+P / NAME-P (percent)
pct() { local x=${1#"$2"}; awk -v p="$x" 'BEGIN { printf "%.4f", 1 + p / 100 }'; }

# laptop IN OUTBASE: a laptop microphone in a room — small-capsule band
# (150 Hz - 7 kHz), room reverb, fan/room noise at 15 dB SNR, Opus 48 kbit/s
# as a browser would send it.  Writes OUTBASE.webm.
laptop() {
  sox "$1" "$work/lp1.wav" sinc 150-7000 reverb 30 50 60
  add_noise "$work/lp1.wav" "$work/lp2.wav" pink 15
  ffmpeg -v error -y -i "$work/lp2.wav" -c:a libopus -b:a 48k -f webm "$2.webm"
}

make_clip() { # SRC LEN OFFSET VARIANT OUTBASE -> prints output path
  local src=$1 len=$2 off=$3 v=$4 out=$5
  local clean="$out.clean.wav"
  # a 16 kHz mono excerpt is the reference signal for every degradation
  ffmpeg -v error -y -ss "$off" -t "$len" -i "$src" -ac 1 -ar 16000 "$clean"
  case $v in
    clean) mv "$clean" "$out.wav"; echo "$out.wav"; return ;;
    white*|pink*) add_noise "$clean" "$out.wav" "${v%%[0-9]*}" "${v##*[a-z]}" ;;
    opus32) ffmpeg -v error -y -i "$clean" -c:a libopus -b:a 32k -f webm "$out.webm"; rm -f "$clean"; echo "$out.webm"; return ;;
    mp3_64) ffmpeg -v error -y -i "$clean" -c:a libmp3lame -b:a 64k "$out.mp3"; rm -f "$clean"; echo "$out.mp3"; return ;;
    bandpass) sox "$clean" "$out.wav" sinc 300-3400 ;;
    reverb) sox "$clean" "$out.wav" reverb 40 50 20 ;;
    speed[+-]*-laptop) # speed change, then the laptop-microphone chain below
      sox "$clean" "$work/sl.wav" speed "$(pct "${v%-laptop}" speed)"
      laptop "$work/sl.wav" "$out"; rm -f "$clean"; echo "$out.webm"; return ;;
    speed[+-]*) sox "$clean" "$out.wav" speed "$(pct "$v" speed)" ;;
    tempo[+-]*) sox "$clean" "$out.wav" tempo -m "$(pct "$v" tempo)" ;;
    pitch[+-]*) sox "$clean" "$out.wav" pitch "${v#pitch}" ;;
    laptop) laptop "$clean" "$out"; rm -f "$clean"; echo "$out.webm"; return ;;
    phone)
      sox "$clean" "$work/ph1.wav" sinc 300-3400 reverb 40 50 20
      add_noise "$work/ph1.wav" "$work/ph2.wav" white 10
      ffmpeg -v error -y -i "$work/ph2.wav" -c:a libopus -b:a 32k -f webm "$out.webm"
      rm -f "$clean"; echo "$out.webm"; return ;;
  esac
  rm -f "$clean"; echo "$out.wav"
}

n=0
echo "building queries from ${#indexed[@]} indexed + ${#held[@]} held-out tracks" >&2
for t in "${indexed[@]}"; do
  d=$(dur "$t")
  for len in "${lengths[@]}"; do
    [ "$d" -gt $((len + 2)) ] || continue
    off=$(( RANDOM % (d - len - 1) ))
    for v in "${variants[@]}"; do
      n=$((n + 1))
      q=$(make_clip "$t" "$len" "$off" "$v" "$work/q/$n")
      printf '%s\t%s\t%s\t%s\t%s\n' "$q" "$t" "$v" "$len" "$off" >> "$manifest"
    done
  done
done
# negatives: held-out music, speech, tones, noise
for t in "${held[@]}"; do
  d=$(dur "$t")
  for len in "${lengths[@]}"; do
    [ "$d" -gt $((len + 2)) ] || continue
    for k in 1 2 3; do
      n=$((n + 1)); off=$(( RANDOM % (d - len - 1) ))
      ffmpeg -v error -y -ss "$off" -t "$len" -i "$t" -ac 1 -ar 16000 "$work/q/$n.wav"
      printf '%s\t-\tneg-music\t%s\t0\n' "$work/q/$n.wav" "$len" >> "$manifest"
    done
  done
done
for len in "${lengths[@]}"; do
  for k in 1 2 3 4 5; do
    n=$((n + 1))
    espeak-ng -s $((140 + k * 10)) -w "$work/sp.wav" "Sample sentence number $k for the audio identification benchmark, spoken slowly and clearly so that it lasts long enough." 2>/dev/null
    sox "$work/sp.wav" -r 16000 -c 1 "$work/q/$n.wav" repeat 3 trim 0 "$len"
    printf '%s\t-\tneg-speech\t%s\t0\n' "$work/q/$n.wav" "$len" >> "$manifest"
    n=$((n + 1))
    sox -n -r 16000 -c 1 "$work/q/$n.wav" synth "$len" sine $((220 * k)) sine $((277 * k)) sine $((330 * k)) vol 0.3
    printf '%s\t-\tneg-tone\t%s\t0\n' "$work/q/$n.wav" "$len" >> "$manifest"
    n=$((n + 1))
    sox -n -r 16000 -c 1 "$work/q/$n.wav" synth "$len" $([ $((k % 2)) = 0 ] && echo pinknoise || echo whitenoise) vol 0.3
    printf '%s\t-\tneg-noise\t%s\t0\n' "$work/q/$n.wav" "$len" >> "$manifest"
  done
done
echo "$params" > "$work/params"
echo "$(wc -l < "$manifest") queries" >&2
fi
"$BIN" bench exact --tracks "$work/tracks.txt" --queries "$manifest" \
  --index "$DATA/exact-index-d$DISTRACTORS" --reuse-index "$REUSE" --every "${BENCH_EVERY:-1}" \
  --distractors "$DISTRACTORS" --json "$DATA/results/exact.json" \
  --dump "$DATA/results/exact-queries.tsv"
echo "JSON: $DATA/results/exact.json"
