#!/usr/bin/env bash
# fresh-build.sh TARGET: runs `make TARGET` the way a fresh Debian machine
# would see it, with stand-ins on PATH and no real compiler work:
#   pkg-config  fails until the deps step has run (the -dev packages are
#               "missing"), then answers -I/fresh/include/postgresql / -lfresh
#   deps        the DEPS_INSTALL stand-in: "installs" them (creates a marker)
#   cc          records its arguments; writes empty objects and, for links,
#               an executable that logs how it was started
#   with-postgres / run-suites  run their command / do nothing
# Passes when make succeeds, every compile saw the pkg-config flags, every
# link saw the libraries, and the program was started. Prints what went wrong.
set -uo pipefail
unset MAKEFLAGS MFLAGS MAKELEVEL # a make that runs this suite must not leak its jobserver or flags
target=${1:?target}
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d /tmp/ai-fresh.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
shim=$tmp/bin
mkdir -p "$shim"
cat >"$shim/pkg-config" <<SH
#!/bin/sh
[ -e "$tmp/installed" ] || exit 1
case "\$1" in
  --cflags) echo "-I/fresh/include/postgresql" ;;
  --libs) echo "-lfresh" ;;
esac
exit 0
SH
cat >"$shim/deps" <<SH
#!/bin/sh
touch "$tmp/installed"
SH
cat >"$shim/cc" <<SH
#!/bin/sh
echo "\$*" >>"$tmp/cc.log"
out=
while [ \$# -gt 0 ]; do [ "\$1" = -o ] && out=\$2; shift; done
case "\$out" in
  *.o) : >"\$out" ;;
  *) printf '#!/bin/sh\necho "\$(basename "\$out") \$*" >>"$tmp/ran.log"\n' >"\$out"; chmod +x "\$out" ;;
esac
SH
printf '#!/bin/sh\nexec "$@"\n' >"$shim/with-postgres"
printf '#!/bin/sh\nexit 0\n' >"$shim/run-suites"
chmod +x "$shim"/*
out=$(make --no-print-directory "$target" BUILD="$tmp/build" CC="$shim/cc" PKG_CONFIG="$shim/pkg-config" \
      DEPS_INSTALL="$shim/deps" WITH_POSTGRES="$shim/with-postgres" RUN_SUITES="$shim/run-suites" 2>&1)
rc=$?
errs=
[ $rc -eq 0 ] || errs+="make $target failed ($rc): $(tail -3 <<<"$out"); "
[ -e "$tmp/installed" ] || errs+="the deps step did not run; "
if [ -s "$tmp/cc.log" ]; then
  nc=$(grep -c -- ' -c ' "$tmp/cc.log")
  bad=$(grep -- ' -c ' "$tmp/cc.log" | grep -vc -- '-I/fresh/include/postgresql')
  [ "$nc" -gt 0 ] && [ "$bad" -eq 0 ] || errs+="$bad of $nc compiles ran without the pkg-config flags; "
  grep -v -- ' -c ' "$tmp/cc.log" | grep -vq -- '-lfresh' && errs+="a link ran without the pkg-config libraries; "
else
  errs+="nothing was compiled; "
fi
[ -s "$tmp/ran.log" ] || errs+="the built program never ran; "
[ -z "$errs" ] && exit 0
echo "$errs"
exit 1
