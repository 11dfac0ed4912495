#!/usr/bin/env bash
# The docs check (scripts/check-docs.sh) and `make help`: the check passes on
# the repository, and fails with exactly the expected line on copies broken in
# one place each (a setting, a default, a range, an error code, a status, a
# command, a make target without help text, a stale row); `make help` lists
# every .PHONY target.
set -uo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
pass=0 fail=0
ok()  { pass=$((pass+1)); echo "ok   $1"; }
bad() { fail=$((fail+1)); echo "FAIL $1"; [ -n "${2-}" ] && printf '    %s\n' "$2"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
files="src/config/config.c src/base/error.h src/main.c README.md docs/api.md Makefile docs/*.md"

# A fresh copy of the files the check reads, under $tmp/$1.
copy() {
  local d=$tmp/$1
  rm -rf "$d"
  mkdir -p "$d/src/config" "$d/src/base" "$d/docs"
  for f in $files; do cp "$repo/$f" "$d/$f"; done
  echo "$d"
}

# expect NAME DIR LINE: the check fails on DIR and prints exactly LINE among its lines.
expect() {
  local name=$1 dir=$2 line=$3 out rc
  out=$(scripts/check-docs.sh "$dir" 2>/dev/null); rc=$?
  if [ $rc -ne 1 ]; then bad "$name" "exit $rc, want 1; output: $out"; return; fi
  if ! grep -qxF -- "$line" <<<"$out"; then bad "$name" "want line: $line | got: $out"; return; fi
  ok "$name"
}

out=$(scripts/check-docs.sh 2>&1)
if [ $? -eq 0 ]; then ok "repository passes ($out)"; else bad "repository passes" "$out"; fi

d=$(copy setting-row); sed -i '/^| DATA_DIR |/d' "$d/README.md"
expect "README row removed" "$d" "README.md: setting DATA_DIR is missing from the configuration table"

d=$(copy default); sed -i 's/"PORT", "17010"/"PORT", "17011"/' "$d/src/config/config.c"
expect "default changed in code" "$d" 'README.md: setting PORT: default should be `17011` (table says "`17010`")'

d=$(copy range); sed -i 's/"WORKERS", "0", 0, 256,/"WORKERS", "0", 0, 512,/' "$d/src/config/config.c"
expect "range changed in code" "$d" 'README.md: setting WORKERS: allowed should be 0–512 (table says "0–256")'

d=$(copy choice); sed -i 's/"text|json"/"text|json|logfmt"/' "$d/src/config/config.c"
expect "choice added in code" "$d" 'README.md: setting LOG_FORMAT: choice `logfmt` missing from the allowed column'

d=$(copy new-setting); sed -i 's/^\(\s*\)STR(web_dir,/\1BOOL(x, "FEATURE_X", "0", 0, 0, "x"),\n&/' "$d/src/config/config.c"
expect "new setting, new macro" "$d" "README.md: setting FEATURE_X is missing from the configuration table"

d=$(copy stale-setting); sed -i 's/^| HOST |/| LISTEN_HOST |/' "$d/README.md"
expect "stale README row" "$d" "README.md: configuration table lists LISTEN_HOST, which src/config/config.c does not have"

d=$(copy test-only); sed -i 's/AI_TEST_LANE_DELAY/AI_TEST_OTHER_DELAY/' "$d/src/config/config.c"
expect "test-only setting not mentioned" "$d" "docs: test-only setting AI_TEST_OTHER_DELAY is not mentioned in README.md or docs/*.md"

d=$(copy error-row); sed -i '/^| UNAUTHORIZED |/d' "$d/docs/api.md"
expect "error row removed" "$d" "docs/api.md: error code UNAUTHORIZED (401) is missing from the error table"

d=$(copy error-status); sed -i 's/X(NOT_FOUND, 404,/X(NOT_FOUND, 410,/' "$d/src/base/error.h"
expect "status changed in code" "$d" "docs/api.md: error code NOT_FOUND: HTTP 410 in src/base/error.h, 404 in the table"

d=$(copy error-new); sed -i 's/^\(\s*\)X(NOT_FOUND, 404,/\1X(GONE_FOREVER, 410, "gone")   \\\n&/' "$d/src/base/error.h"
expect "new error code" "$d" "docs/api.md: error code GONE_FOREVER (410) is missing from the error table"

d=$(copy command); sed -i '/^    audio-ident rm /d' "$d/README.md"
expect "command line removed" "$d" "README.md: command rm is missing from the command list"

d=$(copy command-new); sed -i 's/{"config", cli_config,/{"export", cli_config, "x", "x"},\n    &/' "$d/src/main.c"
expect "new command" "$d" "README.md: command export is missing from the command list"

d=$(copy make-help); sed -i 's/^\(clean:.*\) ## .*$/\1/' "$d/Makefile"
expect "make target without help" "$d" 'Makefile: target clean has no "## help text" on its rule line'

d=$(copy make-new); printf '\nrelease-notes:\n\t@echo notes\n' >> "$d/Makefile"
expect "new make target without help" "$d" 'Makefile: target release-notes has no "## help text" on its rule line'

d=$(copy two); sed -i '/^| DATA_DIR |/d' "$d/README.md"; sed -i '/^| UNAUTHORIZED |/d' "$d/docs/api.md"
n=$(scripts/check-docs.sh "$d" 2>/dev/null | wc -l)
if [ "$n" -eq 2 ]; then ok "one line per problem"; else bad "one line per problem" "got $n lines for 2 problems"; fi

# make help prints every .PHONY target with its text
help=$(make --no-print-directory -s help 2>&1)
missing=""
for t in $(sed -e ':a' -e '/\\$/N; s/\\\n//; ta' Makefile | sed -n 's/^\.PHONY\s*:\(.*\)/\1/p'); do
  grep -qE "^  make $t +[^ ]" <<<"$help" || missing="$missing $t"
done
if [ -z "$missing" ]; then ok "make help lists every .PHONY target"; else bad "make help lists every .PHONY target" "missing:$missing"; fi
grep -q "^  SANITIZE=" <<<"$help" && ok "make help lists the variables" || bad "make help lists the variables" "$help"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
