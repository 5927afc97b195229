#!/usr/bin/env bash
# Leak check of the native addon (node_dgram.node), in one command:
#
#   bash npm/node-dgram/test/leaks.sh            # valgrind check + soak check
#
# 1. Leak checker: runs test/leak-workload.js (loopback only: sockets made and closed bound and
#    unbound, a few thousand datagrams in every message form, connect/disconnect, EADDRINUSE,
#    failing custom lookups, closes with queued sends, unref'd sockets; then everything closes,
#    global.gc() runs and Node exits on its own so that its environment and the addon's
#    finalizers are torn down) under valgrind memcheck (default) or LeakSanitizer (--tool lsan:
#    liblsan preloaded into the system node; seconds instead of a minute). Node's own allocations
#    are noise: the log is parsed and only leak records whose allocation stack has a frame of the
#    addon (node_dgram_napi / node_dgram symbols, node_dgram.node / libnode_dgram_napi.so, the
#    repository's crates/ sources, napi_register_module_v1) are counted. Prints
#      leaks: definitely lost in node-dgram frames: B bytes in K blocks (valgrind, N datagrams, M sockets)
#    and, when B > 0, each allocation site with its stack. Fails when B > 0.
# 2. Soak: a normal run (no checker) of 200,000 datagrams and 5,000 sockets, in a warm-up and two
#    equal rounds; prints descriptors (/proc/self/fd) and RSS at start, after the warm-up and after
#    each round. Fails when descriptors grow.
#
# Options:
#   --tool valgrind|lsan|both   the leak checker (default valgrind)
#   --no-soak | --soak-only     skip the soak, or run only it
#   --datagrams N --sockets M   sizes of the checked run (default 3000 and 340)
#   --soak-datagrams N --soak-sockets M   sizes of the soak (default 200000 and 5000)
#   --build                     rebuild the addon first (npm run build); it is built anyway when missing
#   --keep                      keep the logs (they are kept anyway on failure)
# Environment: NODE=/path/to/node (default: node on PATH).
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
pkg="$(cd "$here/.." && pwd)"
root="$(cd "$pkg/../.." && pwd)"
NODE="${NODE:-node}"

tool=valgrind
soak=1
check=1
dg=3000
socks=340
soak_dg=200000
soak_socks=5000
build=0
keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --tool) tool="$2"; shift ;;
    --no-soak) soak=0 ;;
    --soak-only) check=0 ;;
    --datagrams) dg="$2"; shift ;;
    --sockets) socks="$2"; shift ;;
    --soak-datagrams) soak_dg="$2"; shift ;;
    --soak-sockets) soak_socks="$2"; shift ;;
    --build) build=1 ;;
    --keep) keep=1 ;;
    -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "leaks.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
case "$tool" in valgrind|lsan|both) ;; *) echo "leaks.sh: --tool valgrind|lsan|both" >&2; exit 2 ;; esac

if [ "$build" = 1 ] || [ ! -f "$pkg/node_dgram.node" ]; then
  (cd "$pkg" && npm run build) || { echo "leaks.sh: build failed" >&2; exit 1; }
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/node-dgram-leaks.XXXXXX")"
failed=0

# ---- the log parser: leak records with a frame of ours ----
cat >"$work/parse.js" <<'EOF'
'use strict';
// node parse.js <valgrind|lsan> <log...>: sums the leak records whose allocation stack has a
// frame of the addon; prints JSON {definite:{bytes,blocks}, indirect:{...}, other:{...}, sites:[...]}.
const fs = require('fs');
const [kind, ...logs] = process.argv.slice(2);
const root = process.env.LEAKS_ROOT || '';
const OURS = [/node_dgram/, /napi_register_module_v1/];
if (root) OURS.push(new RegExp(`${root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/crates/`));
const ours = (frame) => OURS.some((r) => r.test(frame));
const num = (s) => Number(String(s).replace(/,/g, ''));

