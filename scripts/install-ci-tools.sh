#!/usr/bin/env bash
# Debian packages the tests need beyond `npm ci`, for CI (.ci/run, Jenkinsfile, .github/workflows/ci.yml) and
# for a fresh machine:
#   docker-compose  Debian's v1.29: validates docker-compose.yml without a Docker engine (services/apphost/test/delivery-files)
#   nginx           `nginx -t` checks the frontend's generated nginx config (services/apphost/test/delivery-files)
#   chromium        the browser tests (frontend/e2e) drive it with playwright-core, which brings no browser
# Idempotent: installs only what is missing, and runs `apt-get update` once, only when something is.
set -euo pipefail

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
[ -x /usr/sbin/nginx ] || missing+=(nginx)
[ -x /usr/bin/chromium ] || missing+=(chromium)

if [ "${#missing[@]}" -eq 0 ]; then
  echo "ci tools: docker-compose, nginx and chromium are present"
  exit 0
fi

echo "ci tools: installing ${missing[*]}"
as_root apt-get update -qq
# A policy-rc.d that answers 101 keeps the nginx package from starting a server on this machine.
policy=/usr/sbin/policy-rc.d
created_policy=false
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | as_root tee "$policy" >/dev/null
  as_root chmod +x "$policy"
  created_policy=true
fi
status=0
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || status=$?
if [ "$created_policy" = true ]; then as_root rm -f "$policy"; fi
[ "$status" -eq 0 ] || { echo "ci tools: apt-get install ${missing[*]} failed" >&2; exit "$status"; }
echo "ci tools: installed ${missing[*]}"
