#!/usr/bin/env bash
# Deployment checks that need no Docker daemon: docker-compose.yml validates and
# yields the right services per profile set, the Dockerfile has the required
# structure, the Makefile's mode logic (make -n) for all 9 mode combinations,
# the fresh-machine build (tests/deploy/fresh-build.sh) and that the app never
# reads *_MODE.
set -uo pipefail
cd "$(dirname "$0")/../.."
pass=0 fail=0
ok()  { pass=$((pass+1)); echo "ok   $1"; }
bad() { fail=$((fail+1)); echo "FAIL $1"; [ -n "${2-}" ] && printf '    %s\n' "$2"; }
check() { local name=$1; shift; if "$@" >/tmp/deploy-check.$$ 2>&1; then ok "$name"; else bad "$name" "$(tail -5 /tmp/deploy-check.$$)"; fi; }

# ---- compose: validate and compute the active services per profile set
active_services() { # $1 = COMPOSE_PROFILES value; compose semantics: no profile = always on
  COMPOSE_PROFILES=$1 docker-compose -f docker-compose.yml config 2>/dev/null | python3 -c '
import sys, yaml
cfg = yaml.safe_load(sys.stdin)
active = set(p for p in sys.argv[1].split(",") if p)
print(" ".join(sorted(n for n, s in cfg["services"].items()
                      if not s.get("profiles") or active & set(s["profiles"]))))' "$1"
}
for combo in ":app" "postgres:app postgres" "qdrant:app qdrant" "postgres,qdrant:app postgres qdrant"; do
  profiles=${combo%%:*} want=${combo#*:}
  got=$(active_services "$profiles")
  if [ "$got" = "$want" ]; then ok "compose profiles='$profiles' -> $want"; else bad "compose profiles='$profiles'" "want '$want' got '$got'"; fi
done
check "compose config is valid" docker-compose -f docker-compose.yml config -q
cfg=$(COMPOSE_PROFILES=postgres,qdrant docker-compose -f docker-compose.yml config 2>/dev/null)
check "postgres service: image, db/user, healthcheck, volume" bash -c '
  grep -q "image: postgres:16" <<<"$0" && grep -q "POSTGRES_DB: audio_ident" <<<"$0" &&
  grep -q "pg_isready" <<<"$0" && grep -q "pgdata" <<<"$0"' "$cfg"
check "qdrant service: pinned image, healthz, ports" bash -c '
  grep -q "image: qdrant/qdrant:v1.16.3" <<<"$0" && grep -q "/healthz" <<<"$0" &&
  grep -q "6334" <<<"$0" && grep -q "qdrant_data" <<<"$0"' "$cfg"
check "ports follow POSTGRES_PORT / QDRANT_HTTP_PORT" bash -c '
  c=$(POSTGRES_PORT=15432 QDRANT_HTTP_PORT=16333 COMPOSE_PROFILES=postgres,qdrant docker-compose config)
  grep -q "15432" <<<"$c" && grep -q "16333" <<<"$c"'
check "app gets URLs from APP_DATABASE_URL / APP_QDRANT_URL" bash -c '
  c=$(APP_DATABASE_URL=postgresql://x@postgres:5432/y APP_QDRANT_URL=http://qdrant:6333 docker-compose config)
  grep -q "DATABASE_URL: postgresql://x@postgres:5432/y" <<<"$c" && grep -q "QDRANT_URL: http://qdrant:6333" <<<"$c"'

# ---- Dockerfile structure
check "Dockerfile: multi-stage on debian:bookworm-slim" bash -c '[ $(grep -c "^FROM debian:bookworm-slim" Dockerfile) -eq 2 ]'
check "Dockerfile: runtime runs as a non-root USER" bash -c 'u=$(grep "^USER " Dockerfile | tail -1 | cut -d" " -f2); [ -n "$u" ] && [ "$u" != root ] && [ "$u" != 0 ]'
check "Dockerfile: HEALTHCHECK on /health" grep -q "^HEALTHCHECK.*" Dockerfile
check "Dockerfile: health check calls /health" grep -q "127.0.0.1:17010/health" Dockerfile
check "Dockerfile: runtime stage has no -dev packages" bash -c 'awk "/AS runtime/{r=1} r" Dockerfile | grep -q -- "-dev" && exit 1 || exit 0'
check "Dockerfile: binary copied from the build stage" grep -q "COPY --from=build .*audio-ident" Dockerfile

# ---- Makefile mode logic: all 9 combinations, dry runs
for pm in embedded docker external; do
  for qm in embedded docker external; do
    out=$(make -s -n docker-up dev POSTGRES_MODE=$pm QDRANT_MODE=$qm \
          DATABASE_URL=postgresql://ext@db.example/x QDRANT_URL=https://q.example:6333 2>&1)
    want_svcs=""; [ $pm = docker ] && want_svcs="postgres"; [ $qm = docker ] && want_svcs="$want_svcs qdrant"
    want_svcs=$(echo $want_svcs)
    errs=""
    if [ -n "$want_svcs" ]; then
      grep -q "docker-compose up -d $want_svcs\$" <<<"$out" || errs+="compose up line missing; "
      grep -q "compose-wait.sh [0-9]* $want_svcs\$" <<<"$out" || errs+="health wait missing; "
    else
      grep -q "docker-compose up" <<<"$out" && errs+="compose started with no docker mode; "
    fi
    serve=$(grep "audio-ident serve" <<<"$out")
    case $pm in
      embedded) grep -q "DATABASE_URL=" <<<"$serve" && errs+="embedded pg got a DATABASE_URL; " ;;
      docker)   grep -q "DATABASE_URL='postgresql://audio_ident:audio_ident@127.0.0.1:5432/audio_ident'" <<<"$serve" || errs+="docker pg URL; " ;;
      external) grep -q "DATABASE_URL='postgresql://ext@db.example/x'" <<<"$serve" || errs+="external pg URL; " ;;
    esac
    case $qm in
      embedded) grep -q "QDRANT_URL=" <<<"$serve" && errs+="embedded qdrant got a URL; " ;;
      docker)   grep -q "QDRANT_URL='http://127.0.0.1:6333'" <<<"$serve" || errs+="docker qdrant URL; " ;;
      external) grep -q "QDRANT_URL='https://q.example:6333'" <<<"$serve" || errs+="external qdrant URL; " ;;
    esac
    [ -z "$errs" ] && ok "make modes POSTGRES_MODE=$pm QDRANT_MODE=$qm" || bad "make modes $pm/$qm" "$errs"
  done
done
out=$(make -s -n docker-up POSTGRES_MODE=cloud 2>&1); rc=$?
[ $rc -ne 0 ] && grep -q "POSTGRES_MODE must be embedded, docker or external (got 'cloud')" <<<"$out" \
  && ok "invalid mode -> clear error" || bad "invalid mode -> clear error" "$out"
out=$(env -u QDRANT_URL make -s -n dev QDRANT_MODE=external 2>&1); rc=$?
[ $rc -ne 0 ] && grep -q "QDRANT_MODE=external needs QDRANT_URL" <<<"$out" \
  && ok "external mode without URL -> clear error" || bad "external mode without URL" "$out"

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