const records = [];
for (const log of logs) {
  let cur = null;
  for (let line of fs.readFileSync(log, 'utf8').split('\n')) {
    if (kind === 'valgrind') {
      line = line.replace(/^==\d+==\s?/, '');
      const m = line.match(
        /^([\d,]+) (?:\(([\d,]+) direct, ([\d,]+) indirect\) )?bytes in ([\d,]+) blocks are (definitely|indirectly|possibly) lost/,
      );
      if (m) {
        cur = { kind: m[5] === 'definitely' ? 'definite' : m[5] === 'indirectly' ? 'indirect' : 'possible',
          bytes: num(m[2] !== undefined ? m[2] : m[1]), blocks: num(m[4]), stack: [] };
        records.push(cur);
        continue;
      }
      if (cur && /^\s*(at|by) 0x/.test(line)) cur.stack.push(line.trim().replace(/^(at|by) 0x[0-9A-Fa-f]+: /, ''));
      else cur = null;
    } else {
      const m = line.match(/^(Direct|Indirect) leak of (\d+) byte\(s\) in (\d+) object\(s\) allocated from:/);
      if (m) {
        cur = { kind: m[1] === 'Direct' ? 'definite' : 'indirect', bytes: +m[2], blocks: +m[3], stack: [] };
        records.push(cur);
        continue;
      }
      if (cur && /^\s*#\d+ /.test(line)) cur.stack.push(line.trim().replace(/^#\d+ 0x[0-9a-f]+ in /, ''));
      else cur = null;
    }
  }
}
const sum = () => ({ bytes: 0, blocks: 0 });
const out = { definite: sum(), indirect: sum(), other: sum(), records: records.length, sites: [] };
const sites = new Map();
for (const r of records) {
  if (r.kind === 'possible') continue;
  const first = r.stack.findIndex(ours);
  if (first < 0) {
    if (r.kind === 'definite') {
      out.other.bytes += r.bytes;
      out.other.blocks += r.blocks;
    }
    continue;
  }
  out[r.kind].bytes += r.bytes;
  out[r.kind].blocks += r.blocks;
  // A site: the allocation frames down to the second frame of ours (past an inlined helper such
  // as Env::reference, to its caller), source lines kept.
  let second = r.stack.findIndex((f, i) => i > first && ours(f));
  if (second < 0) second = first;
  const key = `${r.kind}|${r.stack.slice(0, second + 1).join('|')}`;
  const s = sites.get(key) || { kind: r.kind, bytes: 0, blocks: 0, records: 0, stack: r.stack.slice(0, second + 4) };
  s.bytes += r.bytes;
  s.blocks += r.blocks;
  s.records++;
  sites.set(key, s);
}
out.sites = [...sites.values()].sort((a, b) => b.bytes - a.bytes);
console.log(JSON.stringify(out));
EOF

# ---- suppressions: Node's own noise that cannot involve the addon ----
cat >"$work/node-noise.supp" <<'EOF'
# V8's conservative stack scan reads uninitialised stack slots by design.
{
   v8-conservative-stack-scan-cond
   Memcheck:Cond
   ...
   fun:*IteratePointersInStack*
}
{
   v8-conservative-stack-scan-value8
   Memcheck:Value8
   ...
   fun:*IteratePointersInStack*
}
# Allocations of Node's per-process start-up, made before any addon is loaded.
{
   node-per-process-init
   Memcheck:Leak
   match-leak-kinds: definite,indirect,possible
   ...
   fun:*InitializeOncePerProcess*
}
# Thread-local storage of threads still running at exit (libuv's and V8's workers).
{
   thread-tls
   Memcheck:Leak
   match-leak-kinds: possible
   ...
   fun:_dl_allocate_tls
}
EOF

workload_json() { # the workload's last `leak-workload: {json}` line from $1
  grep -o 'leak-workload: {.*}' "$1" | tail -1 | sed 's/^leak-workload: //'
}
jget() { # jget '<json>' 'expr on j'
  "$NODE" -e 'const j = JSON.parse(process.argv[1]); const v = eval(process.argv[2]); console.log(v === undefined ? "" : v);' "$1" "$2"
}

report() { # report <tool> <parsed json> <workload json>
  local name="$1" parsed="$2" wl="$3"
  local bytes blocks ib ibl ob obl n m
  bytes=$(jget "$parsed" 'j.definite.bytes'); blocks=$(jget "$parsed" 'j.definite.blocks')
  ib=$(jget "$parsed" 'j.indirect.bytes'); ibl=$(jget "$parsed" 'j.indirect.blocks')
  ob=$(jget "$parsed" 'j.other.bytes'); obl=$(jget "$parsed" 'j.other.blocks')
  n=$(jget "$wl" 'j.datagramsSent'); m=$(jget "$wl" 'j.sockets')
  echo "leaks: definitely lost in node-dgram frames: $bytes bytes in $blocks blocks ($name, $n datagrams, $m sockets)"
  echo "leaks:   indirectly lost in node-dgram frames: $ib bytes in $ibl blocks; definitely lost elsewhere (Node itself, not counted): $ob bytes in $obl blocks"
  if [ "$bytes" != 0 ] || [ "$ib" != 0 ]; then
    "$NODE" -e '
      const j = JSON.parse(process.argv[1]);
      for (const s of j.sites) {
        console.log(`leaks:   ${s.kind} ${s.bytes} bytes in ${s.blocks} blocks (${s.records} records), allocated at:`);
        for (const f of s.stack) console.log(`leaks:       ${f}`);
      }' "$parsed"
    return 1
  fi
  return 0
}

run_valgrind() {
  command -v valgrind >/dev/null || { echo "leaks.sh: valgrind not found" >&2; return 1; }
  local log="$work/valgrind.log" out="$work/valgrind.out"
  echo "leaks.sh: valgrind $(valgrind --version | sed 's/valgrind-//'), $("$NODE" --version): $dg datagrams, $socks sockets (about a minute)..."
  (cd "$pkg" && valgrind --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite \
    --suppressions="$work/node-noise.supp" --num-callers=50 --fullpath-after= --log-file="$log" \
    "$NODE" --expose-gc test/leak-workload.js --mode valgrind --datagrams "$dg" --sockets "$socks") >"$out" 2>&1
  local rc=$?
  local wl; wl="$(workload_json "$out")"
  if [ $rc -ne 0 ] || [ -z "$wl" ] || ! grep -q 'LEAK SUMMARY\|All heap blocks were freed' "$log"; then
    echo "leaks.sh: the workload under valgrind failed (exit $rc); see $out and $log" >&2
    tail -20 "$out" >&2
    return 1
  fi
  local parsed; parsed="$(LEAKS_ROOT="$root" "$NODE" "$work/parse.js" valgrind "$log")"
  echo "leaks.sh: valgrind: $(grep -E 'definitely lost:|ERROR SUMMARY' "$log" | sed 's/^==[0-9]*== *//' | tr -s ' ' | paste -sd ';' -)"
  report valgrind "$parsed" "$wl"
}

run_lsan() {
  local lib
  lib="$(gcc -print-file-name=liblsan.so 2>/dev/null)"
  [ -f "$lib" ] || lib="$(ls /usr/lib/*/liblsan.so* /usr/lib*/liblsan.so* 2>/dev/null | head -1)"
  if [ -z "$lib" ] || [ ! -f "$lib" ]; then
    echo "leaks.sh: liblsan not found (install libgcc's liblsan0)" >&2
    return 1
  fi
  if ! LD_PRELOAD="$lib" LSAN_OPTIONS=detect_leaks=0 "$NODE" -e \
      'process.exit(require("fs").readFileSync("/proc/self/maps", "utf8").includes("liblsan") ? 0 : 1)'; then
    echo "leaks.sh: $lib does not load into $NODE" >&2
    return 1
  fi
  local out="$work/lsan.out"
  echo "leaks.sh: LeakSanitizer ($lib preloaded), $("$NODE" --version): $dg datagrams, $socks sockets..."
  (cd "$pkg" && LD_PRELOAD="$lib" \
    LSAN_OPTIONS="detect_leaks=1:fast_unwind_on_malloc=0:malloc_context_size=50:exitcode=0:log_path=$work/lsan" \
    "$NODE" --expose-gc test/leak-workload.js --mode valgrind --datagrams "$dg" --sockets "$socks") >"$out" 2>&1
  local rc=$?
  local wl; wl="$(workload_json "$out")"
  if [ $rc -ne 0 ] || [ -z "$wl" ]; then
    echo "leaks.sh: the workload under LeakSanitizer failed (exit $rc); see $out" >&2
    tail -20 "$out" >&2
    return 1
  fi
  local logs=("$work"/lsan.*)
  [ -e "${logs[0]}" ] || { : >"$work/lsan.none"; logs=("$work/lsan.none"); } # no report: nothing leaked
  local parsed; parsed="$(LEAKS_ROOT="$root" "$NODE" "$work/parse.js" lsan "${logs[@]}")"
  echo "leaks.sh: lsan: $(grep -h 'SUMMARY' "${logs[@]}" 2>/dev/null || echo 'no leaks reported')"
  report lsan "$parsed" "$wl"
}

if [ "$check" = 1 ]; then
  if [ "$tool" = valgrind ] || [ "$tool" = both ]; then run_valgrind || failed=1; fi
  if [ "$tool" = lsan ] || [ "$tool" = both ]; then run_lsan || failed=1; fi
fi

if [ "$soak" = 1 ]; then
  echo "leaks.sh: soak, $("$NODE" --version): $soak_dg datagrams, $soak_socks sockets..."
  (cd "$pkg" && "$NODE" --expose-gc test/leak-workload.js --mode soak --datagrams "$soak_dg" --sockets "$soak_socks") \
    >"$work/soak.out" 2>&1
  rc=$?
  grep -v '^leak-workload: {' "$work/soak.out" | sed 's/^leak-workload: /leaks: soak: /'
  [ $rc -eq 0 ] || { echo "leaks.sh: soak failed (exit $rc); see $work/soak.out" >&2; failed=1; }
fi

if [ "$failed" = 0 ] && [ "$keep" = 0 ]; then
  rm -rf "$work"
else
  echo "leaks.sh: logs in $work"
fi
[ "$failed" = 0 ] && echo "leaks: OK" || echo "leaks: FAILED"
exit "$failed"
