#!/usr/bin/env bash
# dotenv-get.sh NAME DEFAULT: prints NAME from the environment, else from
# the env file ${AI_DOTENV:-./.env} (last assignment; a value in matching
# single or double quotes is taken literally, an unquoted one ends at " #"),
# else DEFAULT. Used by the Makefile and scripts/mode-env.sh for the
# deployment variables, which the app never reads.
name=$1 def=${2-}
file=${AI_DOTENV:-.env}
if [ -n "${!name+x}" ]; then printf '%s' "${!name}"; exit 0; fi
if [ -f "$file" ]; then
  v=$(sed -n -E "s/^[[:space:]]*(export[[:space:]]+)?${name}[[:space:]]*=[[:space:]]*//p" "$file" | tail -n 1)
  case $v in
    \"*) v=${v#\"}; v=${v%%\"*} ;;
    \'*) v=${v#\'}; v=${v%%\'*} ;;
    *) v=$(sed -E 's/[[:space:]]+#.*$//; s/[[:space:]]+$//' <<<"$v") ;;
  esac
  if [ -n "$v" ]; then printf '%s' "$v"; exit 0; fi
fi
printf '%s' "$def"
