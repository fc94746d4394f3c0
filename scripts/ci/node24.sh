# Source this (`. scripts/ci/node24.sh`): afterwards `node` is Node 24 or newer for the rest of the calling
# script, and so are npm, npx, jest and tsx, whose launchers start with `#!/usr/bin/env node`.
#
# When the machine's Node is older than 24 (these machines have Node 20), it takes the Node that .nvmrc pins
# from the npm registry: the package node-linux-<arch> carries the official binary (package/bin/node). The
# unpacked folder is kept in a cache (BOOKSTORE_NODE_CACHE, default ~/.cache/bookstore-node) and reused by
# later runs; the first run downloads about 50 MB (a few seconds here). npm itself stays the machine's npm.
# shellcheck shell=bash

bookstore_node24() {
  local root version major arch cache dir tmp current
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  version="$(tr -d '[:space:]' <"$root/.nvmrc")"
  version="${version#v}"
  if ! [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
    echo "node24: .nvmrc must hold a full version (24.x.y), not '$version'" >&2
    return 1
  fi
  major="${version%%.*}"

  current="$(node -p 'process.versions.node' 2>/dev/null || true)"
  if [[ -n "$current" && "${current%%.*}" -ge "$major" ]]; then
    echo "node24: the machine's Node $current is recent enough (.nvmrc pins $version)"
    return 0
  fi
  if ! command -v npm >/dev/null; then
    echo "node24: neither Node $major nor npm on PATH; install Node $version (see README, Requirements)" >&2
    return 1
  fi

  case "$(uname -m)" in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) echo "node24: no node-linux package for $(uname -m)" >&2; return 1 ;;
  esac
  [[ "$(uname -s)" == Linux ]] || { echo "node24: only Linux is handled here; install Node $version yourself" >&2; return 1; }

  cache="${BOOKSTORE_NODE_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/bookstore-node}"
  dir="$cache/node-v$version-linux-$arch"
  if [[ -x "$dir/bin/node" ]] && "$dir/bin/node" --version >/dev/null 2>&1; then
    echo "node24: the machine has Node ${current:-none}; using Node $version from the cache ($dir)"
  else
    echo "node24: the machine has Node ${current:-none}; fetching Node $version (npm package node-linux-$arch@$version) into $dir"
    mkdir -p "$cache"
    tmp="$(mktemp -d "$cache/.fetch.XXXXXX")"
    if ! (cd "$tmp" && npm pack --silent "node-linux-$arch@$version" >/dev/null &&
          tar -xzf "node-linux-$arch-$version.tgz" package/bin/node package/LICENSE); then
      rm -rf "$tmp"
      echo "node24: could not fetch node-linux-$arch@$version from the npm registry" >&2
      return 1
    fi
    # Publish the folder in one rename, so that a run cut off half-way leaves no broken cache behind.
    rm -rf "$dir"
    mv "$tmp/package" "$dir"
    rm -rf "$tmp"
  fi
  export PATH="$dir/bin:$PATH"
  hash -r
}

bookstore_node24 || return 1 2>/dev/null || exit 1
unset -f bookstore_node24
echo "node24: running on Node $(node --version) ($(command -v node)), npm $(npm --version)"
