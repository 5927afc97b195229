#!/usr/bin/env bash
# Bundlers (issue 16): esbuild bundles programs that use node-dgram (CommonJS and ES module),
# with its usual handling of native addons (--loader:.node=copy: the addon is copied beside the
# bundle and required from there; an ES module bundle gets `require` from createRequire in a
# banner), and each bundle runs from a directory of its own, sending
# datagrams over loopback. esbuild comes from the npm registry into npm/node-dgram/.tools-cache
# (git-ignored, reused). Needs the built addon (npm run build). Prints `N passed, N failed`.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/cache.sh"

bundle_project esbuild
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
    bundle_failed "esbuild $fmt bundle" "$msg"; continue
  fi
  run_bundle "esbuild $fmt bundle" "$out" "${entry%.*}.$ext"
done
bundle_summary
