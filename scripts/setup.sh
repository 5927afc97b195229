#!/usr/bin/env bash
# Installs what the tests need on a fresh machine: the Rust toolchain's rustfmt/clippy
# components and the system `node` (the interop tests talk to Node's built-in dgram).
set -euo pipefail
if command -v rustup >/dev/null 2>&1; then
  rustup component add rustfmt clippy >/dev/null 2>&1 || true
fi
if ! command -v node >/dev/null 2>&1; then
  echo "setup: installing nodejs from Debian" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs >/dev/null
fi
echo "setup: $(cargo --version), node $(node --version)"
