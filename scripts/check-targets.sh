#!/usr/bin/env bash
# Compile-checks the library and the CLI for the systems this machine cannot run (issue 17,
# item 3): `cargo check` with std built from source by Debian's Rust 1.96 (-Zbuild-std; no
# std for these targets ships with rustup here). Nothing is linked or run.
# Usage: bash scripts/check-targets.sh [TARGET...]   (default: every target below)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash scripts/setup-dist.sh >/dev/null
. scripts/dist-env.sh
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(x86_64-unknown-linux-musl x86_64-apple-darwin aarch64-apple-darwin x86_64-unknown-freebsd)
fi
failed=0
for t in "${targets[@]}"; do
  echo "check-targets: $t" >&2
  if env -u RUSTUP_TOOLCHAIN RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1 \
      CARGO_TARGET_DIR="$DIST_TARGET/check" CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}" \
      /usr/bin/cargo check --quiet -p node-dgram -p dgram-cli --target "$t" -Zbuild-std=std,panic_abort; then
    echo "check-targets: ok: $t"
  else
    echo "check-targets: FAIL: $t"
    failed=$((failed + 1))
  fi
done
echo "check-targets: $(( ${#targets[@]} - failed )) passed, $failed failed"
[ "$failed" -eq 0 ]
