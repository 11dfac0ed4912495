#!/usr/bin/env bash
# Crash suite: kill -9 ingests (CLI `ingest DIR`, and `serve` with an HTTP
# directory ingest or one upload per file) at random moments and inside each ingest stage (the test-only
# AI_TEST_INGEST_STAGE hook), restart at once, check that nothing half-written
# is visible, re-run the same ingest and check that every file is ready
# exactly once, that no original, fingerprint or vector exists without a
# ready row (tests/crash/crash_check.c), and that every track matches a clip
# of itself with confidence >= 0.85.  Also: honest exit codes and summaries,
# MIN_TRACK_SECONDS, and a full disk on a small tmpfs (root only).
#
#   CRASH_N      kill points on SQLite (default 20); PostgreSQL gets N/2
#   CRASH_SEED   random seed (default: from the clock; printed)
#   CRASH_PG=0   skip the PostgreSQL half
#   CRASH_HOW    cli|http|upload: only that kind of ingest
#   CRASH_BACKEND=pg   internal: run the PostgreSQL half (scripts/with-postgres.sh)
# `make crash-test N=1000` runs the long version.
set -uo pipefail
cd "$(dirname "$0")/../.."
: "${AI_BIN:?AI_BIN must point at the audio-ident binary}"
CHECK_BIN="$(dirname "$AI_BIN")/crash-check"
N=${CRASH_N:-20}
SEED=${CRASH_SEED:-$(( $(date +%s) % 32768 ))}
BACKEND=${CRASH_BACKEND:-sqlite}
NFILES=6
pass=0 fail=0
ok()  { pass=$((pass+1)); echo "ok   $1"; }
bad() { fail=$((fail+1)); echo "FAIL $1"; [ -n "${2-}" ] && printf '%s\n' "$2" | sed 's/^/    /' | tail -15; }
finish() { echo "$pass passed, $fail failed"; [ "$fail" = 0 ]; exit $?; }

for tool in sox curl python3; do
  command -v "$tool" >/dev/null || { bad "crash suite needs $tool"; finish; }
done
[ -x "$CHECK_BIN" ] || { bad "crash-check not built ($CHECK_BIN): make $(dirname "$AI_BIN")/crash-check"; finish; }

work=$(mktemp -d /tmp/ai-crash.XXXXXX)
serve_pid=
cleanup() {
  [ -n "$serve_pid" ] && kill -9 "$serve_pid" 2>/dev/null
  mountpoint -q "$work/full" 2>/dev/null && umount "$work/full"
  rm -rf "$work"
}
trap cleanup EXIT
RANDOM=$SEED
echo "crash suite ($BACKEND): $N kill points, seed $SEED (CRASH_SEED=$SEED to repeat)"

# ---- distinct, fingerprintable music-like files (12 s each)
src=$work/src
mkdir -p "$src"
notes=(C D E F G A B)
for i in $(seq 0 $((NFILES - 1))); do
  n1=${notes[$((i % 7))]}$((2 + i % 3)) n2=${notes[$(((i * 3 + 2) % 7))]}$((3 + i % 2))
  sox -n -r 22050 -c 1 -b 16 "$src/song$i.wav" synth 12 pluck "$n1" pluck "$n2" \
    sine $((300 + i * 97))-$((1200 + i * 131)) sawtooth $((110 + i * 23))-$((180 + i * 29)) brownnoise \
    tremolo $((2 + i % 5)).$((i % 10)) 45 \
    2>/dev/null || { bad "generate song$i.wav"; finish; }
done

export WORKERS=2 LOG_LEVEL=warn
data=$work/data
reset_store() { # a fresh library for the next cycle
  rm -rf "$data"
  if [ "$BACKEND" = pg ]; then
    psql -qX "$AI_TEST_DATABASE_URL" -c 'DELETE FROM tracks' >/dev/null 2>&1
  fi
}
env_db() {
  if [ "$BACKEND" = pg ]; then echo "DATABASE_URL=$AI_TEST_DATABASE_URL"; else echo "DATABASE_URL="; fi
}
run_ai() { env DATA_DIR="$data" "$(env_db)" "$@"; }
# In the background with $! = the program itself (env execs it), so kill -9
# hits audio-ident and not a wrapping subshell.
spawn_ai() { env DATA_DIR="$data" "$(env_db)" "$@" & }

start_serve() { # $1 = extra env (may be empty); sets serve_pid and port
  local log=$work/serve.log
  : >"$log"
  spawn_ai PORT=0 LOG_LEVEL=info INGEST_ROOT="$work" ${1:+"$1"} "$AI_BIN" serve >"$log" 2>&1
  serve_pid=$!
  port=
  for _ in $(seq 1 100); do
    port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$log" | head -1 | sed 's/.*://')
    [ -n "$port" ] && return 0
    kill -0 "$serve_pid" 2>/dev/null || break
    sleep 0.05
  done
  echo "serve did not start: $(tail -3 "$log")"
  stop_serve
  return 1
}
stop_serve() { [ -n "$serve_pid" ] && { kill -9 "$serve_pid"; wait "$serve_pid"; } 2>/dev/null; serve_pid=; }

