#!/usr/bin/env bash
# Builds every release artifact into dist/:
#   dist/npm/     node-dgram-VERSION.tgz (the main package) and one tarball per platform:
#                 node-dgram-linux-x64-gnu-VERSION.tgz, node-dgram-linux-arm64-gnu-VERSION.tgz
#   dist/crates/  node-dgram-, node-dgram-bench- and dgram-cli-VERSION.crate (`cargo package`)
#   dist/debug/   the binaries' debug info, split off (linked from each binary by .gnu_debuglink)
#   dist/cli/     dgram.1 (man page) and the shell completions of the `dgram` command
#
# Both addons are linked by zig (cargo-zigbuild) against glibc 2.17's symbols: linux-x64-gnu
# with rustup's toolchain, linux-arm64-gnu with Debian's Rust 1.96 compiling std from source
# (-Zbuild-std). scripts/setup-dist.sh installs those tools; each build has its own target
# directory in the cache of scripts/dist-env.sh (outside the checkout, since CI clones afresh),
# so a second run only rebuilds what changed.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash scripts/setup-dist.sh
. scripts/dist-env.sh
export PATH="$ZIG_DIR/bin:$ZIGBUILD_ROOT/bin:$PATH"
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}"
version="$(node -p "require('./npm/node-dgram/package.json').version")"
step() { echo "package: $*" >&2; }

rm -rf dist/npm dist/crates dist/debug dist/cli dist/stage
mkdir -p dist/npm dist/crates dist/debug dist/cli dist/bin

# Splits the debug info of $2 into dist/debug and writes the stripped binary to $3 ($1: objcopy).
split_debug() {
  local objcopy="$1" in="$2" out="$3" name
  name="$(basename "$out").debug"
  "$objcopy" --only-keep-debug "$in" "dist/debug/$name"
  "$objcopy" --strip-debug --strip-unneeded --remove-section=.comment \
    --add-gnu-debuglink="dist/debug/$name" "$in" "$out"
}

step "linux-x64-gnu (zig, glibc 2.17)"
CARGO_TARGET_DIR="$DIST_TARGET/x64" \
  cargo zigbuild --quiet --release -p node-dgram-napi --target x86_64-unknown-linux-gnu.2.17
split_debug objcopy "$DIST_TARGET"/x64/x86_64-unknown-linux-gnu/release/libnode_dgram_napi.so \
  dist/bin/node-dgram.linux-x64-gnu.node

step "linux-arm64-gnu (Debian rustc $(/usr/bin/rustc --version | cut -d' ' -f2), -Zbuild-std; zig, glibc 2.17)"
# Debian's cargo and rustc (rustup has no std for arm64 here; theirs builds it from source), not
# rustup's proxies, which come first on PATH; cargo-zigbuild runs the cargo that CARGO names.
env -u RUSTUP_TOOLCHAIN CARGO=/usr/bin/cargo RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc \
  RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR="$DIST_TARGET/arm64" \
  cargo-zigbuild zigbuild --quiet --release -p node-dgram-napi \
  --target aarch64-unknown-linux-gnu.2.17 -Zbuild-std=std,panic_abort
split_debug aarch64-linux-gnu-objcopy \
  "$DIST_TARGET"/arm64/aarch64-unknown-linux-gnu/release/libnode_dgram_napi.so \
  dist/bin/node-dgram.linux-arm64-gnu.node

step "npm packages $version"
node scripts/stage-npm.js dist/stage \
  linux-x64-gnu=dist/bin/node-dgram.linux-x64-gnu.node \
  linux-arm64-gnu=dist/bin/node-dgram.linux-arm64-gnu.node
for d in dist/stage/*/; do
  (cd "$d" && npm pack --silent --pack-destination "$root/dist/npm" >/dev/null)
done

step "crates (cargo package)"
# cargo verifies the packages against a local registry of the ones being packaged, extracted
# under $CARGO_HOME/registry/src/-HASH/NAME-VERSION, and reuses an extracted directory of the
# same name and version: an earlier run's sources would be verified instead of these.
rm -rf "${CARGO_HOME:-$HOME/.cargo}"/registry/src/-*/{node-dgram,node-dgram-bench,dgram-cli}-"$version"
# Likewise their builds in the cached target directory: cargo takes a registry crate of a
# given version as unchanging and reuses its build, so a crate verified against ours would
# compile against an earlier run's node-dgram (found when node-dgram's API grew).
rm -rf "$DIST_TARGET"/crates/debug/.fingerprint/{node-dgram,node-dgram-bench,dgram-cli}-*
cargo package --quiet --allow-dirty -p node-dgram -p node-dgram-bench -p dgram-cli --target-dir "$DIST_TARGET/crates"
cp "$DIST_TARGET"/crates/package/{node-dgram,node-dgram-bench,dgram-cli}-"$version".crate dist/crates/

step "dgram's man page and completions"
# (a debug build, as the tests' own: the text does not depend on the profile)
cargo build --quiet -p dgram-cli
./target/debug/dgram man > dist/cli/dgram.1
for sh in bash zsh fish elvish powershell; do
  ./target/debug/dgram completions "$sh" > "dist/cli/dgram.$sh"
done

rm -rf dist/stage dist/bin
step "done:"
(cd dist && ls -l npm crates debug cli | sed 's/^/  /') >&2
