#!/usr/bin/env bash
# Bundlers (issue 16): rollup bundles programs that use node-dgram (the CommonJS bundle-app.js
# and the ES module bundle-app.mjs), configured as a user does for a package with a native
# addon: @rollup/plugin-node-resolve, @rollup/plugin-commonjs (defaults) and
# rollup-plugin-natives (copies the .node file beside the bundle, into libs/, and requires it
# from there; createRequire for the ES module output). Each bundle runs from a directory of its
# own (no node_modules to fall back on), sending datagrams both ways over loopback. rollup and
# its plugins come from the npm registry into npm/node-dgram/.tools-cache (git-ignored,
# reused). Needs the built addon (npm run build). Prints `N passed, N failed`.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/cache.sh"

# (Inside the cache, so that the config's imports find the plugins in its node_modules.)
bundle_project rollup
cat > "$proj/rollup.config.mjs" <<'JS'
import commonjs from '@rollup/plugin-commonjs';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import natives from 'rollup-plugin-natives';

const format = process.env.FORMAT;
const out = `out-${format}`;
export default {
  input: format === 'es' ? 'bundle-app.mjs' : 'bundle-app.js',
  output: { dir: out, format, entryFileNames: format === 'es' ? '[name].mjs' : '[name].js' },
  plugins: [
    natives({ copyTo: `${out}/libs`, destDir: './libs', targetEsm: format === 'es' }),
    nodeResolve({ exportConditions: ['node'], preferBuiltins: true }),
    commonjs(),
  ],
};
JS
for format in cjs es; do
  entry=bundle-app.js
  [ "$format" = es ] && entry=bundle-app.mjs
  # (Warnings name the other platforms' prebuilt packages, not installed: left to run time.)
  if ! msg="$(cd "$proj" && FORMAT=$format "$NODE" "$CACHE/node_modules/rollup/dist/bin/rollup" -c rollup.config.mjs --silent 2>&1)"; then
    bundle_failed "rollup $format bundle" "$msg"; continue
  fi
  run_bundle "rollup $format bundle" "$proj/out-$format" "$entry"
done
bundle_summary
