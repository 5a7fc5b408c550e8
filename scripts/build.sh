#!/usr/bin/env bash
# Builds the Worker (build/) and the benchmark's floor worker (bench/floor/build/) with
# scripts/build-worker.mjs, using the toolchain scripts/setup.sh chose, and the dashboard
# (build/dashboard/, the Worker's static assets) with esbuild. Run setup first.
#   --gateway-only    skip the benchmark's floor worker (what `wrangler deploy` and `wrangler dev` run)
#   --dashboard-only  build only the dashboard (seconds; no Rust toolchain needed)
# Each worker's build (cargo, wasm-bindgen, wasm-opt, esbuild) and the dashboard's bundle is skipped
# when what it read and wrote is unchanged since it last succeeded (scripts/build-stamp.mjs;
# stamps in target/build-stamps): a warm build takes a second or two, where wasm-opt alone takes
# half a minute. AI_GATEWAY_FORCE_BUILD=1 runs every step anyway.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
if [ "${1:-}" = "--dashboard-only" ]; then exec node scripts/build-dashboard.mjs; fi
# Setup writes the toolchain's description; one from before setup built wasm-bindgen itself lacks it.
grep -qs '^WASM_BINDGEN_BIN=' target/wasm-toolchain.env || bash scripts/setup.sh
# shellcheck disable=SC1091
source target/wasm-toolchain.env
export WASM_BINDGEN_BIN
export WASM_OPT_BIN="$ROOT/node_modules/.bin/wasm-opt"
export ESBUILD_BIN="$ROOT/node_modules/.bin/esbuild"

extra=()
if [ "$WASM_BUILD_MODE" = build-std ]; then
  export PATH="/usr/bin:$PATH" RUSTC_BOOTSTRAP=1
  export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER="$WASM_LINKER"
  extra=(-Z build-std=std,panic_abort)
fi

# What a worker's build output depends on besides its files (the tools are inputs, wasm-opt's and
# esbuild's versions are in package-lock.json): the compiler, the mode and the variables that
# change how cargo or build-worker.mjs work.
tool_key="$(rustc -vV) mode=$WASM_BUILD_MODE ${extra[*]} linker=${WASM_LINKER:-}"
for name in RUSTFLAGS CARGO_ENCODED_RUSTFLAGS CARGO_PROFILE_RELEASE_LTO NO_MINIFY RUN_TO_COMPLETION; do
  tool_key+=" $name=${!name:-}"
done
target_dir=${CARGO_TARGET_DIR:-$ROOT/target}

build() { # crate-directory library-name what-it-is
  local stamp=(--key "$tool_key" --depfile "$target_dir/wasm32-unknown-unknown/release/$2.d"
    --inputs Cargo.toml Cargo.lock "$1/Cargo.toml" crates/gateway-core/Cargo.toml scripts/build.sh
      scripts/build-worker.mjs package-lock.json "$WASM_BINDGEN_BIN"
    --outputs "$1/build/index.js" "$1/build/index_bg.wasm")
  if [ -z "${AI_GATEWAY_FORCE_BUILD:-}" ] && node scripts/build-stamp.mjs check "$2" "${stamp[@]}"; then
    printf '[build] %s: unchanged since its last build, skipped\n' "$3" >&2
    return
  fi
  node scripts/build-worker.mjs "$1" "${extra[@]}"
  node scripts/build-stamp.mjs record "$2" "${stamp[@]}"
}
build "$ROOT" ai_gateway "the Worker (build/)"
node scripts/build-dashboard.mjs
if [ "${1:-}" != "--gateway-only" ]; then build "$ROOT/bench/floor" floor_worker "the floor worker (bench/floor/build/)"; fi
