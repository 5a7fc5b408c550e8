#!/usr/bin/env node
// Builds a workers-rs crate into <crate>/build/index.js and index_bg.wasm, the layout worker-build
// (0.8) writes, without worker-build: a release `cargo build` for wasm32-unknown-unknown,
// wasm-bindgen (ES module output, with the state-reset function and abort handler workers-rs's
// panic recovery needs), wasm-opt, then an entry module (`entryModule` below) bundled by esbuild
// with wasm-bindgen's JavaScript. scripts/build.sh runs it for the gateway and the floor worker.
//
//   node scripts/build-worker.mjs <crate-directory> [more cargo build arguments, e.g. -Z build-std=…]
//
// Tools: WASM_BINDGEN_BIN (default `wasm-bindgen` on PATH; its version must be the wasm-bindgen of
// Cargo.lock), WASM_OPT_BIN and ESBUILD_BIN (default node_modules/.bin's). NO_MINIFY=1 leaves the
// bundle readable; RUN_TO_COMPLETION=1 keeps the isolate alive until each fetch's response promise
// settles (ctx.waitUntil), as with worker-build. The outputs are replaced only when every step
// succeeded: each run stages its files in build/.staging-<pid> and renames them into build/.
// Not supported (neither crate uses them): worker-build's other profiles, `[package.metadata.
// wasm-pack]` settings (wasm-opt always runs with -O), --panic-unwind, --emscripten, CUSTOM_SHIM
// and COREDUMP.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TARGET = 'wasm32-unknown-unknown';
/** wasm-bindgen's exports that workers-rs's recovery uses and the entry module does not re-export. */
const SYSTEM_EXPORTS = new Set(['__wbg_reset_state', '__worker_init_state']);
/** Handlers the runtime calls with (event, env, ctx); any other exported function becomes an RPC method. */
const EVENT_HANDLERS = new Set(['fetch', 'queue', 'scheduled', 'email', 'connect']);
// wasm-opt may use only what rustc's wasm32 output and wasm-bindgen's catch wrappers already use:
// newer encodings could reach workerd before it reads them (worker-build's list).
const WASM_FEATURES = ['mutable-globals', 'sign-ext', 'nontrapping-float-to-int', 'bulk-memory', 'multivalue',
  'reference-types', 'exception-handling'];

/** Runs a tool (its stdout too goes to stderr, which keeps wrangler's build output in one stream). */
function run(tool, args, options = {}) {
  const result = spawnSync(tool, args, { stdio: ['ignore', 2, 2], ...options });
  if (result.error) throw new Error(`${tool}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${path.basename(tool)} ${args[0] ?? ''} failed (exit ${result.status ?? result.signal})`);
}

/** Seconds `step` took, after running it. */
function timed(step) {
  const started = process.hrtime.bigint();
  step();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/** The crate's package (name, cdylib target's file name), cargo's target directory and the workspace root. */
function crateInfo(crateDir) {
  const manifest = path.join(crateDir, 'Cargo.toml');
  const out = spawnSync('cargo', ['metadata', '--format-version', '1', '--no-deps', '--manifest-path', manifest],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 });
  if (out.status !== 0) throw new Error(`cargo metadata failed for ${manifest}`);
  const meta = JSON.parse(out.stdout);
  const pkg = meta.packages.find((p) => path.resolve(p.manifest_path) === path.resolve(manifest));
  const lib = pkg?.targets.find((t) => t.kind.includes('cdylib'));
  if (!lib) throw new Error(`${manifest} has no [lib] with crate-type = ["cdylib"]`);
  return { name: pkg.name, wasmName: lib.name.replace(/-/g, '_'), targetDir: meta.target_directory, workspace: meta.workspace_root };
}

/**
 * wasm-bindgen 0.2.130 keys its imports object by snippet path once per function imported straight
 * from a snippet (src/js/relay.js gives four equal keys, each an `import * as` of the same module).
 * Harmless, but esbuild warns `Duplicate key` on each build: only each key's first entry is kept,
 * and esbuild drops the then unused `import * as` lines.
 */
export function withoutDuplicateImportKeys(text) {
  const seen = new Set();
  return text.split('\n').filter((line) => {
    const entry = /^\s*("[^"]+"): import\d+,$/.exec(line);
    if (!entry) return true;
    if (seen.has(entry[1])) return false;
    seen.add(entry[1]);
    return true;
  }).join('\n');
}

