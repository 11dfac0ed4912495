#!/usr/bin/env bash
# modes.sh: runs the Makefile's deployment targets for every mode combination
# with stand-ins on PATH — docker-compose (logs its arguments and environment,
# and renders the real `docker-compose config` that `up` would use), docker
# (every container healthy) and the binary (RUN_BIN: logs its arguments and
# environment) — and checks what each process received. The secrets contain
# quotes, `$(...)`, backquotes and spaces: they must arrive intact and never
# appear in make's output. Prints "ok|FAIL name" lines and a last
# "N passed, N failed" line.
set -uo pipefail
unset MAKEFLAGS MFLAGS MAKELEVEL # a make that runs this suite must not leak its jobserver or flags
cd "$(dirname "$0")/../.."
pass=0 fail=0
ok()  { pass=$((pass+1)); echo "ok   $1"; }
bad() { fail=$((fail+1)); echo "FAIL $1"; [ -n "${2-}" ] && printf '    %s\n' "$2"; }

tmp=$(mktemp -d /tmp/ai-modes.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
shim=$tmp/bin
mkdir -p "$shim" "$tmp/music/jazz club"
real_compose=$(command -v docker-compose)
dump_env='for v in DATABASE_URL PGPASSWORD QDRANT_URL QDRANT_API_KEY APP_DATABASE_URL APP_PGPASSWORD APP_QDRANT_URL COMPOSE_FILE COMPOSE_PROFILES; do printf "%s=%s\n" "$v" "$(printenv "$v")"; done'
cat >"$shim/docker-compose" <<SH
#!/usr/bin/env bash
{ echo "== compose \$*"; $dump_env; } >>"$tmp/log"
case "\$1" in
  ps) echo "cid-\${3:-x}" ;;
  up) "$real_compose" config >"$tmp/config.yml" 2>"$tmp/config.err" || echo "config failed" >>"$tmp/log" ;;
