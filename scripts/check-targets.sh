#!/usr/bin/env bash
# Compile-checks the library, the CLI and the Node addon for the systems this machine cannot
# run (issue 17, item 3): `cargo check` with std built from source by Debian's Rust 1.96
# (-Zbuild-std; no std for these targets ships with rustup here). Nothing is linked or run.
# One cargo invocation per target checks the three crates together, so each target's std and
# dependencies are built once; the target directory is cached outside the checkout
# (scripts/dist-env.sh), so a second run only checks what changed.
# musl: as Node addons for musl (Alpine) are built, with a dynamically linked C library
# (-crt-static), without which a cdylib cannot be made for the target at all.
# Usage: bash scripts/check-targets.sh [TARGET...]   (default: every target below)
# NODE_DGRAM_CHECK_TARGET: another target directory (to measure a cold run).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash scripts/setup-dist.sh >/dev/null
. scripts/dist-env.sh
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(x86_64-unknown-linux-musl x86_64-apple-darwin aarch64-apple-darwin x86_64-pc-windows-msvc
           x86_64-unknown-freebsd)
fi
failed=0
for t in "${targets[@]}"; do
  echo "check-targets: $t" >&2
  start=$(date +%s)
  if env -u RUSTUP_TOOLCHAIN RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1 \
      CARGO_TARGET_DIR="${NODE_DGRAM_CHECK_TARGET:-$DIST_TARGET/check}" CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}" \
      CARGO_TARGET_X86_64_UNKNOWN_LINUX_MUSL_RUSTFLAGS="-C target-feature=-crt-static" \
      /usr/bin/cargo check --quiet -p node-dgram -p dgram-cli -p node-dgram-napi --target "$t" \
        -Zbuild-std=std,panic_abort; then
    echo "check-targets: ok: $t ($(( $(date +%s) - start )) s)"
  else
    echo "check-targets: FAIL: $t"
    failed=$((failed + 1))
  fi
done
echo "check-targets: $(( ${#targets[@]} - failed )) passed, $failed failed"
[ "$failed" -eq 0 ]
