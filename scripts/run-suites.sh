#!/usr/bin/env bash
# Runs the test suites beyond the unit runner: every tests/*/run.sh (api, web…)
# with the build output directory as $1, or only the suites named after it. Each suite prints its own
# "N passed, N failed" line; this script fails if any suite fails.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${1:?build dir}
shift
rc=0
for s in tests/*/run.sh; do
  [ -e "$s" ] || continue
  if [ $# -gt 0 ] && [[ " $* " != *" $(basename "$(dirname "$s")") "* ]]; then continue; fi
  echo "== suite $(dirname "$s")"
  AI_BIN="$(realpath "$out")/audio-ident" bash "$s" || rc=1
done
exit $rc