stages=(hashed decoded row original fingerprints vectors ready)
rand_ms() { echo $(( $1 + (RANDOM * 32768 + RANDOM) % ($2 - $1 + 1) )); }
sleep_ms() { sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"; }

# One kill point: a CLI ingest of the directory, an HTTP directory ingest or
# HTTP uploads of its files, killed at a random
# moment or inside a stage; what is visible afterwards must be complete.
kill_point() { # $1 = cli|http|upload
  exec 3>&2 2>/dev/null # bash's "Killed" job notices are expected here
  kill_point_ "$@"
  local rc=$?
  exec 2>&3 3>&-
  return $rc
}
kill_point_() {
  local how=$1 mode=$((RANDOM % 3)) stage=${stages[$((RANDOM % ${#stages[@]}))]} hook= delay
  delay=$(rand_ms 30 700)
  case $mode in
    0) hook= ;;                                   # a random moment
    1) hook="AI_TEST_INGEST_STAGE=$stage:kill" ;; # exactly at a stage
    2) hook="AI_TEST_INGEST_STAGE=$stage:sleep:$(rand_ms 20 300)" ;; # somewhere inside it
  esac
  desc="$how kill ${hook:-after ${delay} ms}"
  if [ "$how" = cli ]; then
    spawn_ai ${hook:+"$hook"} "$AI_BIN" ingest "$src" >/dev/null 2>&1
    local pid=$!
    [ "$mode" = 1 ] || { sleep_ms "$delay"; kill -9 "$pid" 2>/dev/null; }
    { wait "$pid"; } 2>/dev/null
  else
    start_serve "$hook" || { bad "$desc: serve start" ; return; }
    if [ "$how" = upload ]; then # one multipart upload per file
      (for f in "$src"/*.wav; do
         curl -s -o /dev/null -m 60 -F "audio=@$f" "http://127.0.0.1:$port/api/v1/ingest" || exit 0
       done) &
    else
      curl -s -o /dev/null -m 60 -H 'Content-Type: application/json' \
        -d "{\"directory\":\"$src\"}" "http://127.0.0.1:$port/api/v1/ingest" &
    fi
    local cpid=$!
    if [ "$mode" = 1 ]; then
      for _ in $(seq 1 300); do kill -0 "$serve_pid" 2>/dev/null || break; sleep 0.02; done
    else
      sleep_ms "$delay"
    fi
    stop_serve
    wait "$cpid" 2>/dev/null
  fi
  # restart at once: what search and `tracks` can see is complete
  local out
  if out=$(run_ai "$CHECK_BIN" visible 2>&1); then :; else bad "$desc: visible state" "$out"; return 1; fi
  return 0
}

# The same ingest again, to completion: every file is in, exactly once.
rerun() { # $1 = cli|http|upload
  local out
  if [ "$1" = cli ]; then
    out=$(run_ai "$AI_BIN" ingest "$src" 2>&1)
    local rc=$?
    if [ $rc != 0 ] || ! grep -q "$NFILES files: [0-9]* ingested, [0-9]* duplicates, 0 failed" <<<"$out"; then
      bad "re-run after kill: exit $rc" "$out"; return 1
    fi
  elif [ "$1" = upload ]; then
    start_serve "" || { bad "re-run: serve start"; return 1; }
    local f code codes=
    for f in "$src"/*.wav; do
      code=$(curl -s -o "$work/up.json" -w '%{http_code}' -m 120 -F "audio=@$f" "http://127.0.0.1:$port/api/v1/ingest")
      codes+="$(basename "$f"):$code $(head -c 200 "$work/up.json")"$'\n'
      case $code in 201) grep -q '"status":"ingested"' "$work/up.json" || code=bad ;;
                    200) grep -q '"status":"duplicate"' "$work/up.json" || code=bad ;; esac
      [ "$code" = 201 ] || [ "$code" = 200 ] || { stop_serve; bad "upload re-run after kill" "$codes"; return 1; }
    done
    stop_serve
  else
    start_serve "" || { bad "re-run: serve start"; return 1; }
    out=$(curl -s -m 120 -H 'Content-Type: application/json' -d "{\"directory\":\"$src\"}" \
      "http://127.0.0.1:$port/api/v1/ingest")
    stop_serve
    if ! python3 -c 'import json,sys; r=json.loads(sys.argv[1]); n=int(sys.argv[2])
sys.exit(0 if r["total"]==n and r["ingested"]+r["duplicates"]==n and r["failed"]==0 else 1)' "$out" "$NFILES"; then
      bad "HTTP re-run after kill" "$out"; return 1
    fi
  fi
  if ! out=$(run_ai "$CHECK_BIN" settled "$NFILES" 2>&1); then bad "settled after re-run" "$out"; return 1; fi
  return 0
}

# Every track is found by a 6 s clip of itself with confidence >= 0.85.
check_search() {
  local i out bad_n=0 msgs=
  for i in $(seq 0 $((NFILES - 1))); do
    sox "$src/song$i.wav" "$work/clip.wav" trim 3 6 2>/dev/null
    out=$(run_ai "$AI_BIN" search --mode exact --json "$work/clip.wav" 2>&1)
    if ! python3 -c 'import json,sys; r=json.loads(sys.argv[1]); m=r["exact_matches"]
sys.exit(0 if m and m[0]["track"]["title"]==sys.argv[2] and m[0]["confidence"]>=0.85 else 1)' "$out" "song$i" 2>/dev/null; then
      bad_n=$((bad_n + 1)); msgs+="song$i: ${out:0:300}"$'\n'
    fi
  done
  if [ $bad_n = 0 ]; then ok "$BACKEND: every track matches a clip of itself (confidence >= 0.85)"
  else bad "$BACKEND: $bad_n tracks not found by a clip of themselves" "$msgs"; fi
}

# ---- the kill points
kills=$N
[ "$BACKEND" = pg ] && kills=$(( N / 2 > 0 ? N / 2 : 1 ))
done_kills=0 cycles=0 cycle_fail=0
t0=$(date +%s)
while [ $done_kills -lt $kills ]; do
  reset_store
  hows=(cli http upload)
  how=${hows[$((RANDOM % 3))]}
  how=${CRASH_HOW:-$how} # one kind only, when debugging
  nk=$(( 1 + RANDOM % 2 )) # one or two kills before the run completes
  cycle_ok=1
  for _ in $(seq 1 $nk); do
    [ $done_kills -lt $kills ] || break
    kill_point "$how" || cycle_ok=0
    done_kills=$((done_kills + 1))
  done
  rerun "$how" || cycle_ok=0
  cycles=$((cycles + 1))
  if [ "$kills" -ge 100 ] && [ $((cycles % 25)) = 0 ]; then
    echo "  $BACKEND: $done_kills of $kills kill points, $cycles cycles, $cycle_fail inconsistent"
  fi
  [ $cycle_ok = 1 ] || cycle_fail=$((cycle_fail + 1))
  [ $cycle_fail -ge 3 ] && break # enough evidence; do not flood the log
done
if [ $cycle_fail = 0 ]; then
  ok "$BACKEND: $done_kills kill points in $cycles cycles ($(( $(date +%s) - t0 )) s): every file ready exactly once, nothing orphaned, nothing half-visible"
else
  bad "$BACKEND: $cycle_fail of $cycles cycles inconsistent (seed $SEED)"
fi
check_search

[ "$BACKEND" = pg ] && finish

# ---- honest summaries and exit codes (SQLite only: the logic is above the store)
reset_store
mix=$work/mix
mkdir -p "$mix"
cp "$src/song0.wav" "$mix/good.wav"
echo "not audio" >"$mix/bad.mp3"
sox -n -r 22050 -c 1 "$mix/short.wav" synth 2 pluck C3 2>/dev/null
out=$(run_ai "$AI_BIN" ingest "$mix" 2>&1); rc=$?
if [ $rc = 1 ] && grep -q "3 files: 1 ingested, 0 duplicates, 2 failed" <<<"$out" &&
   grep -q "TRACK_TOO_SHORT" <<<"$out"; then
  ok "CLI ingest with a bad and a too-short file exits 1 and counts them"
else bad "CLI ingest with failures: exit $rc" "$out"; fi
out=$(run_ai "$AI_BIN" ingest --json "$mix" 2>/dev/null); rc=$?
if [ $rc = 1 ] && python3 -c 'import json,sys
lines=[json.loads(l) for l in sys.argv[1].splitlines()]
files={l["file"].rsplit("/",1)[1]: l for l in lines if "file" in l}
s=[l for l in lines if l.get("status")=="summary"][0]
assert files["good.wav"]["status"]=="duplicate" and files["bad.mp3"]["error"]["code"]=="UNSUPPORTED_FORMAT"
assert files["short.wav"]["error"]["code"]=="TRACK_TOO_SHORT"
assert (s["total"],s["ingested"],s["duplicates"],s["failed"])==(3,0,1,2)' "$out" 2>/dev/null; then
  ok "CLI ingest --json: one line per file and a summary line"
else bad "CLI ingest --json" "$out"; fi
rm "$mix/bad.mp3" "$mix/short.wav"
out=$(run_ai "$AI_BIN" ingest "$mix" 2>&1); rc=$?
if [ $rc = 0 ]; then ok "CLI ingest of only duplicates exits 0"; else bad "CLI ingest duplicates: exit $rc" "$out"; fi
echo "not audio" >"$mix/bad.mp3"
if start_serve ""; then
  out=$(curl -s -H 'Content-Type: application/json' -d "{\"directory\":\"$mix\"}" "http://127.0.0.1:$port/api/v1/ingest")
  if python3 -c 'import json,sys; r=json.loads(sys.argv[1])
assert (r["total"],r["ingested"],r["duplicates"],r["failed"])==(2,0,1,1)
e=r["errors"][0]; assert e["file"]=="bad.mp3" and e["code"]=="UNSUPPORTED_FORMAT" and e["message"]' "$out" 2>/dev/null; then
    ok "HTTP directory ingest reports counts and per-file errors"
  else bad "HTTP directory ingest counts" "$out"; fi
  stop_serve
else bad "serve start for HTTP counts"; fi

# ---- a full disk (a small tmpfs; needs root)
if [ "$(id -u)" != 0 ]; then
  echo "skip disk-full case: needs root to mount a tmpfs (run as root, e.g. in CI)"
elif ! mkdir -p "$work/full" || ! mount -t tmpfs -o size=2m tmpfs "$work/full" 2>/dev/null; then
  echo "skip disk-full case: cannot mount a tmpfs here"
else
  data=$work/full/data
  out=$(run_ai MIN_FREE_DISK_MB=0 "$AI_BIN" ingest "$src" 2>&1); rc=$?
  n_in=$(grep -o '[0-9]* ingested' <<<"$out" | tail -1 | cut -d' ' -f1)
  others=$(grep 'skipped' <<<"$out" | grep -vc 'STORAGE_FULL')
  if [ $rc = 1 ] && grep -q "STORAGE_FULL" <<<"$out" && [ "$others" = 0 ] &&
     chk=$(run_ai "$CHECK_BIN" settled "${n_in:-0}" 2>&1); then
    ok "full disk: ingest exits 1, failures are STORAGE_FULL, the $n_in ingested tracks are complete and nothing else is left"
  else bad "full disk ingest (exit $rc)" "$out"$'\n'"${chk-}"; fi
  # serve starts on the full disk: search works, ingest 507, health degraded
  if start_serve "MIN_FREE_DISK_MB=1"; then
    h=$(curl -s "http://127.0.0.1:$port/health?deep=1")
    code=$(curl -s -o /dev/null -w '%{http_code}' -F "audio=@$src/song$((NFILES - 1)).wav" "http://127.0.0.1:$port/api/v1/ingest")
    sox "$src/song0.wav" "$work/clip.wav" trim 3 6 2>/dev/null
    s=$(curl -s -F "audio=@$work/clip.wav" "http://127.0.0.1:$port/api/v1/search?mode=exact")
    if grep -q '"status":"degraded"' <<<"$h" && grep -q '"disk":"low"' <<<"$h" &&
       { [ "$code" = 507 ] || [ "$code" = 200 ]; } && grep -q '"exact_matches"' <<<"$s"; then
      ok "serve on a full disk: starts, /health?deep=1 degraded, search answers, ingest $code"
    else bad "serve on a full disk" "health=$h ingest=$code search=${s:0:200}"; fi
    stop_serve
  else bad "serve does not start on a full disk"; fi
  # space freed: the same ingest completes
  mount -o remount,size=512m "$work/full"
  out=$(run_ai "$AI_BIN" ingest "$src" 2>&1); rc=$?
  if [ $rc = 0 ] && chk=$(run_ai "$CHECK_BIN" settled "$NFILES" 2>&1); then
    ok "after freeing space the same ingest completes"
  else bad "ingest after freeing space (exit $rc)" "$out"$'\n'"${chk-}"; fi
  umount "$work/full"
fi

# ---- the PostgreSQL half
if [ "${CRASH_PG:-1}" != 1 ]; then
  echo "skip PostgreSQL half: CRASH_PG=${CRASH_PG}"
elif ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && command -v psql >/dev/null; then
  pg_half() { CRASH_BACKEND=pg CRASH_N=$N CRASH_SEED=$SEED scripts/with-postgres.sh bash tests/crash/run.sh 2>&1; }
  out=$(pg_half); rc=$?
  if [ $rc != 0 ] && grep -q "could not start server" <<<"$out"; then # a port taken meanwhile
    out=$(pg_half); rc=$?
  fi
  if [ $rc = 0 ]; then
    ok "PostgreSQL half passed"
  else
    bad "PostgreSQL half" "$out"
  fi
  grep -E '^(ok|FAIL)' <<<"$out" | sed 's/^/  pg: /'
else
  echo "skip PostgreSQL half: no PostgreSQL server binaries (apt-get install postgresql)"
fi
finish
