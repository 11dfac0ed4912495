#!/usr/bin/env bash
# Sourced by benchmarks: bench_corpus DATA prints the music directory to use —
# $BENCH_DIR when set, otherwise Debian's wesnoth-music, downloaded once into
# DATA (apt-get download + dpkg-deb -x; nothing is installed).
bench_corpus() {
  local data=$1
  if [ -n "${BENCH_DIR:-}" ]; then echo "$BENCH_DIR"; return; fi
  local corpus="$data/wesnoth"
  if [ ! -d "$corpus/usr/share/games/wesnoth" ]; then
    echo "fetching Debian wesnoth-music into $corpus" >&2
    mkdir -p "$data/debs"
    (cd "$data/debs" && { apt-get download -q wesnoth-1.16-music >/dev/null 2>&1 ||
      apt-get download -q "$(apt-cache depends wesnoth-music |
        sed -n 's/.*Depends: \(wesnoth-[0-9.]*-music\)/\1/p' | head -1)"; }) >&2
    dpkg-deb -x "$(ls "$data"/debs/wesnoth-*-music_*.deb | head -1)" "$corpus"
  fi
  echo "$corpus"
}

# bench_tracks DIR: every audio file under DIR, sorted.
bench_tracks() {
  find "$1" -type f \( -name '*.ogg' -o -name '*.mp3' -o -name '*.flac' -o -name '*.wav' \
    -o -name '*.m4a' -o -name '*.opus' \) | LC_ALL=C sort
}
