#!/usr/bin/env bash
# The container rehearsal: builds the four images (catalog, orders, payments, frontend) with podman and runs them
# as docker-compose.yml and ECS do, against PostgreSQL and an SNS/SQS emulator on loopback; places an order through
# the frontend's nginx and checks a worker's `docker stop`, the images' health checks and RDS CA bundle. It prints a
# summary and exits non-zero when a check fails. What it checks and how: rehearse.ts.
#
#   bash scripts/containers/rehearse.sh            build (layer cache permitting) and rehearse
#   bash scripts/containers/rehearse.sh --cold     first remove the built images and the stand-in base images
#   bash scripts/containers/rehearse.sh --no-build rehearse the images as they are
#   bash scripts/containers/rehearse.sh --clean    remove what an interrupted run (or REHEARSAL_KEEP=1) left, and exit
#
# On a fresh Debian machine it installs what it needs (podman, runc, debootstrap), uses its own podman settings
# (containers.conf beside this file, through CONTAINERS_CONF: /etc/containers is left alone) and makes the base
# images the Dockerfiles name when no registry has them (base-images.sh). Needs root and `npm ci` done.
# Idempotent: images and base images are kept between runs; containers and everything else it starts are removed.
# Bounded: every step has a timeout, the whole run REHEARSAL_TIMEOUT_SECONDS (default 3000).
# Docker instead of podman: the same images work with `docker build` / `docker compose up --build`; this script
# drives podman, which is what machines without a Docker engine (these) have.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
export CONTAINERS_CONF="$here/containers.conf"
started=$(date +%s)
log() { printf '[rehearsal] %s\n' "$*"; }

[ "$(id -u)" -eq 0 ] || { log "run as root: rootful podman, debootstrap, and a resolver on port 53"; exit 1; }
[ -x "$repo/node_modules/.bin/tsx" ] || { log "run npm ci at the repository root first"; exit 1; }

mode=""
args=()
for arg in "$@"; do
  case "$arg" in
    --cold | --clean) mode="${arg#--}" ;;
    --no-build) args+=("$arg") ;;
    *) log "unknown option $arg"; exit 2 ;;
  esac
done

# ---- tools
missing=()
command -v podman >/dev/null 2>&1 || missing+=(podman)
command -v runc >/dev/null 2>&1 || missing+=(runc)
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing ${missing[*]} (apt)"
  timeout 300 apt-get update -qq
  DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
log "podman $(podman version --format '{{.Client.Version}}'), runtime $(podman info --format '{{.Host.OCIRuntime.Name}}') (settings: ${CONTAINERS_CONF#"$repo/"})"

remove_containers() {
  local names
  names="$(podman ps -a --filter label=bookstore.rehearsal=1 --format '{{.Names}}')"
  if [ -n "$names" ]; then
    # shellcheck disable=SC2086
    timeout 120 podman rm --force --time 0 $names >/dev/null
    log "removed containers: $(echo $names)"
  fi
}

case "$mode" in
  clean)
    remove_containers
    # An embedded PostgreSQL or emulator that a killed run left behind lives in its own work folder.
    for dir in /var/tmp/bookstore-rehearsal-*; do
      [ -d "$dir" ] || continue
      if [ -f "$dir/postgres/data/postmaster.pid" ]; then
        pid="$(head -1 "$dir/postgres/data/postmaster.pid")"
        [ -n "$pid" ] && kill "$pid" 2>/dev/null && log "stopped the PostgreSQL of $dir (pid $pid)"
      fi
      rm -rf "$dir"
    done
    exit 0
    ;;
  cold)
    remove_containers
    for image in localhost/bookstore/catalog:local localhost/bookstore/orders:local localhost/bookstore/payments:local localhost/bookstore/frontend:local; do
      podman image exists "$image" && podman rmi --force "$image" >/dev/null
    done
    bash "$here/base-images.sh" --remove-stand-ins
    # The build stages' layers, now that no tagged image uses them.
    podman image prune --force >/dev/null
    log "--cold: removed the built images and the stand-in base images"
    ;;
esac

# ---- base images (pulled, or stand-ins made here)
base_started=$(date +%s)
bash "$here/base-images.sh"
log "base images ready in $(($(date +%s) - base_started)) s"

# ---- build, run, check, clean up
status=0
timeout --signal=TERM --kill-after=60 "${REHEARSAL_TIMEOUT_SECONDS:-3000}" "$repo/node_modules/.bin/tsx" "$here/rehearse.ts" "${args[@]}" || status=$?
[ "$status" -eq 124 ] && log "the rehearsal did not finish within ${REHEARSAL_TIMEOUT_SECONDS:-3000} s"
log "total $(($(date +%s) - started)) s"
exit "$status"
