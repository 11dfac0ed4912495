#!/usr/bin/env bash
# Runs CMD... against a throw-away PostgreSQL cluster:
#   scripts/with-postgres.sh make test-unit T=meta
# Finds Debian's server binaries (/usr/lib/postgresql/*/bin), initdb's a cluster
# in a temp dir as a non-root user (as root: the system user `aitest`, created
# if missing), listens only on 127.0.0.1 on a free port, creates a role and a
# database with a random password, exports DATABASE_URL and
# AI_TEST_DATABASE_URL, runs CMD, then stops the cluster and deletes it.
set -euo pipefail

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
    echo "with-postgres: PostgreSQL server not found (apt-get install postgresql)" >&2
    exit 1
fi
[ $# -gt 0 ] || { echo "usage: scripts/with-postgres.sh CMD [ARGS...]" >&2; exit 2; }

tmp=$(mktemp -d /tmp/ai-pg.XXXXXX)
chmod 0755 "$tmp"
if [ "$(id -u)" = 0 ]; then
    pguser=aitest
    id -u "$pguser" >/dev/null 2>&1 ||
        useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$pguser"
    chown "$pguser" "$tmp"
    as_pg() { runuser -u "$pguser" -- "$@"; }
else
    as_pg() { "$@"; }
fi

cleanup() {
    as_pg "$bindir/pg_ctl" -D "$tmp/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port=
for _ in $(seq 1 50); do
    p=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p; break; fi
done
[ -n "$port" ] || { echo "with-postgres: no free port" >&2; exit 1; }

pw=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
printf '%s\n' "$pw" >"$tmp/pwfile"
chmod 0644 "$tmp/pwfile"

as_pg "$bindir/initdb" -D "$tmp/data" -U postgres --pwfile="$tmp/pwfile" -E UTF8 \
    --auth-local=trust --auth-host=scram-sha-256 >"$tmp/initdb.log" 2>&1 ||
    { cat "$tmp/initdb.log" >&2; exit 1; }
rm -f "$tmp/pwfile"
as_pg "$bindir/pg_ctl" -D "$tmp/data" -l "$tmp/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$tmp" start >/dev/null ||
    { cat "$tmp/server.log" >&2; exit 1; }

as_pg "$bindir/psql" -X -q -h "$tmp" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 \
    -c "CREATE ROLE aitest LOGIN PASSWORD '$pw'" \
    -c "CREATE DATABASE aitest OWNER aitest" >/dev/null

export DATABASE_URL="postgresql://aitest:$pw@127.0.0.1:$port/aitest"
export AI_TEST_DATABASE_URL="$DATABASE_URL"
echo "with-postgres: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2
"$@"
