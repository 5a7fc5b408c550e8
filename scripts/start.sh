#!/usr/bin/env bash
# Builds and runs the gateway locally on http://127.0.0.1:${PORT:-8787} with wrangler dev, which
# runs the [build] command of wrangler.toml first and rebuilds when src/ or dashboard/ change
# (local KV, Durable Object and asset storage under .wrangler/state). Variables come from
# wrangler.toml's [vars] and, if present, .dev.vars.
#
# wrangler 4.86 runs the build command a second time as soon as its file watcher is ready ("The
# file src,dashboard changed, restarting build...", workers-sdk#7934, fixed upstream after 4.86):
# scripts/build.sh finds nothing changed and returns in a second or two.
set -euo pipefail
cd "$(dirname "$0")/.."
# Neither send usage data nor record a consent that would make later runs print wrangler's
# telemetry notice (wrangler.toml's send_metrics = false does not cover every path).
export WRANGLER_SEND_METRICS=false
# workerd prints its own stack traces for an upstream it cannot resolve or handshake with, which the
# gateway answers itself (502 upstream_unreachable): scripts/quiet-runtime.mjs makes each one line.
exec node_modules/.bin/wrangler dev --ip 127.0.0.1 --port "${PORT:-8787}" "$@" 2> >(node scripts/quiet-runtime.mjs)