esac
exit 0
SH
printf '#!/bin/sh\necho healthy\n' >"$shim/docker"
cat >"$shim/audio-ident" <<SH
#!/usr/bin/env bash
{ echo "== bin \$*"; $dump_env; } >>"$tmp/log"
SH
chmod +x "$shim"/*

PW='pa'"'"'ss "w$(touch '"$tmp"'/pwned)`id` #x'
KEY='k'"'"'ey$HOME "q"'
EXT_DB='postgresql://ext:s3cr%40t@db.example/x'
EXT_Q='https://q.example:6333'
runmake() { # make ARGS... with the stand-ins; output in $out, log in $tmp/log
  : >"$tmp/log"; rm -f "$tmp/config.yml"
  out=$(PATH="$shim:$PATH" AI_DOTENV="$tmp/.env" POSTGRES_PASSWORD="$PW" QDRANT_API_KEY="$KEY" \
        DATABASE_URL="$EXT_DB" QDRANT_URL="$EXT_Q" MUSIC_DIR="$tmp/music" \
        make -s --no-print-directory RUN_BIN="$shim/audio-ident" "$@" 2>&1)
  rc=$?
}
# the environment the Nth process named $1 (bin|compose) saw, as NAME=value lines
seen() { awk -v want="== $1 $2" 'index($0, "== ") == 1 { on = index($0, want) == 1 && !done; if (!on && hit) done = 1; if (on) hit = 1; next } on' "$tmp/log"; }
has() { grep -qxF -- "$2" <<<"$1"; }
leaks() { grep -qF -e "$PW" -e "$KEY" -e 's3cr%40t' -e 'pwned' -e '`id`' <<<"$out"; }

for pm in embedded docker external; do
  for qm in embedded docker external; do
    # ---- APP_MODE=host: docker-up + migrate + serve with this machine's binary
    runmake docker-up dev POSTGRES_MODE=$pm QDRANT_MODE=$qm APP_MODE=host
    errs=""
    [ $rc -eq 0 ] || errs+="make failed ($rc): $(tail -2 <<<"$out"); "
    svcs=$(echo $([ $pm = docker ] && echo postgres) $([ $qm = docker ] && echo qdrant))
    if [ -n "$svcs" ]; then
      grep -qxF "== compose up -d $svcs" "$tmp/log" || errs+="no 'compose up -d $svcs'; "
    else
      grep -q "== compose up" "$tmp/log" && errs+="compose started with no docker mode; "
    fi
    env=$(seen bin serve)
    case $pm in
      embedded) has "$env" "DATABASE_URL=" || errs+="embedded pg got a DATABASE_URL; " ;;
      docker) { has "$env" "DATABASE_URL=postgresql://audio_ident@127.0.0.1:5432/audio_ident" &&
                has "$env" "PGPASSWORD=$PW"; } || errs+="docker pg URL/password; " ;;
      external) { has "$env" "DATABASE_URL=$EXT_DB" && has "$env" "PGPASSWORD="; } || errs+="external pg URL; " ;;
    esac
    case $qm in
      embedded) has "$env" "QDRANT_URL=" || errs+="embedded qdrant got a URL; " ;;
      docker) has "$env" "QDRANT_URL=http://127.0.0.1:6333" || errs+="docker qdrant URL; " ;;
      external) has "$env" "QDRANT_URL=$EXT_Q" || errs+="external qdrant URL; " ;;
    esac
    has "$env" "QDRANT_API_KEY=$KEY" || errs+="api key; "
    [ -n "$(seen bin migrate)" ] || errs+="no migrate before serve; "
    leaks && errs+="a secret appeared in make's output; "
    [ -z "$errs" ] && ok "APP_MODE=host POSTGRES_MODE=$pm QDRANT_MODE=$qm" || bad "APP_MODE=host $pm/$qm" "$errs"

    # ---- APP_MODE=docker: the app container, with the URLs of the compose network
    runmake docker-up POSTGRES_MODE=$pm QDRANT_MODE=$qm APP_MODE=docker
    errs=""
    [ $rc -eq 0 ] || errs+="make failed ($rc): $(tail -2 <<<"$out"); "
    svcs=$(echo $([ $pm = docker ] && echo postgres) $([ $qm = docker ] && echo qdrant) app)
    grep -qxF "== compose up -d --build $svcs" "$tmp/log" || errs+="no 'compose up -d --build $svcs'; "
    grep -qxF "== compose ps -q app" "$tmp/log" || errs+="no health wait for app; "
    env=$(seen compose up)
    cfg=$(python3 -c '
import sys, yaml
c = yaml.safe_load(open(sys.argv[1]))
app = c["services"]["app"]
for k, v in sorted(app["environment"].items()): print("env.%s=%s" % (k, v))
for d in sorted(app.get("depends_on", {})): print("depends_on=%s:%s" % (d, app["depends_on"][d]["condition"]))
for v in app["volumes"]: print("volume=%s" % v)
for n, s in sorted(c["services"].items()):
    if n not in sys.argv[2].split():
        continue  # only the services this mode starts (not the Caddy of the tls profile)
    for p in s.get("ports", []): print("port=%s:%s" % (n, p.split(":")[0] if isinstance(p, str) else p.get("host_ip")))
' "$tmp/config.yml" "$svcs" 2>&1)
    case $pm in
      embedded) has "$cfg" "env.DATABASE_URL=sqlite:////data/audio_ident.db" || errs+="app pg (embedded); " ;;
      docker) { has "$cfg" "env.DATABASE_URL=postgresql://audio_ident@postgres:5432/audio_ident" &&
                has "$cfg" "env.PGPASSWORD=${PW//\$/\$\$}" && has "$cfg" "depends_on=postgres:service_healthy"; } ||
              errs+="app pg (docker); " ;;
      external) { has "$cfg" "env.DATABASE_URL=$EXT_DB" && has "$cfg" "env.PGPASSWORD="; } || errs+="app pg (external); " ;;
    esac
    case $qm in
      embedded) has "$cfg" "env.QDRANT_URL=" || errs+="app qdrant (embedded); " ;;
      docker) { has "$cfg" "env.QDRANT_URL=http://qdrant:6333" && has "$cfg" "depends_on=qdrant:service_healthy"; } ||
              errs+="app qdrant (docker); " ;;
      external) has "$cfg" "env.QDRANT_URL=$EXT_Q" || errs+="app qdrant (external); " ;;
    esac
    [ $pm != docker ] && grep -q "depends_on=postgres" <<<"$cfg" && errs+="app depends on a postgres that is not started; "
    has "$cfg" "env.INGEST_ROOT=/music" && has "$cfg" "volume=$tmp/music:/music:ro" || errs+="music mount; "
    grep "^port=" <<<"$cfg" | grep -vq ":127.0.0.1$" && errs+="a port is published beyond 127.0.0.1; "
    leaks && errs+="a secret appeared in make's output; "
    [ -z "$errs" ] && ok "APP_MODE=docker POSTGRES_MODE=$pm QDRANT_MODE=$qm" || bad "APP_MODE=docker $pm/$qm" "$errs $cfg"
  done
done
[ -e "$tmp/pwned" ] && bad "a secret was run as shell code" || ok "no secret was run as shell code"

# ---- ingest / rebuild-index
runmake ingest POSTGRES_MODE=docker QDRANT_MODE=docker APP_MODE=docker DIR="$tmp/music/jazz club"
grep -qxF "== compose run --rm app ingest /music/jazz club" "$tmp/log" && [ $rc -eq 0 ] \
  && ok "APP_MODE=docker: make ingest runs in the app container on the read-only music mount" \
  || bad "docker ingest" "$out $(cat "$tmp/log")"
runmake ingest APP_MODE=docker DIR=/etc
[ $rc -ne 0 ] && grep -q "INGEST_DIR must lie under MUSIC_DIR" <<<"$out" && ! grep -q "== compose run" "$tmp/log" \
  && ok "APP_MODE=docker: a DIR outside MUSIC_DIR is refused" || bad "docker ingest outside MUSIC_DIR" "$out"
runmake rebuild-index POSTGRES_MODE=docker APP_MODE=docker ARGS='--vectors'
grep -qxF "== compose run --rm app rebuild-index --vectors" "$tmp/log" \
  && ok "APP_MODE=docker: make rebuild-index runs in the app container" || bad "docker rebuild-index" "$out"
runmake rebuild-index APP_MODE=host ARGS='--vectors; touch pwned'
[ $rc -ne 0 ] && grep -q "may hold only --vectors" <<<"$out" && ! grep -q "== bin" "$tmp/log" \
  && ok "rebuild-index refuses ARGS other than --vectors / --fingerprints" || bad "rebuild-index ARGS" "$out"
odd="$tmp/music/it's \"odd\" \$(x)"
mkdir -p "$odd"
runmake ingest POSTGRES_MODE=docker APP_MODE=host DIR="$odd"
grep -qxF "== bin ingest $odd" "$tmp/log" && has "$(seen bin ingest)" "PGPASSWORD=$PW" \
  && ok "APP_MODE=host: make ingest passes any DIR intact, with the mode's stores" || bad "host ingest" "$out"

# ---- secrets generated into the env file on the first docker-up
( cd "$tmp" && env -u POSTGRES_PASSWORD -u QDRANT_API_KEY AI_DOTENV="$tmp/gen.env" \
    "$OLDPWD/scripts/docker-env.sh" ) >"$tmp/gen.out" 2>&1
first=$(cat "$tmp/gen.env" 2>/dev/null)
( env -u POSTGRES_PASSWORD -u QDRANT_API_KEY AI_DOTENV="$tmp/gen.env" scripts/docker-env.sh ) >/dev/null 2>&1
pw=$(sed -n 's/^POSTGRES_PASSWORD=//p' "$tmp/gen.env")
if [ "$(stat -c %a "$tmp/gen.env" 2>/dev/null)" = 600 ] && [ ${#pw} -eq 48 ] &&
   grep -qE '^QDRANT_API_KEY=[0-9a-f]{48}$' "$tmp/gen.env" && [ "$first" = "$(cat "$tmp/gen.env")" ] &&
   ! grep -qF "$pw" "$tmp/gen.out"; then
  ok "docker-env: generates both secrets once into a 0600 env file, never prints them"
else
  bad "docker-env" "$(cat "$tmp/gen.out")"
fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
