#!/usr/bin/env bash
# Vibe-lane evaluation (`make bench-vibe`): a labelled corpus from Debian
# game-soundtrack packages (label = source package), 10 s query clips of
# indexed tracks (clean and through a phone-mic chain), then
# `audio-ident bench-vibe` (same-soundtrack and, where files carry an artist
# tag, same-composer precision@5/mAP vs random,
# own-track recall@5, embed time, brute-force scan time at 1k/100k/1M).
#
#   BENCH_QUICK=1            fewer tracks and clips, no 1M scan (smoke run)
#   BENCH_VIBE_MAX_TRACKS=N  tracks per soundtrack (default 40)
#   BENCH_VIBE_CLIPS=N       query tracks (default 40; one clip per variant each)
#   BENCH_VIBE_SYNTH=N,N     synthetic scan sizes (default 1000,100000,1000000)
#   --quick                  same as BENCH_QUICK=1
# Output: tables on stdout, bench-data/results/vibe.json and vibe-stats.txt.
set -euo pipefail
[ "${1:-}" = --quick ] && BENCH_QUICK=1
cd "$(dirname "$0")/.."
BIN=${AI_BIN:-build/release/audio-ident}
DATA=${BENCH_DATA:-bench-data}
QUICK=${BENCH_QUICK:-0}
MAXT=${BENCH_VIBE_MAX_TRACKS:-40}
NCLIPS=${BENCH_VIBE_CLIPS:-40}
SYNTH=1000,100000,1000000
if [ "$QUICK" = 1 ]; then MAXT=8; NCLIPS=6; SYNTH=1000,100000; fi
SYNTH=${BENCH_VIBE_SYNTH:-$SYNTH}
mkdir -p "$DATA/results" "$DATA/debs"
work="$DATA/vibe-work"
rm -rf "$work" && mkdir -p "$work/q"

# fetch PACKAGE DIR: apt-get download + dpkg-deb -x, cached in $DATA/debs.
fetch() {
  local pkg=$1 dir=$2
  [ -d "$dir/usr" ] && return 0
  echo "fetching Debian $pkg into $dir" >&2
  (cd "$DATA/debs" && ls "${pkg}"_*.deb >/dev/null 2>&1 || apt-get download -q "$pkg" >/dev/null)
  mkdir -p "$dir" && dpkg-deb -x "$(ls "$DATA/debs/${pkg}"_*.deb | head -1)" "$dir"
}

# The same wesnoth corpus as bench/exact.sh.
wes="$DATA/wesnoth"
if [ ! -d "$wes/usr/share/games/wesnoth" ]; then
  pkg=$(cd "$DATA/debs" && ls wesnoth-*-music_*.deb 2>/dev/null | head -1 | sed 's/_.*//')
  [ -n "$pkg" ] || pkg=$(apt-cache depends wesnoth-music | sed -n 's/.*Depends: \(wesnoth-[0-9.]*-music\)/\1/p' | head -1)
  fetch "$pkg" "$wes"
fi
fetch drascula-music "$DATA/vibe-corpus/drascula"
fetch hyperrogue-music "$DATA/vibe-corpus/hyperrogue"
fetch asc-music "$DATA/vibe-corpus/asc"
fetch warzone2100-music "$DATA/vibe-corpus/warzone"

tracks="$work/tracks.tsv"
: > "$tracks"
add_label() { # LABEL DIR [FIND ARGS...]
  local label=$1 dir=$2
  find "$dir" -type f \( -name '*.ogg' -o -name '*.opus' -o -name '*.mp3' -o -name '*.flac' \) -size +100k |
    LC_ALL=C sort | head -n "$MAXT" | while read -r f; do
      # composer = the file's artist tag where present (wesnoth, hyperrogue)
      a=$(ffprobe -v error -show_entries format_tags=artist:stream_tags=artist -of csv=p=0 "$f" 2>/dev/null |
          grep -v '^$' | head -1 | tr -d '\t' || true)
      printf '%s\t%s\t%s\n' "$f" "$label" "$a"
    done >> "$tracks"
}
add_label wesnoth "$wes"
add_label drascula "$DATA/vibe-corpus/drascula"
add_label hyperrogue "$DATA/vibe-corpus/hyperrogue/usr/share/hyperrogue/music"
add_label asc "$DATA/vibe-corpus/asc"
add_label warzone2100 "$DATA/vibe-corpus/warzone"
echo "corpus: $(cut -f2 "$tracks" | sort | uniq -c | awk '{printf "%s %s, ", $2, $1}')" >&2

RANDOM=20261125 # reproducible clip positions and noise seeds
dur() { ffprobe -v error -show_entries format=duration -of csv=p=0 "$1" | cut -d. -f1; }
rms() { sox "$1" -n stat 2>&1 | awk '/RMS +amplitude/ {print $3}'; }
add_noise() { # IN OUT SNR_DB (white noise at that SNR)
  local r amp d
  r=$(rms "$1")
  amp=$(awk -v r="$r" -v s="$3" 'BEGIN { printf "%.6f", (r > 0 ? r : 1e-4) * 1.732 / 10^(s/20) }')
  d=$(soxi -D "$1")
  sox -R -n -r 16000 -c 1 "$work/noise.wav" synth "$d" whitenoise vol "$amp" >/dev/null 2>&1
  sox -m "$1" "$work/noise.wav" "$2" >/dev/null 2>&1
}