/** The classes and functions a wasm-bindgen ES module (`--target module`) exports, by name. */
export function bindgenExports(text) {
  const names = (pattern) => [...text.matchAll(pattern)].map((m) => m[1]);
  const renamed = [...text.matchAll(/^export \{([^}]*)\}/gm)]
    .flatMap((m) => m[1].split(',').map((spec) => spec.trim().split(/\s+as\s+/).pop()).filter(Boolean));
  return {
    classes: names(/^export class ([\w$]+)/gm),
    functions: [...names(/^export (?:async )?function ([\w$]+)\s*\(/gm), ...renamed],
  };
}

/**
 * The Worker's entry module, bundled with wasm-bindgen's `./index.js` (whose `exports` are given):
 * the default export is a WorkerEntrypoint whose fetch/queue/scheduled/email/connect call the
 * crate's `#[event]` handlers and whose other methods are its other exported functions, and each
 * exported class (the Durable Objects) is exported under its name.
 *
 * Panic recovery, as workers-rs expects of its entry module: a panic (the worker crate's hook sets
 * `criticalError`) or a Wasm trap seen here marks the instance broken; the next construction or
 * method call first resets it (`__wbg_reset_state`: a new Wasm instance), and every object made
 * before the reset is constructed again, with its original arguments, on its next use, because a
 * wasm-bindgen object of the old instance is no longer valid.
 */
export function entryModule({ classes, functions }, { runToCompletion = false } = {}) {
  for (const name of SYSTEM_EXPORTS) {
    if (!functions.includes(name)) {
      throw new Error(`wasm-bindgen's output exports no ${name}: is this a workers-rs crate, built with --experimental-reset-state-function?`);
    }
  }
  const methods = functions.filter((name) => !SYSTEM_EXPORTS.has(name)).map((name) => {
    if (name === 'fetch' && runToCompletion) {
      return `  fetch(request) {
    const response = bindings.fetch(request, this.env, this.ctx);
    this.ctx.waitUntil(response);
    return response;
  }`;
    }
    if (EVENT_HANDLERS.has(name)) return `  ${name}(event) {\n    return bindings.${name}(event, this.env, this.ctx);\n  }`;
    return `  ${name}(...args) {\n    return bindings.${name}(...args);\n  }`;
  });
  return `// The Worker's entry module, written by scripts/build-worker.mjs around wasm-bindgen's output.
import { WorkerEntrypoint } from 'cloudflare:workers';
import * as bindings from './index.js';

Error.stackTraceLimit = 100;
// { criticalError, instanceId }, shared with the worker crate: its panic hook sets criticalError,
// and each start of a Wasm instance increments instanceId.
const wasmState = bindings.__worker_init_state();

/** Marks the Wasm instance broken when \`error\` is a trap (a panic aborts through \`unreachable\`). */
function noteTrap(error) {
  if (error instanceof WebAssembly.RuntimeError) {
    console.error('Critical', error);
    wasmState.criticalError = true;
  }
}
addEventListener('error', (event) => noteTrap(event.error));

/** A fresh Wasm instance when the current one is broken. */
function recoverIfBroken() {
  if (!wasmState.criticalError) return;
  console.log('Reinitializing Wasm application');
  bindings.__wbg_reset_state();
  wasmState.criticalError = false;
  wasmState.instanceId++;
}

/** Calls \`method\` on a working instance, watching for a trap in its result or its promise. */
function guardedCall(method, self, args) {
  recoverIfBroken();
  try {
    const result = Reflect.apply(method, self, args);
    if (typeof result?.then === 'function') result.then(undefined, noteTrap);
    return result;
  } catch (error) {
    noteTrap(error);
    throw error;
  }
}

const FORWARDED_TRAPS = ['set', 'has', 'deleteProperty', 'ownKeys', 'getOwnPropertyDescriptor', 'defineProperty',
  'getPrototypeOf', 'setPrototypeOf', 'isExtensible', 'preventExtensions'];

/** \`Class\` whose instances are constructed again after a reset, and whose methods are guarded. */
function followingResets(Class) {
  return new Proxy(Class, {
    construct(target, args, newTarget) {
      try {
        recoverIfBroken();
        const make = () => Reflect.construct(target, args, newTarget);
        const slot = { object: make(), instanceId: wasmState.instanceId };
        const current = () => {
          if (slot.instanceId !== wasmState.instanceId) {
            slot.object = make();
            slot.instanceId = wasmState.instanceId;
          }
          return slot.object;
        };
        const traps = Object.fromEntries(FORWARDED_TRAPS.map((trap) => [trap, (_, ...rest) => Reflect[trap](current(), ...rest)]));
        traps.get = (_, key, receiver) => {
          const value = Reflect.get(current(), key, receiver);
          return typeof value === 'function' ? new Proxy(value, { apply: guardedCall }) : value;
        };
        return new Proxy(slot, traps);
      } catch (error) {
        wasmState.criticalError = true;
        throw error;
      }
    },
  });
}

class Entrypoint extends WorkerEntrypoint {
${methods.join('\n')}
}

export default followingResets(Entrypoint);
${classes.map((name) => `export const ${name} = followingResets(bindings.${name});`).join('\n')}
`;
}

