#!/usr/bin/env bash
# Bundlers (issue 16): esbuild bundles programs that use node-dgram (CommonJS and ES module),
# with its usual handling of native addons (--loader:.node=copy: the addon is copied beside the
# bundle and required from there; an ES module bundle gets `require` from createRequire in a
# banner), and each bundle runs from a directory of its own, sending
# datagrams over loopback. esbuild comes from the npm registry into npm/node-dgram/.tools-cache
# (git-ignored, reused). Needs the built addon (npm run build). Prints `N passed, N failed`.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
pkg="$(cd "$here/../.." && pwd)"
source "$here/cache.sh"
tools_cache_install
NODE="${NODE:-node}"

passed=0
failed=0
proj="$CACHE/esbuild-app"
rm -rf "$proj"
mkdir -p "$proj/node_modules"
ln -s "$pkg" "$proj/node_modules/node-dgram"
cp "$here/bundle-app.js" "$here/bundle-app.mjs" "$proj/"
for entry in bundle-app.js bundle-app.mjs; do
  # (An ES module bundle of CommonJS code gets `require` from a banner, esbuild's usual way.)
  banner=()
  case "$entry" in
    *.mjs) fmt=esm; ext=mjs; banner=("--banner:js=import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);") ;;
    *) fmt=cjs; ext=js ;;
  esac
  out="$proj/out-$fmt"
  if ! msg="$(cd "$proj" && "$CACHE/node_modules/.bin/esbuild" "$entry" --bundle --platform=node --format=$fmt \
      --loader:.node=copy --outdir="$out" --out-extension:.js=.$ext --log-level=warning "${banner[@]}" 2>&1)"; then
    echo "not ok - esbuild $fmt bundle"; echo "$msg" | sed 's/^/    /'; failed=$((failed + 1)); continue
  fi
  # Run it where nothing but the bundle's own directory is: no node_modules to fall back on.
  run="$(mktemp -d)"
  cp -r "$out/." "$run/"
  if res="$(cd "$run" && timeout 20 "$NODE" "./${entry%.*}.$ext" 2>&1)" && [[ "$res" == *ok* ]]; then
    echo "ok - esbuild $fmt bundle runs ($(ls "$run" | tr '\n' ' '))"
    passed=$((passed + 1))
  else
    echo "not ok - esbuild $fmt bundle runs"; echo "$res" | sed 's/^/    /'; failed=$((failed + 1))
  fi
  rm -rf "$run"
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
