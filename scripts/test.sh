#!/usr/bin/env bash
# The whole test suite, as `npm test` and CI run it (after scripts/setup.sh):
# core unit tests and lints, the Worker build, end-to-end tests in workerd, and a deploy dry run.
#   --rerun   run tests that already passed with the same inputs too (`npm test -- --rerun`);
#             without it they are reported as cached (scripts/test-cache.mjs). A clean clone, as
#             CI uses, has no cached passes.
set -euo pipefail
cd "$(dirname "$0")/.."
# No usage data from the wrangler runs below (scripts/start.sh says why this is not only send_metrics).
export WRANGLER_SEND_METRICS=false
rerun=()
for arg in "$@"; do
  case $arg in
    --rerun) rerun=(--rerun) ;;
    *) echo "test.sh: unknown argument $arg (known: --rerun)" >&2; exit 2 ;;
  esac
done
step_name="" step_started=$SECONDS
step() {
  [ -z "$step_name" ] || printf '    (%s: %d s)\n' "$step_name" $((SECONDS - step_started)) >&2
  step_name=$1 step_started=$SECONDS
  [ -z "$step_name" ] || printf '\n=== %s\n' "$step_name" >&2
}

# The Worker's release build (a wasm32 cargo build: cargo locks target/release and
# target/wasm32-unknown-unknown, not target/debug) runs beside the core crate's tests and lints:
# its link-time optimization and wasm-opt use one core for minutes, which the tests use meanwhile.
# Not the benchmark's floor worker: no test runs it (`npm run bench` builds it).
mkdir -p target/test-logs
build_log=target/test-logs/build.log
# In its own process group where setsid exists (util-linux), so that it can be stopped whole.
group=(); command -v setsid >/dev/null && group=(setsid --wait)
"${group[@]}" bash scripts/build.sh --gateway-only >"$build_log" 2>&1 &
build_pid=$!
# Stopping early (a failed test, Ctrl-C) stops the build's whole process group too.
trap '[ -z "${build_pid:-}" ] || kill -- -"$build_pid" 2>/dev/null || kill "$build_pid" 2>/dev/null || true' EXIT

step "core crate: unit tests (the Worker builds meanwhile)"
node scripts/run-core-tests.mjs "${rerun[@]}"

if cargo clippy --version >/dev/null 2>&1; then
  step "core crate: clippy (unwrap/expect denied outside tests)"
  cargo clippy --quiet -p gateway-core --all-targets -- -D warnings
fi
if cargo fmt --version >/dev/null 2>&1; then
  step "formatting"
  cargo fmt --all --check
fi

step "the Worker's build (skipped when nothing changed)"
build_status=0
wait "$build_pid" || build_status=$?
build_pid=""
grep -v '^ *Compiling ' "$build_log" >&2 || true
if [ "$build_status" != 0 ]; then
  echo "the Worker's build failed (exit $build_status); its whole output: $build_log" >&2
  exit "$build_status"
fi

step "end-to-end tests (workerd via Miniflare, mock upstream, official SDKs)"
node scripts/run-e2e.mjs "${rerun[@]}"

step "wrangler deploy --dry-run"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
node_modules/.bin/wrangler deploy --dry-run --outdir "$out" >&2
test -s "$out/index.js" || { echo "wrangler produced no bundle" >&2; exit 1; }
ls "$out" | grep -q '\.wasm$' || { echo "wrangler's bundle has no wasm module" >&2; exit 1; }
step ""
printf '\n=== all tests passed in %d s\n' "$SECONDS" >&2
