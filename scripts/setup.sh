#!/usr/bin/env bash
# Installs everything the build and tests need; idempotent, and fast on a second run.
#
# - npm dependencies (wrangler, miniflare, esbuild, binaryen's wasm-opt, the SDKs the tests use,
#   the dashboard's Preact, htm and uPlot, playwright-core);
# - wasm-bindgen-cli, at the version Cargo.lock pins, cached in $TOOLS_DIR (scripts/build-worker.mjs
#   does what worker-build did: cargo, wasm-bindgen, wasm-opt, an entry module, esbuild);
# - a wasm32 std: rustup's wasm32-unknown-unknown target where it can be installed, else
#   Debian's rustc-web/cargo-web/rust-web-src, which build std from source (-Z build-std).
# - with --browser (what `npm test` passes), Chromium, from Debian's `chromium` package, for the
#   dashboard's browser tests (tests/dashboard.test.mjs drives it with playwright-core, which
#   downloads no browser itself). A build or a deployment never needs it, nor the root access
#   its installation takes.
# It writes the chosen build mode to target/wasm-toolchain.env for scripts/build.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TOOLS_DIR=${AI_GATEWAY_TOOLS_DIR:-$HOME/.cache/ai-gateway}
mkdir -p "$TOOLS_DIR" target
log() { printf '[setup] %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    log "need root for: $*"; return 1; fi
}

# --- npm dependencies ---------------------------------------------------------------------------
stamp=node_modules/.setup-stamp
if [ ! -f "$stamp" ] || [ package.json -nt "$stamp" ] || { [ -f package-lock.json ] && [ package-lock.json -nt "$stamp" ]; }; then
  log "installing npm dependencies"
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund >&2; else npm install --no-audit --no-fund >&2; fi
  touch "$stamp"
fi

# --- wasm-bindgen-cli, pinned by Cargo.lock ----------------------------------------------------
lock_version() { awk -v name="$1" '$0 == "name = \"" name "\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock; }
[ -f Cargo.lock ] || cargo generate-lockfile
BINDGEN_VERSION=$(lock_version wasm-bindgen)
export PATH="$TOOLS_DIR/cargo/bin:$PATH"
# The first run compiles it from source (cargo has no prebuilt binaries to fetch): about 2.5
# minutes on 2 cores. cargo's own output goes to target/setup-<crate>.log; a line every 30 s says
# how far it got, and a failure prints the log's end.
install_tool() { # crate version binary minutes
  local have started log_file status=0
  have=$("$TOOLS_DIR/cargo/bin/$3" --version 2>/dev/null | awk '{print $NF}' || true)
  [ "$have" != "$2" ] || return 0
  log "installing $1 $2 into $TOOLS_DIR/cargo: compiling it from source, about $4 minutes on 2 cores (once)"
  started=$SECONDS
  log_file=$ROOT/target/setup-$1.log
  # Not --locked: crates' own lockfiles can pin versions the registry no longer serves.
  cargo install --force "$1" --version "$2" --root "$TOOLS_DIR/cargo" >"$log_file" 2>&1 &
  local cargo_pid=$! next=30
  while kill -0 "$cargo_pid" 2>/dev/null; do
    sleep 1
    if (( SECONDS - started >= next )); then
      log "  $1: $((SECONDS - started)) s, $(grep -c '^ *Compiling ' "$log_file" || true) crates compiled"
      next=$((next + 30))
    fi
  done
  wait "$cargo_pid" || status=$?
  if [ "$status" != 0 ]; then
    tail -n 30 "$log_file" >&2
    log "installing $1 failed (exit $status); the whole output is in $log_file"
    return "$status"
  fi
  log "$1 $2 installed in $((SECONDS - started)) s"
}
install_tool wasm-bindgen-cli "$BINDGEN_VERSION" wasm-bindgen 2.5

# --- a wasm32 standard library -----------------------------------------------------------------
mode=""
# AI_GATEWAY_WASM_MODE=build-std forces the Debian path (to test it where rustup works).
if [ "${AI_GATEWAY_WASM_MODE:-}" != build-std ] && command -v rustup >/dev/null; then
  if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    mode=rustup
  elif rustup target add wasm32-unknown-unknown >/dev/null 2>&1; then
    log "installed rustup's wasm32-unknown-unknown target"
    mode=rustup
  fi
fi
if [ -z "$mode" ]; then
  log "rustup has no wasm32 std here; using Debian's rustc-web with -Z build-std"
  if [ ! -x /usr/bin/rustc ] || ! /usr/bin/rustc --version | grep -q . || [ ! -d /usr/lib/rustlib/src/rust/library ]; then
    as_root apt-get update -qq >&2
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rustc-web cargo-web rust-web-src >&2
  fi
  # Debian's rustc ships no wasm linker: use rustup's rust-lld if there is one, else LLVM's wasm-ld.
  lld=$(ls "$(rustc --print sysroot 2>/dev/null)"/lib/rustlib/*/bin/rust-lld 2>/dev/null | head -n1 || true)
  [ -n "$lld" ] || lld=$(command -v rust-lld || command -v wasm-ld || true)
  if [ -z "$lld" ]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq lld >&2
    lld=$(command -v wasm-ld || ls /usr/bin/wasm-ld-* 2>/dev/null | head -n1 || true)
  fi
  [ -n "$lld" ] || { log "no wasm linker (rust-lld or wasm-ld) found"; exit 1; }
  mode=build-std
fi

# --- a browser for the dashboard's tests (--browser) ----------------------------------------------
# Installed only when missing; AI_GATEWAY_CHROMIUM names another Chromium binary to use instead.
if [ "${1:-}" = --browser ] && [ ! -x "${AI_GATEWAY_CHROMIUM:-/usr/bin/chromium}" ]; then
  log "installing Debian's chromium for the dashboard's browser tests"
  as_root apt-get update -qq >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
fi

cat > target/wasm-toolchain.env <<ENV
WASM_BUILD_MODE=$mode
WASM_LINKER=${lld:-}
TOOLS_DIR=$TOOLS_DIR
ENV
log "ready (wasm build mode: $mode)"
