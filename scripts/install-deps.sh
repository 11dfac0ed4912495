#!/usr/bin/env bash
# Installs the Debian packages listed in scripts/debian-packages.txt that are
# missing, then the npm packages of the browser suite (tests/web, from its
# lock file). Idempotent and quiet when everything is present.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t want < <(grep -v '^\s*#' scripts/debian-packages.txt | grep -v '^\s*$')
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
npm_deps() {
  if [ -f tests/web/package-lock.json ] && [ ! -d tests/web/node_modules/playwright-core ]; then
    command -v npm >/dev/null || { echo "npm is missing (it comes with Node.js)" >&2; exit 1; }
    echo "installing npm packages of tests/web" >&2
    (cd tests/web && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
}
if [ ${#missing[@]} -eq 0 ]; then npm_deps; exit 0; fi
echo "installing: ${missing[*]}" >&2
SUDO=
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "missing packages (run as root): apt-get install ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
npm_deps
