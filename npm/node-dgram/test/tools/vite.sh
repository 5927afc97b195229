#!/usr/bin/env bash
# Bundlers (issue 16): Vite (8, on rolldown) builds programs that use node-dgram for Node in SSR
# mode (`vite build` with `build.ssr` the entry, `ssr.noExternal: true` so node-dgram is bundled,
# `ssr.target: 'node'`): the CommonJS bundle-app.js into a CommonJS bundle, the ES module
# bundle-app.mjs into an ES module bundle. Vite has no handling of its own for a .node file (it
# fails: UNLOADABLE_DEPENDENCY, "stream did not contain valid UTF-8"), so the config adds the Rollup
# plugin Vite users add for native addons, rollup-plugin-natives (as in rollup.sh: the addon is
# copied into libs/ beside the bundle and required from there, createRequire in the ES module
# bundle), with `enforce: 'pre'` so that it sees the addon's require before Vite's own resolver.
# Two settings more than rollup.sh's: `emptyOutDir: false` (Vite empties the output directory
# after the plugin copied the addon into it), and `dlopen: true` for the CommonJS bundle (rolldown
# resolves the plugin's own `require('./libs/...')` again, through the plugin, and the build never
# ends; with dlopen the plugin loads the addon by a path it computes at run time). Each bundle
# runs from a directory of its own (no node_modules to fall back on), sending datagrams both ways
# over loopback. Vite comes from the npm registry into npm/node-dgram/.tools-cache (git-ignored,
# reused). Needs the built addon (npm run build). Prints `N passed, N failed`.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/cache.sh"

# (Inside the cache, so that the config's import finds the plugin in its node_modules.)
bundle_project vite
cat > "$proj/vite.config.mjs" <<'JS'
import natives from 'rollup-plugin-natives';

const format = process.env.FORMAT;
const out = `out-${format}`;
export default {
  logLevel: 'warn',
  ssr: { noExternal: true, target: 'node' },
  plugins: [
    { ...natives({ copyTo: `${out}/libs`, destDir: './libs', targetEsm: format === 'es', dlopen: format !== 'es' }), enforce: 'pre' },
  ],
  build: {
    ssr: format === 'es' ? 'bundle-app.mjs' : 'bundle-app.js',
    outDir: out,
    emptyOutDir: false,
    rolldownOptions: { output: { format, entryFileNames: format === 'es' ? '[name].mjs' : '[name].js' } },
  },
};
JS
for format in cjs es; do
  entry=bundle-app.js
  [ "$format" = es ] && entry=bundle-app.mjs
  # (A build that hangs, as the CommonJS one does without dlopen, fails after 120 s.)
  if ! msg="$(cd "$proj" && FORMAT=$format timeout 120 "$NODE" "$CACHE/node_modules/vite/bin/vite.js" build -c vite.config.mjs 2>&1)"; then
    bundle_failed "vite $format bundle" "$msg"; continue
  fi
  run_bundle "vite $format bundle" "$proj/out-$format" "$entry"
done
bundle_summary
