#!/usr/bin/env bash
# Deployment checks that need no Docker daemon: docker-compose.yml validates,
# yields the right services per profile set, keeps secrets out of the
# repository and ports on loopback; the Dockerfile has the required structure;
# the Makefile's deployment targets for every mode combination run against
# stand-ins for docker, docker-compose and the binary (tests/deploy/modes.sh);
# the fresh-machine build (tests/deploy/fresh-build.sh); the app never reads
# *_MODE.
set -uo pipefail
unset MAKEFLAGS MFLAGS MAKELEVEL # a make that runs this suite must not leak its jobserver or flags
cd "$(dirname "$0")/../.."
pass=0 fail=0
ok()  { pass=$((pass+1)); echo "ok   $1"; }
bad() { fail=$((fail+1)); echo "FAIL $1"; [ -n "${2-}" ] && printf '    %s\n' "$2"; }
check() { local name=$1; shift; if "$@" >/tmp/deploy-check.$$ 2>&1; then ok "$name"; else bad "$name" "$(tail -5 /tmp/deploy-check.$$)"; fi; }

# ---- compose: validate and compute the active services per profile set
export POSTGRES_PASSWORD=deploy-suite QDRANT_API_KEY=deploy-suite-key AI_DOTENV=/nonexistent
active_services() { # $1 = COMPOSE_PROFILES value; compose semantics: no profile = always on
  COMPOSE_PROFILES=$1 docker-compose -f docker-compose.yml config 2>/dev/null | python3 -c '
import sys, yaml
cfg = yaml.safe_load(sys.stdin)
active = set(p for p in sys.argv[1].split(",") if p)
print(" ".join(sorted(n for n, s in cfg["services"].items()
                      if not s.get("profiles") or active & set(s["profiles"]))))' "$1"
}
for combo in ":" "postgres:postgres" "qdrant:qdrant" "app:app" "postgres,qdrant,app:app postgres qdrant"; do
  profiles=${combo%%:*} want=${combo#*:}
  got=$(active_services "$profiles")
  if [ "$got" = "$want" ]; then ok "compose profiles='$profiles' -> ${want:-nothing}"; else bad "compose profiles='$profiles'" "want '$want' got '$got'"; fi
done
check "compose config is valid" docker-compose -f docker-compose.yml config -q
# profile tls: Caddy (pinned) in front of the app; the app trusts forwarded
# addresses from Caddy's fixed address only, which Docker never hands out
got=$(active_services tls)
if [ "$got" = "app caddy" ]; then ok "compose profiles='tls' -> app caddy"; else bad "compose profiles='tls'" "want 'app caddy' got '$got'"; fi
check "tls profile: pinned Caddy, Caddyfile, TRUSTED_PROXIES = Caddy's fixed address" bash -c '
  c=$(COMPOSE_PROFILES=tls AUDIO_IDENT_DOMAIN=music.example.org docker-compose -f docker-compose.yml config)
  python3 - "$c" <<"PY"
import ipaddress, re, sys, yaml
cfg = yaml.safe_load(sys.argv[1])
caddy, app = cfg["services"]["caddy"], cfg["services"]["app"]
assert re.fullmatch(r"caddy:\d+\.\d+\.\d+(-alpine)?", caddy["image"]), caddy["image"]
assert caddy["environment"]["AUDIO_IDENT_DOMAIN"] == "music.example.org"
assert any(str(v).endswith(":/etc/caddy/Caddyfile:ro") for v in caddy["volumes"]) or \
    any(isinstance(v, dict) and v.get("target") == "/etc/caddy/Caddyfile" for v in caddy["volumes"])
addr = ipaddress.ip_address(caddy["networks"]["default"]["ipv4_address"])
assert app["environment"]["TRUSTED_PROXIES"] == str(addr), app["environment"]["TRUSTED_PROXIES"]
pool = cfg["networks"]["default"]["ipam"]["config"][0]
assert addr in ipaddress.ip_network(pool["subnet"])
assert addr not in ipaddress.ip_network(pool["ip_range"]), "Docker could give the address to another container"
PY
  grep -q "reverse_proxy app:17010" deploy/Caddyfile && grep -q "{\$AUDIO_IDENT_DOMAIN" deploy/Caddyfile'
for f in compose/*.yml; do
  check "compose config with $f is valid" docker-compose -f docker-compose.yml -f "$f" config -q
done
cfg=$(COMPOSE_PROFILES=postgres,qdrant,app docker-compose -f docker-compose.yml config 2>/dev/null)
check "postgres service: pinned image, db/user, healthcheck, volume" bash -c '
  grep -q "image: postgres:16\.[0-9]*-bookworm" <<<"$0" && grep -q "POSTGRES_DB: audio_ident" <<<"$0" &&
  grep -q "pg_isready" <<<"$0" && grep -q "pgdata" <<<"$0"' "$cfg"
check "qdrant service: pinned image, healthz, ports, its own API key" bash -c '
  grep -q "image: qdrant/qdrant:v1\.[0-9]*\.[0-9]*$" <<<"$0" && grep -q "/healthz" <<<"$0" &&
  grep -q "6334" <<<"$0" && grep -q "qdrant_data" <<<"$0" &&
  grep -q "QDRANT__SERVICE__API_KEY: deploy-suite-key" <<<"$0"' "$cfg"
check "no password or key in the repository's compose file" bash -c '
  ! grep -nE "^ *[A-Z_]*(PASSWORD|API_KEY): *[^$ ]" docker-compose.yml'
check "compose refuses to start without POSTGRES_PASSWORD / QDRANT_API_KEY" bash -c '
  o=$(env -u POSTGRES_PASSWORD docker-compose config 2>&1) && exit 1; grep -q "set POSTGRES_PASSWORD in .env" <<<"$o" &&
  o=$(env -u QDRANT_API_KEY docker-compose config 2>&1) && exit 1; grep -q "set QDRANT_API_KEY in .env" <<<"$o"'
check "every port is published on 127.0.0.1 unless PUBLISH_ADDR says otherwise" bash -c '
  [ $(grep -c "published:" <<<"$0") -eq 0 ] || exit 1
  # Caddy of the tls profile (ports 80/443) is public on purpose, on TLS_PUBLISH_ADDR
  c=$(COMPOSE_PROFILES=postgres,qdrant,app docker-compose config | grep -vE ":(80|443):(80|443)(/|$)")
  n=$(grep -cE "^ *- [0-9.]+:[0-9]+:[0-9]+" <<<"$c"); l=$(grep -cE "^ *- 127\.0\.0\.1:[0-9]+:[0-9]+" <<<"$c")
  [ "$n" -eq 4 ] && [ "$l" -eq 4 ] || exit 1
  c=$(PUBLISH_ADDR=0.0.0.0 COMPOSE_PROFILES=postgres,qdrant,app docker-compose config | grep -vE ":(80|443):(80|443)(/|$)")
  [ $(grep -cE "^ *- 0\.0\.0\.0:[0-9]+:[0-9]+" <<<"$c") -eq 4 ] || exit 1
  c=$(TLS_PUBLISH_ADDR=192.0.2.7 docker-compose config)
  [ $(grep -cE "^ *- 192\.0\.2\.7:(80|443):(80|443)" <<<"$c") -eq 3 ]' "$cfg"
check "ports follow POSTGRES_PORT / QDRANT_HTTP_PORT / APP_PORT" bash -c '
  c=$(POSTGRES_PORT=15432 QDRANT_HTTP_PORT=16333 APP_PORT=17777 COMPOSE_PROFILES=postgres,qdrant,app docker-compose config)
  grep -q "127.0.0.1:15432:5432" <<<"$c" && grep -q "127.0.0.1:16333:6333" <<<"$c" && grep -q "127.0.0.1:17777:17010" <<<"$c"'
check "app: URLs from APP_DATABASE_URL / APP_QDRANT_URL, music read-only under INGEST_ROOT, GIT_SHA build arg" bash -c '
  c=$(APP_DATABASE_URL=postgresql://x@postgres:5432/y APP_QDRANT_URL=http://qdrant:6333 MUSIC_DIR=/srv/m GIT_SHA=abc1234 docker-compose config)
  grep -q "DATABASE_URL: postgresql://x@postgres:5432/y" <<<"$c" && grep -q "QDRANT_URL: http://qdrant:6333" <<<"$c" &&
  grep -q "INGEST_ROOT: /music" <<<"$c" && grep -q "/srv/m:/music:ro" <<<"$c" && grep -q "GIT_SHA: abc1234" <<<"$c"'

# ---- Dockerfile structure
check "Dockerfile: multi-stage on a pinned Debian 12 point release" bash -c '[ $(grep -cE "^FROM debian:12\.[0-9]+-slim " Dockerfile) -eq 2 ]'
check "Dockerfile: runtime runs as a non-root USER" bash -c 'u=$(grep "^USER " Dockerfile | tail -1 | cut -d" " -f2); [ -n "$u" ] && [ "$u" != root ] && [ "$u" != 0 ]'
check "Dockerfile: HEALTHCHECK on /health follows PORT" grep -qF 'CMD curl -fsS "http://127.0.0.1:${PORT}/health"' Dockerfile
check "Dockerfile: version from the GIT_SHA build argument" bash -c 'grep -q "^ARG GIT_SHA=unknown" Dockerfile && grep -q "make .* bin GIT_SHA=\"\$GIT_SHA\"" Dockerfile'
check "Dockerfile: INGEST_ROOT is the music mount" grep -q "INGEST_ROOT=/music" Dockerfile
check "Dockerfile: runtime stage has no -dev packages" bash -c 'awk "/AS runtime/{r=1} r" Dockerfile | grep -q -- "-dev" && exit 1 || exit 0'
check "Dockerfile: binary copied from the build stage" grep -q "COPY --from=build .*audio-ident" Dockerfile
check ".dockerignore keeps .env (secrets) and .git out of the image" bash -c 'grep -qx ".env" .dockerignore && grep -qx ".git/" .dockerignore'

# ---- Makefile: every mode combination with stand-ins for docker, compose and the binary
bash tests/deploy/modes.sh >/tmp/deploy-modes.$$ 2>&1
while IFS= read -r line; do
  case $line in
    "ok   "*) ok "make: ${line#ok   }" ;;
    "FAIL "*) bad "make: ${line#FAIL }" ;;
    "    "*) echo "$line" ;;
  esac
done </tmp/deploy-modes.$$
grep -q " 0 failed$" /tmp/deploy-modes.$$ || grep -q "passed, [0-9]* failed$" /tmp/deploy-modes.$$ || bad "tests/deploy/modes.sh did not finish" "$(tail -3 /tmp/deploy-modes.$$)"
rm -f /tmp/deploy-modes.$$
out=$(make -s -n docker-up POSTGRES_MODE=cloud 2>&1); rc=$?
[ $rc -ne 0 ] && grep -q "POSTGRES_MODE must be embedded, docker or external (got 'cloud')" <<<"$out" \
  && ok "invalid mode -> clear error" || bad "invalid mode -> clear error" "$out"
out=$(env -u QDRANT_URL make -s -n dev QDRANT_MODE=external 2>&1); rc=$?
[ $rc -ne 0 ] && grep -q "QDRANT_MODE=external needs QDRANT_URL" <<<"$out" \
  && ok "external mode without URL -> clear error" || bad "external mode without URL" "$out"
out=$(make -s -n dev APP_MODE=docker 2>&1); rc=$?
[ $rc -ne 0 ] && grep -q "APP_MODE=docker runs the app in its container" <<<"$out" \
  && ok "make dev with APP_MODE=docker -> points to docker-up" || bad "dev with APP_MODE=docker" "$out"

# ---- fresh machine: `make run` / `make test` install packages, then build with their flags
check "fresh machine: make run builds with the flags of the packages deps installed" tests/deploy/fresh-build.sh run
check "fresh machine: make test builds with the flags of the packages deps installed" tests/deploy/fresh-build.sh test
out=$(make -s bin BUILD=/tmp/ai-nopkg.$$ PKG_CONFIG=false 2>&1); rc=$?
rm -rf /tmp/ai-nopkg.$$
[ $rc -ne 0 ] && grep -q "run 'make deps'" <<<"$out" && ! grep -q "No such file" <<<"$out" \
  && ok "build without the -dev packages stops with 'run make deps'" || bad "build without -dev packages" "$out"

# ---- the app never reads *_MODE
check "no *_MODE in the program sources" bash -c '! grep -rn "_MODE\"" src/'
if [ -n "${AI_BIN-}" ] && [ -x "$AI_BIN" ]; then
  d=$(mktemp -d)
  check "binary ignores POSTGRES_MODE/QDRANT_MODE" bash -c "cd $d && POSTGRES_MODE=bogus QDRANT_MODE=bogus '$AI_BIN' config | grep -q '^DATABASE_URL *sqlite:'"
  rm -rf "$d"
fi
rm -f /tmp/deploy-check.$$
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
