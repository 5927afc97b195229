#!/usr/bin/env bash
# Bundlers (issue 16): @vercel/ncc compiles programs that use node-dgram (the CommonJS
# bundle-app.js and the ES module bundle-app.mjs) into one file each, with no configuration (its
# asset relocation emits the .node file beside the output and requires it from there). Each
# output runs from a directory of its own (no node_modules to fall back on), sending datagrams
# both ways over loopback. ncc comes from the npm registry into npm/node-dgram/.tools-cache
# (git-ignored, reused). Needs the built addon (npm run build). Prints `N passed, N failed`.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/cache.sh"

bundle_project ncc
for entry in bundle-app.js bundle-app.mjs; do
  ext="${entry##*.}"
  if ! msg="$(cd "$proj" && "$NODE" "$CACHE/node_modules/@vercel/ncc/dist/ncc/cli.js" build "$entry" -o "out-$ext" --quiet 2>&1)"; then
    bundle_failed "ncc $ext bundle" "$msg"; continue
  fi
  run_bundle "ncc $ext bundle" "$proj/out-$ext" "index.$ext"
done
bundle_summary
