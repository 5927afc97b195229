#!/usr/bin/env bash
# TypeScript (issue 16): a program written against @types/node's `dgram` (sample.ts, plus the ES
# module forms in sample-esm.mts and, with @types/node 24, bindSync/connectSync in
# sample-24.ts; the 'messages' extension's types in sample-batch.ts and, with 26,
# sample-batch-26.ts) type-checks unchanged against node-dgram with `tsc --strict`, current
# TypeScript (7) and TypeScript 5, and @types/node 20, 22, 24 and 26. TypeScript and @types/node come from the npm
# registry into npm/node-dgram/.tools-cache (git-ignored; installed once, then reused).
# Prints `N passed, N failed`; exits 1 on any type error.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
pkg="$(cd "$here/../.." && pwd)"
source "$here/cache.sh"
tools_cache_install

passed=0
failed=0
for v in 20 22 24 26; do
  proj="$CACHE/ts-types$v"
  rm -rf "$proj"
  mkdir -p "$proj/node_modules/@types"
  ln -s "$CACHE/node_modules/types$v" "$proj/node_modules/@types/node"
  ln -s "$pkg" "$proj/node_modules/node-dgram"
  files='"sample.ts", "sample-esm.mts", "sample-batch.ts"'
  [ "$v" -ge 24 ] && files="$files, \"sample-24.ts\""
  [ "$v" -ge 26 ] && files="$files, \"sample-batch-26.ts\""
  for f in sample.ts sample-esm.mts sample-24.ts sample-batch.ts sample-batch-26.ts; do cp "$here/$f" "$proj/$f"; done
  cat > "$proj/tsconfig.json" <<JSON
{
  "compilerOptions": {
    "strict": true, "noEmit": true, "target": "es2022", "lib": ["es2022"],
    "module": "nodenext", "moduleResolution": "nodenext", "esModuleInterop": true,
    "types": ["node"], "skipLibCheck": false, "noUnusedLocals": false
  },
  "files": [$files]
}
JSON
  ver="$(node -p "require('$CACHE/node_modules/types$v/package.json').version")"
  # The current TypeScript (7) and the last of the JavaScript compiler (5).
  for tsc in "node $CACHE/node_modules/typescript/bin/tsc" "node $CACHE/node_modules/ts5/bin/tsc"; do
    tsver="$($tsc --version)"
    if out="$(cd "$proj" && $tsc -p tsconfig.json 2>&1)"; then
      echo "ok - tsc --strict ($tsver) with @types/node $ver"
      passed=$((passed + 1))
    else
      echo "not ok - tsc --strict ($tsver) with @types/node $ver"
      echo "$out" | sed 's/^/    /'
      failed=$((failed + 1))
    fi
  done
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
