#!/usr/bin/env bash
# docker-env.sh: makes sure the secrets docker-compose.yml needs exist before
# the first `make docker-up`: POSTGRES_PASSWORD (the docker-mode PostgreSQL)
# and QDRANT_API_KEY (the docker-mode Qdrant's own API key, also sent by the
# app). A value already in the environment or in the env file is kept; a
# missing one is generated (48 hex digits from /dev/urandom) and appended to
# the env file (${AI_DOTENV:-.env}, created with mode 0600). Values are never
# printed.
set -euo pipefail
file=${AI_DOTENV:-.env}
here=$(cd "$(dirname "$0")" && pwd)
added=()
for name in POSTGRES_PASSWORD QDRANT_API_KEY; do
  [ -n "${!name-}" ] && continue
  [ -n "$(AI_DOTENV=$file "$here/dotenv-get.sh" "$name" '')" ] && continue
  value=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
  [ ${#value} -eq 48 ] || { echo "docker-env: cannot read /dev/urandom" >&2; exit 1; }
  if [ ! -e "$file" ]; then (umask 077 && : >"$file"); fi
  [ -s "$file" ] && [ -n "$(tail -c 1 "$file")" ] && echo >>"$file"
  printf '%s=%s\n' "$name" "$value" >>"$file"
  added+=("$name")
done
if [ ${#added[@]} -gt 0 ]; then
  echo "generated ${added[*]} into $file (keep it; the data volumes are initialised with it)"
fi
