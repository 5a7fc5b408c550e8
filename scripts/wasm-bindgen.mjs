#!/usr/bin/env node
// The wasm-bindgen worker-build runs (WASM_BINDGEN_BIN, set by scripts/build.sh): the real one
// ($AI_GATEWAY_WASM_BINDGEN), then one fix to the JavaScript it wrote.
//
// wasm-bindgen 0.2.130 builds the Wasm module's imports object with one entry per imported
// function that it imports straight from a snippet, keyed by the snippet's path: src/js/relay.js's
// four such functions give four equal keys (`"./snippets/…/relay.js": import1, …: import4`), each
// an `import * as` of the same module. Harmless (the same module namespace each time), but
// esbuild, bundling it in the next step, warns `Duplicate key` on every build. Only the first entry
// of each key is kept here; the other `import * as` lines are then unused and esbuild drops them.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const real = process.env.AI_GATEWAY_WASM_BINDGEN;
if (!real) {
  console.error('scripts/wasm-bindgen.mjs: AI_GATEWAY_WASM_BINDGEN (the real wasm-bindgen) is not set');
  process.exit(2);
}
const args = process.argv.slice(2);
const run = spawnSync(real, args, { stdio: 'inherit' });
if (run.status !== 0) process.exit(run.status ?? 1);

const outDirAt = args.indexOf('--out-dir');
const outNameAt = args.indexOf('--out-name');
if (outDirAt >= 0) {
  const file = path.join(args[outDirAt + 1], `${outNameAt >= 0 ? args[outNameAt + 1] : 'index'}.js`);
  if (existsSync(file)) writeFileSync(file, withoutDuplicateImportKeys(readFileSync(file, 'utf8')));
}

/** `text` without the second and later `"<module>": importN,` lines of each module. */
function withoutDuplicateImportKeys(text) {
  const seen = new Set();
  return text
    .split('\n')
    .filter((line) => {
      const entry = /^\s*("[^"]+"): import\d+,$/.exec(line);
      if (!entry) return true;
      if (seen.has(entry[1])) return false;
      seen.add(entry[1]);
      return true;
    })
    .join('\n');
}
