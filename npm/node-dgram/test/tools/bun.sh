#!/usr/bin/env bash
# Bundlers (issue 16): `bun build --target=node` bundles programs that use node-dgram (the
# CommonJS bundle-app.js and the ES module bundle-app.mjs) with no configuration (the addon is
# emitted beside the bundle as an asset and required from there), and each bundle runs on Node
# from a directory of its own, sending datagrams both ways over loopback. Bun (the
# @oven/bun-linux-x64 package) comes from the npm registry into npm/node-dgram/.tools-cache
# (git-ignored, reused). Needs the built addon (npm run build). Prints `N passed, N failed`.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
pkg="$(cd "$here/../.." && pwd)"
source "$here/cache.sh"
tools_cache_install
NODE="${NODE:-node}"
BUN="$CACHE/node_modules/@oven/bun-linux-x64/bin/bun"

passed=0
failed=0
proj="$CACHE/bun-app"
rm -rf "$proj"
mkdir -p "$proj/node_modules"
ln -s "$pkg" "$proj/node_modules/node-dgram"
cp "$here/bundle-app.js" "$here/bundle-app.mjs" "$proj/"
for entry in bundle-app.js bundle-app.mjs; do
  ext="${entry##*.}"
  if ! msg="$(cd "$proj" && "$BUN" build "$entry" --target=node --outdir "out-$ext" --entry-naming "[dir]/[name].$ext" 2>&1)"; then
    echo "not ok - bun build $ext bundle"; echo "$msg" | sed 's/^/    /'; failed=$((failed + 1)); continue
  fi
  run="$(mktemp -d)"
  cp -r "$proj/out-$ext/." "$run/"
  if res="$(cd "$run" && timeout 20 "$NODE" "./$entry" 2>&1)" && [[ "$res" == *ok* ]]; then
    echo "ok - bun build $ext bundle runs ($(ls "$run" | tr '\n' ' '))"
    passed=$((passed + 1))
  else
    echo "not ok - bun build $ext bundle runs"; echo "$res" | sed 's/^/    /'; failed=$((failed + 1))
  fi
  rm -rf "$run"
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
