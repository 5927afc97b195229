# Sourced by the tools tests: the cache of tools from the npm registry (TypeScript 7 and 5,
# @types/node 20/22/24/26, esbuild, webpack, rollup and its plugins, @vercel/ncc, rspack, Bun,
# Parcel, Vite) in npm/node-dgram/.tools-cache, git-ignored. Installed once; a fresh machine installs it with
# npm from the registry, later runs reuse it (delete the directory to take newer versions).
CACHE="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/.tools-cache"
# The package under test, and the Node that runs the bundles.
pkg="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
NODE="${NODE:-node}"
TOOLS_SPEC=(typescript@7 ts5@npm:typescript@5 esbuild@0.28 types20@npm:@types/node@20 types22@npm:@types/node@22 types24@npm:@types/node@24 types26@npm:@types/node@26 webpack@5 webpack-cli@6 node-loader@2 rollup@4.68.8 @rollup/plugin-commonjs@29.0.3 @rollup/plugin-node-resolve@16.0.3 rollup-plugin-natives@0.7.8 @vercel/ncc@0.45.0 @rspack/cli@2.2.8 @rspack/core@2.3.2 @oven/bun-linux-x64@1.4.5 parcel@2.16.4 vite@8.4.1)
tools_cache_install() {
  local stamp="$CACHE/.installed"
  local want="${TOOLS_SPEC[*]}"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -f "$CACHE/node_modules/typescript/bin/tsc" ]; then return 0; fi
  echo "tools: installing ${TOOLS_SPEC[*]} from the npm registry into $CACHE" >&2
  mkdir -p "$CACHE"
  [ -f "$CACHE/package.json" ] || echo '{ "private": true, "name": "node-dgram-tools-cache" }' > "$CACHE/package.json"
  (cd "$CACHE" && npm install --no-audit --no-fund --silent "${TOOLS_SPEC[@]}" >/dev/null) || { echo "tools: npm install failed" >&2; return 1; }
  echo "$want" > "$stamp"
}

# The bundler tests' common steps. bundle_project NAME: the tools installed, then a fresh
# project $proj in the cache
# ($CACHE/NAME-app) with node-dgram linked into its node_modules and the two sample programs;
# the counts start at 0. bundle_failed LABEL TEXT: a `not ok` with the tool's output. run_bundle
# LABEL DIR ENTRY: runs ENTRY of the bundle in DIR from a directory of its own (no node_modules
# to fall back on) and expects its `ok` (datagrams both ways over loopback). bundle_summary: the
# counts, and the exit status.
bundle_project() {
  tools_cache_install || exit 1
  passed=0
  failed=0
  proj="$CACHE/$1-app"
  rm -rf "$proj"
  mkdir -p "$proj/node_modules"
  ln -s "$pkg" "$proj/node_modules/node-dgram"
  cp "$here/bundle-app.js" "$here/bundle-app.mjs" "$proj/"
}
bundle_failed() {
  echo "not ok - $1"
  echo "$2" | sed 's/^/    /'
  failed=$((failed + 1))
}
run_bundle() {
  local label="$1" dir="$2" entry="$3" run res
  run="$(mktemp -d)"
  cp -r "$dir/." "$run/"
  if res="$(cd "$run" && timeout 20 "$NODE" "./$entry" 2>&1)" && [[ "$res" == *ok* ]]; then
    echo "ok - $label runs ($(cd "$run" && find . -type f | sort | tr '\n' ' '))"
    passed=$((passed + 1))
  else
    bundle_failed "$label runs" "$res"
  fi
  rm -rf "$run"
}
bundle_summary() {
  echo "$passed passed, $failed failed"
  [ "$failed" = 0 ]
}
