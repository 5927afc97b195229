#!/usr/bin/env bash
# Bundlers (issue 16): @vercel/ncc compiles programs that use node-dgram (the CommonJS
# bundle-app.js and the ES module bundle-app.mjs) into one file each, with no configuration (its
# asset relocation emits the .node file beside the output and requires it from there). Each
# output runs from a directory of its own (no node_modules to fall back on), sending datagrams
# both ways over loopback. ncc comes from the npm registry into npm/node-dgram/.tools-cache
# (git-ignored, reused). Needs the built addon (npm run build). Prints `N passed, N failed`.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
pkg="$(cd "$here/../.." && pwd)"
source "$here/cache.sh"
tools_cache_install
NODE="${NODE:-node}"

passed=0
failed=0
proj="$CACHE/ncc-app"
rm -rf "$proj"
mkdir -p "$proj/node_modules"
ln -s "$pkg" "$proj/node_modules/node-dgram"
cp "$here/bundle-app.js" "$here/bundle-app.mjs" "$proj/"
for entry in bundle-app.js bundle-app.mjs; do
  ext="${entry##*.}"
  if ! msg="$(cd "$proj" && "$NODE" "$CACHE/node_modules/@vercel/ncc/dist/ncc/cli.js" build "$entry" -o "out-$ext" --quiet 2>&1)"; then
    echo "not ok - ncc $ext bundle"; echo "$msg" | sed 's/^/    /'; failed=$((failed + 1)); continue
  fi
  run="$(mktemp -d)"
  cp -r "$proj/out-$ext/." "$run/"
  if res="$(cd "$run" && timeout 20 "$NODE" "./index.$ext" 2>&1)" && [[ "$res" == *ok* ]]; then
    echo "ok - ncc $ext bundle runs ($(cd "$run" && find . -type f | sort | tr '\n' ' '))"
    passed=$((passed + 1))
  else
    echo "not ok - ncc $ext bundle runs"; echo "$res" | sed 's/^/    /'; failed=$((failed + 1))
  fi
  rm -rf "$run"
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
