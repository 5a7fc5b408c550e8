#!/usr/bin/env bash
# Builds and runs the gateway locally on http://127.0.0.1:${PORT:-8787} with wrangler dev, which
# runs the [build] command of wrangler.toml first and rebuilds when src/ changes (local KV,
# Durable Object and asset storage under .wrangler/state). Variables come from wrangler.toml's
# [vars] and, if present, .dev.vars.
set -euo pipefail
cd "$(dirname "$0")/.."
exec node_modules/.bin/wrangler dev --ip 127.0.0.1 --port "${PORT:-8787}" "$@"
