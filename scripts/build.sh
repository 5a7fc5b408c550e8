#!/usr/bin/env bash
# Builds the Worker (build/) and the benchmark's floor worker (bench/floor/build/) with
# worker-build, using the toolchain scripts/setup.sh chose, and the dashboard (build/dashboard/,
# the Worker's static assets) with esbuild. Run setup first.
#   --gateway-only    skip the benchmark's floor worker (what `wrangler deploy` runs)
#   --dashboard-only  build only the dashboard (seconds; no Rust toolchain needed)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
if [ "${1:-}" = "--dashboard-only" ]; then exec node scripts/build-dashboard.mjs; fi
[ -f target/wasm-toolchain.env ] || bash scripts/setup.sh
# shellcheck disable=SC1091
source target/wasm-toolchain.env
export PATH="$TOOLS_DIR/cargo/bin:$PATH"
# worker-build would download these from hosts that may be unreachable; use the local ones.
export WASM_BINDGEN_BIN="$TOOLS_DIR/cargo/bin/wasm-bindgen"
export WASM_OPT_BIN="$ROOT/node_modules/.bin/wasm-opt"
export ESBUILD_BIN="$ROOT/node_modules/.bin/esbuild"

extra=()
if [ "$WASM_BUILD_MODE" = build-std ]; then
  export PATH="/usr/bin:$PATH" RUSTC_BOOTSTRAP=1
  export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER="$WASM_LINKER"
  extra=(-Z build-std=std,panic_abort)
fi

build() { # crate directory
  # The crate path is given explicitly: worker-build would take a leading `-Z` for the path.
  (cd "$1" && worker-build --release . "${extra[@]}" >&2)
}
build "$ROOT"
# After worker-build, which owns build/: the assets directory sits inside it.
node scripts/build-dashboard.mjs
if [ "${1:-}" != "--gateway-only" ]; then build "$ROOT/bench/floor"; fi
