#!/usr/bin/env bash
# mode-env.sh host|compose|compose-ingest [CMD ARGS...]
#
# Runs CMD with the environment a deployment mode implies, so that no URL,
# password or key ever appears in a make recipe (make would echo it, and a
# quote in a password would break the shell line). Reads POSTGRES_MODE,
# QDRANT_MODE, APP_MODE, the ports, POSTGRES_PASSWORD, QDRANT_API_KEY,
# DATABASE_URL, QDRANT_URL and MUSIC_DIR from the environment or the env file
# (scripts/dotenv-get.sh). Prints nothing itself.
#
#   host            the binary on this machine: DATABASE_URL / QDRANT_URL for
#                   127.0.0.1 and the published ports (docker modes), the
#                   user's URLs (external), none (embedded); the docker-mode
#                   password travels as PGPASSWORD, never inside the URL.
#   compose         docker-compose: COMPOSE_FILE (the app's depends_on for the
#                   docker-mode stores), COMPOSE_PROFILES, and APP_DATABASE_URL,
#                   APP_PGPASSWORD, APP_QDRANT_URL for the app container
#                   (service names inside the compose network), GIT_SHA.
#   compose-ingest  `$COMPOSE run --rm app ingest /music/<INGEST_DIR>`:
#                   INGEST_DIR (optional) must lie under MUSIC_DIR, which
#                   the app container mounts read-only at /music.
set -euo pipefail
cd "$(dirname "$0")/.."
get() { scripts/dotenv-get.sh "$1" "${2-}"; }
role=${1:?usage: mode-env.sh host|compose|compose-ingest [CMD...]}
shift

pg_mode=$(get POSTGRES_MODE embedded)
qd_mode=$(get QDRANT_MODE embedded)
app_mode=$(get APP_MODE host)

case $role in
host)
  unset PGPASSWORD
  case $pg_mode in
    docker)
      export DATABASE_URL="postgresql://audio_ident@127.0.0.1:$(get POSTGRES_PORT 5432)/audio_ident"
      PGPASSWORD=$(get POSTGRES_PASSWORD); export PGPASSWORD ;;
    external) DATABASE_URL=$(get DATABASE_URL); export DATABASE_URL ;;
    *) export DATABASE_URL= ;; # empty, not unset: a URL in .env must not win
  esac
  case $qd_mode in
    docker) export QDRANT_URL="http://127.0.0.1:$(get QDRANT_HTTP_PORT 6333)" ;;
    external) QDRANT_URL=$(get QDRANT_URL); export QDRANT_URL ;;
    *) export QDRANT_URL= ;;
  esac
  QDRANT_API_KEY=$(get QDRANT_API_KEY); export QDRANT_API_KEY
  exec "$@"
  ;;
compose|compose-ingest)
  files=docker-compose.yml profiles=
  export APP_DATABASE_URL= APP_PGPASSWORD= APP_QDRANT_URL=
  case $pg_mode in
    docker)
      files+=:compose/app-needs-postgres.yml profiles+=,postgres
      APP_DATABASE_URL=postgresql://audio_ident@postgres:5432/audio_ident
      APP_PGPASSWORD=$(get POSTGRES_PASSWORD) ;;
    external) APP_DATABASE_URL=$(get DATABASE_URL) ;;
  esac
  case $qd_mode in
    docker) files+=:compose/app-needs-qdrant.yml profiles+=,qdrant APP_QDRANT_URL=http://qdrant:6333 ;;
    external) APP_QDRANT_URL=$(get QDRANT_URL) ;;
  esac
  [ "$app_mode" = docker ] && profiles+=,app
  export COMPOSE_FILE=$files COMPOSE_PROFILES=${profiles#,}
  for v in POSTGRES_PASSWORD QDRANT_API_KEY MUSIC_DIR POSTGRES_PORT QDRANT_HTTP_PORT \
           QDRANT_GRPC_PORT APP_PORT PUBLISH_ADDR; do
    val=$(get "$v")
    if [ -n "$val" ]; then export "$v=$val"; fi
  done
  if [ "$role" = compose ]; then exec "$@"; fi
  music=${MUSIC_DIR:-./music}
  [ -d "$music" ] || { echo "MUSIC_DIR $music is not a directory" >&2; exit 2; }
  music=$(realpath "$music")
  dir=${INGEST_DIR:-.}
  case $dir in /*) ;; *) dir=$music/$dir ;; esac
  dir=$(realpath -m "$dir")
  case $dir/ in
    "$music"/*) rel=${dir#"$music"} ;;
    *) echo "INGEST_DIR must lie under MUSIC_DIR ($music), which the app container mounts at /music" >&2; exit 2 ;;
  esac
  exec ${COMPOSE:-docker-compose} run --rm app ingest "/music$rel"
  ;;
*) echo "mode-env.sh: unknown role $role" >&2; exit 2 ;;
esac
