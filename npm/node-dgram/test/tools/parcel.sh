#!/usr/bin/env bash
# Bundlers (issue 16): Parcel 2 bundles programs that use node-dgram (the CommonJS bundle-app.js
# into a CommonJS bundle, the ES module bundle-app.mjs into an ES module bundle), configured as
# a user does for a Node program: package.json targets (custom ones, each named by a field with
# its output file) with `context: node` and `includeNodeModules: true`, so node-dgram is
# bundled. No plugin: Parcel's default pipeline (@parcel/transformer-node) emits the .node file
# beside the bundle as an asset, under a hashed name, and loads it from there (createRequire in
# the ES module bundle). (Parcel's ES module output turns a require of a builtin into an import:
# the package takes the namespace's default when require('node:events') is not the function
# itself (it was: "Object prototype may only be an Object or null: undefined"), and
# reads DEP0112's _createSocketHandle from the node:dgram object, not as a name, which Node 25+
# does not export ("does not provide an export named '_createSocketHandle'").) Each bundle runs
# from a directory of its own (no node_modules to fall back on), sending datagrams both ways
# over loopback. Parcel comes from the npm registry into npm/node-dgram/.tools-cache
# (git-ignored, reused). Needs the built addon (npm run build). Prints `N passed, N failed`.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/cache.sh"

bundle_project parcel
cat > "$proj/package.json" <<'JSON'
{
  "private": true,
  "name": "parcel-app",
  "engines": { "node": ">= 20" },
  "cjs": "out-cjs/bundle-app.js",
  "esm": "out-esm/bundle-app.mjs",
  "targets": {
    "cjs": { "source": "bundle-app.js", "context": "node", "outputFormat": "commonjs", "includeNodeModules": true },
    "esm": { "source": "bundle-app.mjs", "context": "node", "outputFormat": "esmodule", "includeNodeModules": true }
  }
}
JSON
for target in cjs esm; do
  entry=bundle-app.js
  [ "$target" = esm ] && entry=bundle-app.mjs
  # (Its cache in the project, which the next run starts afresh; no autoinstall: the network stays
  # loopback.)
  if ! msg="$(cd "$proj" && "$NODE" "$CACHE/node_modules/parcel/lib/bin.js" build --target "$target" \
      --cache-dir "$proj/.parcel-cache" --no-autoinstall --no-source-maps --log-level warn 2>&1)"; then
    bundle_failed "parcel $target bundle" "$msg"; continue
  fi
  run_bundle "parcel $target bundle" "$proj/out-$target" "$entry"
done
bundle_summary