/**
 * \`wasm\` with ("sdk", "workers-rs", version) in its producers section (how Cloudflare counts
 * workers-rs Workers; worker-build adds it too), unless an sdk entry of that name is there already.
 */
export function withWorkersRsProducer(wasm, version) {
  const readU32 = (at) => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = wasm[at.pos++];
      value |= (byte & 0x7f) << shift;
      if (!(byte & 0x80)) return value >>> 0;
    }
  };
  const u32 = (value) => {
    const bytes = [];
    do {
      bytes.push((value & 0x7f) | (value > 0x7f ? 0x80 : 0));
      value >>>= 7;
    } while (value);
    return bytes;
  };
  const readName = (at) => {
    const len = readU32(at);
    at.pos += len;
    return wasm.subarray(at.pos - len, at.pos).toString();
  };
  const name = (text) => [...u32(Buffer.byteLength(text)), ...Buffer.from(text)];

  let section; // [start, end) of the existing producers section
  const entries = []; // [field, name, version]
  for (const at = { pos: 8 }; at.pos < wasm.length;) {
    const start = at.pos;
    const id = wasm[at.pos++];
    const end = readU32(at) + at.pos;
    if (id === 0 && readName(at) === 'producers') {
      section = [start, end];
      for (let fields = readU32(at); fields > 0; fields--) {
        const field = readName(at);
        for (let values = readU32(at); values > 0; values--) entries.push([field, readName(at), readName(at)]);
      }
    }
    at.pos = end;
  }
  if (entries.some(([field, tool]) => field === 'sdk' && tool === 'workers-rs')) return wasm;
  entries.push(['sdk', 'workers-rs', version]);
  const fields = [...new Set(entries.map(([field]) => field))];
  const content = [...name('producers'), ...u32(fields.length), ...fields.flatMap((field) => {
    const values = entries.filter(([f]) => f === field);
    return [...name(field), ...u32(values.length), ...values.flatMap(([, tool, v]) => [...name(tool), ...name(v)])];
  })];
  const encoded = Buffer.from([0, ...u32(content.length), ...content]);
  const [start, end] = section ?? [wasm.length, wasm.length];
  return Buffer.concat([wasm.subarray(0, start), encoded, wasm.subarray(end)]);
}

/** Removes staging directories of earlier runs that died before cleaning up. */
function removeAbandonedStaging(outDir) {
  if (!existsSync(outDir)) return;
  for (const entry of readdirSync(outDir)) {
    const pid = /^\.staging-(\d+)$/.exec(entry)?.[1];
    if (!pid) continue;
    try {
      process.kill(Number(pid), 0);
    } catch {
      rmSync(path.join(outDir, entry), { recursive: true, force: true });
    }
  }
}

