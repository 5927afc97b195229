#!/usr/bin/env bash
# Bundlers (issue 16): `bun build --target=node` bundles programs that use node-dgram (the
# CommonJS bundle-app.js and the ES module bundle-app.mjs) with no configuration (the addon is
# emitted beside the bundle as an asset and required from there), and each bundle runs on Node
# from a directory of its own, sending datagrams both ways over loopback. Bun (the
# @oven/bun-linux-x64 package) comes from the npm registry into npm/node-dgram/.tools-cache
# (git-ignored, reused). Needs the built addon (npm run build). Prints `N passed, N failed`.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/cache.sh"
BUN="$CACHE/node_modules/@oven/bun-linux-x64/bin/bun"

bundle_project bun
for entry in bundle-app.js bundle-app.mjs; do
  ext="${entry##*.}"
  if ! msg="$(cd "$proj" && "$BUN" build "$entry" --target=node --outdir "out-$ext" --entry-naming "[dir]/[name].$ext" 2>&1)"; then
    bundle_failed "bun build $ext bundle" "$msg"; continue
  fi
  run_bundle "bun build $ext bundle" "$proj/out-$ext" "$entry"
done
bundle_summary
