#!/usr/bin/env bash
# dotenv-get.sh NAME DEFAULT: prints NAME from the environment, else from
# ./.env (last assignment, quotes stripped), else DEFAULT. Used by the
# Makefile for the deployment-mode variables, which the app never reads.
name=$1 def=${2-}
if [ -n "${!name+x}" ]; then printf '%s' "${!name}"; exit 0; fi
if [ -f .env ]; then
  v=$(sed -n -E "s/^[[:space:]]*(export[[:space:]]+)?${name}[[:space:]]*=[[:space:]]*//p" .env | tail -n 1 |
      sed -E 's/[[:space:]]+#.*$//; s/^"(.*)"$/\1/; s/^'"'"'(.*)'"'"'$/\1/')
  if [ -n "$v" ]; then printf '%s' "$v"; exit 0; fi
fi
printf '%s' "$def"
