#!/usr/bin/env bash
# Bundlers (issue 16): rspack (webpack's configuration, its usual native-addon handling:
# node-loader emits the addon beside the bundle and loads it from there; the platform packages
# not installed are externals) bundles a program that uses node-dgram, and the bundle runs from
# a directory of its own, sending datagrams both ways over loopback. rspack comes from the npm
# registry into npm/node-dgram/.tools-cache (git-ignored, reused). Needs the built addon (npm run
# build). Prints `N passed, N failed`.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/cache.sh"

bundle_project rspack
cp "$here/webpack-style.config.js" "$proj/rspack.config.js"
if ! msg="$(cd "$proj" && "$NODE" "$CACHE/node_modules/@rspack/cli/bin/rspack.js" build -c rspack.config.js 2>&1)"; then
  bundle_failed "rspack bundle" "$msg"
else
  run_bundle "rspack bundle" "$proj/out" bundle-app.js
fi
bundle_summary