function build(crateDir, cargoArgs) {
  const crate = crateInfo(crateDir);
  const outDir = path.join(crateDir, 'build');
  const stage = path.join(outDir, `.staging-${process.pid}`);
  const bins = {
    bindgen: process.env.WASM_BINDGEN_BIN || 'wasm-bindgen',
    opt: process.env.WASM_OPT_BIN || path.join(ROOT, 'node_modules/.bin/wasm-opt'),
    esbuild: process.env.ESBUILD_BIN || path.join(ROOT, 'node_modules/.bin/esbuild'),
  };
  const times = {};
  removeAbandonedStaging(outDir);
  mkdirSync(stage, { recursive: true });
  try {
    // WASM_BINDGEN_USE_JS_SYS: wasm-bindgen's macros then use js-sys's futures, as under worker-build
    // (an environment variable because cargo passes no --cfg to host proc-macros).
    times.cargo = timed(() => run('cargo', ['build', '--lib', '--release', '--target', TARGET, ...cargoArgs],
      { cwd: crateDir, env: { ...process.env, WASM_BINDGEN_USE_JS_SYS: '1' } }));
    const wasmIn = path.join(crate.targetDir, TARGET, 'release', `${crate.wasmName}.wasm`);
    times['wasm-bindgen'] = timed(() => run(bins.bindgen, [wasmIn, '--out-dir', stage, '--out-name', 'index',
      '--target', 'module', '--no-typescript', '--experimental-reset-state-function', '--force-enable-abort-handler']));
    const bindgenJs = path.join(stage, 'index.js');
    writeFileSync(bindgenJs, withoutDuplicateImportKeys(readFileSync(bindgenJs, 'utf8')));

    const wasm = path.join(stage, 'index_bg.wasm');
    times['wasm-opt'] = timed(() => {
      run(bins.opt, [wasm, '-o', `${wasm}.opt`, '-O', ...WASM_FEATURES.map((f) => `--enable-${f}`), '--debuginfo']);
      renameSync(`${wasm}.opt`, wasm);
    });
    const lock = readFileSync(path.join(crate.workspace, 'Cargo.lock'), 'utf8');
    const workerVersion = /\nname = "worker"\nversion = "([^"]+)"/.exec(lock)?.[1];
    if (workerVersion) writeFileSync(wasm, withWorkersRsProducer(readFileSync(wasm), workerVersion));

    const exports = bindgenExports(readFileSync(bindgenJs, 'utf8'));
    writeFileSync(path.join(stage, 'entry.js'), entryModule(exports, { runToCompletion: !!process.env.RUN_TO_COMPLETION }));
    times.esbuild = timed(() => run(bins.esbuild, ['entry.js', '--bundle', '--format=esm', '--outfile=worker.js',
      '--external:./index_bg.wasm', '--external:cloudflare:*', '--log-level=warning',
      ...(process.env.NO_MINIFY ? [] : ['--minify'])], { cwd: stage }));
    // wasm-bindgen imports the module with a source phase import (`import source m from "…wasm"`);
    // wrangler and Miniflare load a plain import of a .wasm file as a compiled WebAssembly.Module.
    const bundled = readFileSync(path.join(stage, 'worker.js'), 'utf8');
    const wasmImport = /\bimport\s+source\s+([\w$]+)\s*from\s*(["'])\.\/index_bg\.wasm\2/g;
    if (!wasmImport.test(bundled)) throw new Error('the bundle has no `import source … from "./index_bg.wasm"`');
    writeFileSync(path.join(stage, 'worker.js'), bundled.replace(wasmImport, 'import $1 from $2./index_bg.wasm$2'));

    renameSync(wasm, path.join(outDir, 'index_bg.wasm'));
    renameSync(path.join(stage, 'worker.js'), path.join(outDir, 'index.js'));
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
  const kib = (file) => `${(statSync(path.join(outDir, file)).size / 1024).toFixed(1)} KiB`;
  const spent = Object.entries(times).map(([step, s]) => `${step} ${s.toFixed(1)} s`).join(', ');
  console.error(`[build-worker] ${crate.name}: ${spent}; build/index.js ${kib('index.js')}, build/index_bg.wasm ${kib('index_bg.wasm')}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [crateDir, ...cargoArgs] = process.argv.slice(2);
  if (!crateDir || !existsSync(path.join(crateDir, 'Cargo.toml'))) {
    console.error('usage: node scripts/build-worker.mjs <crate-directory> [cargo build arguments…]');
    process.exit(2);
  }
  try {
    build(path.resolve(crateDir), cargoArgs);
  } catch (error) {
    console.error(`[build-worker] ${error.message}`);
    process.exit(1);
  }
}
