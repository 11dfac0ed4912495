#!/usr/bin/env bash
# compose-wait.sh TIMEOUT SERVICE...: waits until every service's container
# reports a healthy health check, or fails with a clear message after TIMEOUT s.
set -uo pipefail
timeout=${1:?timeout}; shift
compose=${COMPOSE:-docker-compose}
deadline=$(( $(date +%s) + timeout ))
for svc in "$@"; do
  while :; do
    cid=$($compose ps -q "$svc" 2>/dev/null)
    status=$( [ -n "$cid" ] && docker inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$cid" 2>/dev/null )
    [ "$status" = healthy ] && { echo "$svc: healthy"; break; }
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "ERROR: $svc not healthy after ${timeout}s (status: ${status:-no container}); see '$compose logs $svc'" >&2
      exit 1
    fi
    sleep 2
  done
done
