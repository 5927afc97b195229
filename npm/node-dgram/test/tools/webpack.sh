#!/usr/bin/env bash
# Bundlers (issue 16): webpack bundles a program that uses node-dgram with its usual handling of
# native addons (node-loader: the addon is emitted beside the bundle and loaded from there; the
# platform packages not installed are externals), and
# the bundle runs from a directory of its own, sending datagrams both ways over loopback.
# webpack comes from the npm registry into npm/node-dgram/.tools-cache (git-ignored, reused).
# Needs the built addon (npm run build). Prints `N passed, N failed`.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/cache.sh"

bundle_project webpack
cp "$here/webpack-style.config.js" "$proj/webpack.config.js"
if ! msg="$(cd "$proj" && node "$CACHE/node_modules/webpack-cli/bin/cli.js" --config webpack.config.js 2>&1)"; then
  bundle_failed "webpack bundle" "$msg"
else
  run_bundle "webpack bundle" "$proj/out" bundle-app.js
fi
bundle_summary
