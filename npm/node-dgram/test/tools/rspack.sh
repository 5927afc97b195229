#!/usr/bin/env bash
# Bundlers (issue 16): rspack (webpack's configuration, its usual native-addon handling:
# node-loader emits the addon beside the bundle and loads it from there; the platform packages
# not installed are externals) bundles a program that uses node-dgram, and the bundle runs from
# a directory of its own, sending datagrams both ways over loopback. rspack comes from the npm
# registry into npm/node-dgram/.tools-cache (git-ignored, reused). Needs the built addon (npm run
# build). Prints `N passed, N failed`.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
pkg="$(cd "$here/../.." && pwd)"
source "$here/cache.sh"
tools_cache_install
NODE="${NODE:-node}"

passed=0
failed=0
proj="$CACHE/rspack-app"
rm -rf "$proj"
mkdir -p "$proj/node_modules"
ln -s "$pkg" "$proj/node_modules/node-dgram"
cp "$here/bundle-app.js" "$proj/"
cat > "$proj/rspack.config.js" <<'JS'
const path = require('path');
module.exports = {
  mode: 'production',
  target: 'node',
  entry: './bundle-app.js',
  output: { path: path.join(__dirname, 'out'), filename: 'bundle-app.js' },
  module: { rules: [{ test: /\.node$/, loader: 'node-loader', options: { name: '[name].[ext]' } }] },
  resolveLoader: { modules: [path.join(__dirname, '..', 'node_modules')] },
  node: { __dirname: false },
  // (The other platforms' prebuilt packages are not installed: left to run time, as usual.)
  externals: [/^node-dgram-linux-/],
};
JS
if ! msg="$(cd "$proj" && "$NODE" "$CACHE/node_modules/@rspack/cli/bin/rspack.js" build -c rspack.config.js 2>&1)"; then
  echo "not ok - rspack bundle"; echo "$msg" | sed 's/^/    /'; failed=$((failed + 1))
else
  run="$(mktemp -d)"
  cp -r "$proj/out/." "$run/"
  if res="$(cd "$run" && timeout 20 "$NODE" ./bundle-app.js 2>&1)" && [[ "$res" == *ok* ]]; then
    echo "ok - rspack bundle runs ($(ls "$run" | tr '\n' ' '))"
    passed=$((passed + 1))
  else
    echo "not ok - rspack bundle runs"; echo "$res" | sed 's/^/    /'; failed=$((failed + 1))
  fi
  rm -rf "$run"
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
