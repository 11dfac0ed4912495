#!/usr/bin/env bash
# Runs the node --test files of the current directory one file at a time and
# prints the "N passed, N failed" line every suite ends with; exits non-zero
# on any failure.  Run it from a suite directory: `bash ../lib/node-tests.sh`.
set -uo pipefail
out=$(mktemp)
trap 'rm -f "$out"' EXIT
rc=0
node --test --test-reporter=spec --test-concurrency=1 ./*.test.mjs 2>&1 | tee "$out" || rc=$?
pass=$(sed -n 's/^ℹ pass \([0-9]*\)/\1/p' "$out" | tail -1)
fail=$(sed -n 's/^ℹ fail \([0-9]*\)/\1/p' "$out" | tail -1)
echo "${pass:-0} passed, ${fail:-1} failed"
exit $rc