queries="$work/queries.tsv"
: > "$queries"
ntr=$(wc -l < "$tracks")
step=$(( ntr / NCLIPS )); [ "$step" -ge 1 ] || step=1
n=0
while IFS=$'\t' read -r t label _; do
  n=$((n + 1))
  [ $(( n % step )) = 0 ] || continue
  d=$(dur "$t" 2>/dev/null) || continue; [ -n "$d" ] || continue
  [ "$d" -gt 14 ] || continue
  off=$(( RANDOM % (d - 12) ))
  ffmpeg -v error -y -ss "$off" -t 10 -i "$t" -ac 1 -ar 16000 "$work/q/$n.clean.wav" < /dev/null 2>/dev/null || continue
  printf '%s\t%s\tclean\n' "$work/q/$n.clean.wav" "$t" >> "$queries"
  # phone-mic chain: telephone band, small room, white noise at 10 dB SNR, Opus 32k / MP3 64k
  sox "$work/q/$n.clean.wav" "$work/ph1.wav" sinc 300-3400 reverb 40 50 20
  add_noise "$work/ph1.wav" "$work/ph2.wav" 10
  if [ $(( n % 2 )) = 0 ]; then
    ffmpeg -v error -y -i "$work/ph2.wav" -c:a libopus -b:a 32k -f webm "$work/q/$n.phone.webm" < /dev/null
    printf '%s\t%s\tphone\n' "$work/q/$n.phone.webm" "$t" >> "$queries"
  else
    ffmpeg -v error -y -i "$work/ph2.wav" -c:a libmp3lame -b:a 64k "$work/q/$n.phone.mp3" < /dev/null
    printf '%s\t%s\tphone\n' "$work/q/$n.phone.mp3" "$t" >> "$queries"
  fi
done < "$tracks"
# Non-music clips (own track "-"): none of them may come back with a vibe
# match.  Silence, DC, noise, tones (one at a 192 kHz sample rate), sweeps,
# clipping and synthetic speech.
nm="$work/q/nonmusic"
mkdir -p "$nm"
nonmusic() { # NAME RATE SOX-SYNTH-ARGS...
  local name=$1 rate=$2; shift 2
  sox -R -n -r "$rate" -c 1 "$nm/$name.wav" "$@" >/dev/null 2>&1 &&
    printf '%s\t-\tnonmusic\n' "$nm/$name.wav" >> "$queries"
}
nonmusic silence 16000 trim 0 10
nonmusic dc 16000 synth 10 sine 0 dcshift 0.5
nonmusic white 44100 synth 10 whitenoise vol 0.3
nonmusic white-quiet 16000 synth 10 whitenoise vol 0.02
nonmusic pink 44100 synth 10 pinknoise vol 0.5
nonmusic brown 44100 synth 10 brownnoise vol 0.5
nonmusic hum 16000 synth 10 sine 50 sine 100 vol 0.3
nonmusic sine-100 16000 synth 10 sine 100 vol 0.5
nonmusic sine-440 44100 synth 10 sine 440 vol 0.5
nonmusic sine-1k 48000 synth 10 sine 1000 vol 0.5
nonmusic sine-1k-192k 192000 synth 10 sine 1000 vol 0.5
nonmusic square-1k 44100 synth 10 square 1000 vol 0.5
nonmusic dtmf 16000 synth 10 sine 697 sine 1209 remix 1,2 vol 0.4
nonmusic sweep-lin 44100 synth 10 sine 100-8000 vol 0.5
nonmusic sweep-log 44100 synth 10 sine 20:16000 vol 0.5
nonmusic sweep-square 44100 synth 10 square 200:4000 vol 0.5
nonmusic clipped-noise 44100 synth 10 whitenoise vol 20
nonmusic clipped-square 44100 synth 10 square 0.5 vol 1
nonmusic noise-bursts 16000 synth 0.5 whitenoise vol 0.3 pad 0 0.5 repeat 9
nonmusic beeps 16000 synth 0.2 sine 1000 vol 0.5 pad 0 0.8 repeat 9
if command -v espeak-ng >/dev/null; then
  for v in en en-us de fr es; do
    espeak-ng -v "$v" -s 150 -w "$nm/speech-$v.raw.wav" \
      "This is a test of the identification service. Nothing here is music at all; \
it is only a synthetic voice reading a sentence, then another one, for ten seconds." 2>/dev/null &&
      sox "$nm/speech-$v.raw.wav" -r 16000 "$nm/speech-$v.wav" trim 0 10 2>/dev/null &&
      printf '%s\t-\tnonmusic\n' "$nm/speech-$v.wav" >> "$queries"
  done
  espeak-ng -v en -s 120 -p 80 -w "$nm/speech-slow.raw.wav" \
    "One, two, three, four, five, six, seven, eight, nine, ten, eleven, twelve." 2>/dev/null &&
    sox "$nm/speech-slow.raw.wav" -r 16000 "$nm/speech-slow.wav" 2>/dev/null &&
    printf '%s\t-\tnonmusic\n' "$nm/speech-slow.wav" >> "$queries"
fi
echo "queries: $(wc -l < "$queries") clips ($(grep -c nonmusic "$queries") non-music)" >&2

"$BIN" bench-vibe --tracks "$tracks" --queries "$queries" --stats "$DATA/results/vibe-stats.txt" \
  --synthetic "$SYNTH" --json "$DATA/results/vibe.json" ${BENCH_VIBE_ARGS:-}
