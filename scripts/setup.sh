#!/usr/bin/env bash
# Installs everything the build and tests need; idempotent, and fast on a second run.
#
# - npm dependencies (wrangler, miniflare, esbuild, binaryen's wasm-opt, the SDKs the tests use,
#   the dashboard's Preact, htm and uPlot, playwright-core);
# - wasm-bindgen at the version Cargo.lock pins (tools/wasm-bindgen), cached in $TOOLS_DIR
#   (scripts/build-worker.mjs does what worker-build did: cargo, wasm-bindgen, wasm-opt, an entry
#   module, esbuild);
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

# --- wasm-bindgen, at the version Cargo.lock pins -------------------------------------------------
# tools/wasm-bindgen: wasm-bindgen's library behind the options scripts/build-worker.mjs passes,
# compiled from source on a first run (cargo has no prebuilt binaries to fetch): about 40 s on 2
# cores, where `cargo install wasm-bindgen-cli` took 2.5 to 4 minutes. Cached in $TOOLS_DIR under its
# version and a hash of its sources, so checkouts share it and an edit to it rebuilds it. cargo's
# own output goes to target/setup-wasm-bindgen.log; a line every 30 s says how far it got, and a
# failure prints the log's end. It compiles in the background while npm installs (npm mostly
# waits on the network and the disk).
lock_version() { awk -v name="$1" '$0 == "name = \"" name "\"" { getline; gsub(/version = |"/, ""); print; exit }' "$2"; }
[ -f Cargo.lock ] || cargo generate-lockfile
BINDGEN_VERSION=$(lock_version wasm-bindgen Cargo.lock)
bindgen_src=tools/wasm-bindgen
bindgen_tool_version=$(lock_version wasm-bindgen-cli-support "$bindgen_src/Cargo.lock")
if [ "$bindgen_tool_version" != "$BINDGEN_VERSION" ]; then
  log "Cargo.lock pins wasm-bindgen $BINDGEN_VERSION, but $bindgen_src is built on wasm-bindgen-cli-support $bindgen_tool_version."
  log "Set its version and its wasm-bindgen-cli-support requirement (=$BINDGEN_VERSION) in $bindgen_src/Cargo.toml, then run: cargo update --manifest-path $bindgen_src/Cargo.toml"
  exit 1
fi
bindgen_hash=$(cat "$bindgen_src/Cargo.toml" "$bindgen_src/Cargo.lock" "$bindgen_src"/src/*.rs | sha256sum | cut -c1-12)
BINDGEN_DIR=$TOOLS_DIR/wasm-bindgen-$BINDGEN_VERSION-$bindgen_hash
if [ ! -x "$BINDGEN_DIR/bin/wasm-bindgen" ]; then
  log "building wasm-bindgen $BINDGEN_VERSION ($bindgen_src) into $BINDGEN_DIR: about 40 s on 2 cores (once)"
  started=$SECONDS
  log_file=$ROOT/target/setup-wasm-bindgen.log
  cargo install --locked --force --path "$bindgen_src" --root "$BINDGEN_DIR" \
    --target-dir "$TOOLS_DIR/wasm-bindgen-target" >"$log_file" 2>&1 &
  bindgen_pid=$!
  # If setup stops early (npm failed), so does this build.
  trap '[ -z "${bindgen_pid:-}" ] || kill "$bindgen_pid" 2>/dev/null || true' EXIT
fi

# --- npm dependencies ---------------------------------------------------------------------------
stamp=node_modules/.setup-stamp
if [ ! -f "$stamp" ] || [ package.json -nt "$stamp" ] || { [ -f package-lock.json ] && [ package-lock.json -nt "$stamp" ]; }; then
  log "installing npm dependencies"
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund >&2; else npm install --no-audit --no-fund >&2; fi
  touch "$stamp"
fi

# --- wasm-bindgen, continued: wait for its build (it compiled while npm installed) --------------
if [ -n "${bindgen_pid:-}" ]; then
  cargo_pid=$bindgen_pid next=30 status=0
  while kill -0 "$cargo_pid" 2>/dev/null; do
    sleep 1
    if (( SECONDS - started >= next )); then
      log "  wasm-bindgen: $((SECONDS - started)) s, $(grep -c '^ *Compiling ' "$log_file" || true) crates compiled"
      # The next multiple of 30 s: npm's install may have taken several of them already.
      next=$(( (SECONDS - started) / 30 * 30 + 30 ))
    fi
  done
  wait "$cargo_pid" || status=$?
  if [ "$status" != 0 ]; then
    tail -n 30 "$log_file" >&2
    log "building wasm-bindgen failed (exit $status); the whole output is in $log_file"
    exit "$status"
  fi
  bindgen_pid=""
  rm -f "$BINDGEN_DIR/.crates.toml" "$BINDGEN_DIR/.crates2.json"
  log "wasm-bindgen $BINDGEN_VERSION built in $((SECONDS - started)) s"
fi

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
WASM_BINDGEN_BIN=$BINDGEN_DIR/bin/wasm-bindgen
ENV
log "ready (wasm build mode: $mode)"
