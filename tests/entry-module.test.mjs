// The entry module scripts/build-worker.mjs writes around wasm-bindgen's output, run in workerd
// with a stand-in for wasm-bindgen's index.js that keeps its contract (the worker crate's shared
// { criticalError, instanceId } state, __wbg_reset_state starting a new instance, objects of an
// older instance refusing calls): a Wasm trap or a panic resets the instance before the next call,
// and a Durable Object made before the reset is constructed again. No test of the built Worker can
// reach these paths, as the gateway has no request that panics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Miniflare } from 'miniflare';
import { bindgenExports, entryModule, withWorkersRsProducer } from '../scripts/build-worker.mjs';

// What wasm-bindgen's index.js offers the entry module, with a Wasm instance reduced to a number.
const FAKE_BINDINGS = `
const state = { criticalError: false, instanceId: 1 };
let wasmInstance = 1;
let resets = 0;

export class Counter {
    constructor(ctx, env) {
        this.instance = wasmInstance;
    }
    fetch(request) {
        if (this.instance !== wasmInstance) throw new Error('Invalid stale object from previous Wasm instance');
        return Response.json({ madeIn: this.instance, resets });
    }
}

export function __wbg_reset_state () {
    resets++;
    wasmInstance++;
    state.instanceId++;
}

export function __worker_init_state() {
    return state;
}

export function fetch(req, env, ctx) {
    const { pathname } = new URL(req.url);
    if (pathname === '/trap') throw new WebAssembly.RuntimeError('unreachable');
    if (pathname === '/panic') {
        state.criticalError = true;
        return new Response('panicked', { status: 500 });
    }
    if (pathname === '/counter') return env.COUNTER.get(env.COUNTER.idFromName('one')).fetch(req);
    return Response.json({ instance: wasmInstance, resets });
}
`;

async function startEntry() {
  const dir = mkdtempSync(path.join(tmpdir(), 'entry-module-'));
  writeFileSync(path.join(dir, 'index.js'), FAKE_BINDINGS);
  writeFileSync(path.join(dir, 'entry.js'), entryModule(bindgenExports(FAKE_BINDINGS)));
  const mf = new Miniflare({
    scriptPath: path.join(dir, 'entry.js'),
    modules: true,
    modulesRoot: dir,
    modulesRules: [{ type: 'ESModule', include: ['**/*.js'] }],
    compatibilityDate: '2026-04-20',
    durableObjects: { COUNTER: 'Counter' },
  });
  const url = await mf.ready;
  const get = async (pathname) => {
    const response = await mf.dispatchFetch(new URL(pathname, url));
    return { status: response.status, body: await response.text() };
  };
  return { get, close: async () => { await mf.dispose(); rmSync(dir, { recursive: true, force: true }); } };
}

test('the entry module exports the default entrypoint and each wasm-bindgen class by name', () => {
  const exports = bindgenExports(FAKE_BINDINGS);
  assert.deepEqual(exports, { classes: ['Counter'], functions: ['__wbg_reset_state', '__worker_init_state', 'fetch'] });
  const text = entryModule(exports);
  assert.match(text, /^export default followingResets\(Entrypoint\);$/m);
  assert.match(text, /^export const Counter = followingResets\(bindings\.Counter\);$/m);
  assert.match(text, /^ {2}fetch\(event\) \{\n {4}return bindings\.fetch\(event, this\.env, this\.ctx\);$/m);
  assert.doesNotMatch(text, /__wbg_reset_state\(\.\.\.args\)/);
});

test('a Wasm trap in a handler resets the instance before the next request', async () => {
  const worker = await startEntry();
  try {
    assert.deepEqual(JSON.parse((await worker.get('/')).body), { instance: 1, resets: 0 });
    assert.equal((await worker.get('/trap')).status, 500);
    assert.deepEqual(JSON.parse((await worker.get('/')).body), { instance: 2, resets: 1 });
    assert.deepEqual(JSON.parse((await worker.get('/')).body), { instance: 2, resets: 1 }, 'one reset per failure');
  } finally {
    await worker.close();
  }
});

test("a panic the worker crate's hook reports resets the instance before the next request", async () => {
  const worker = await startEntry();
  try {
    assert.equal((await worker.get('/panic')).status, 500);
    assert.deepEqual(JSON.parse((await worker.get('/')).body), { instance: 2, resets: 1 });
  } finally {
    await worker.close();
  }
});

test('a Durable Object made before a reset is constructed again on its next call', async () => {
  const worker = await startEntry();
  try {
    assert.deepEqual(JSON.parse((await worker.get('/counter')).body), { madeIn: 1, resets: 0 });
    assert.equal((await worker.get('/trap')).status, 500);
    const after = await worker.get('/counter');
    assert.equal(after.status, 200, after.body);
    assert.deepEqual(JSON.parse(after.body), { madeIn: 2, resets: 1 });
  } finally {
    await worker.close();
  }
});

test('the producers section gains workers-rs once and keeps what it had', () => {
  const name = (text) => [text.length, ...Buffer.from(text)];
  const header = [0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0];
  const producers = [...name('producers'), 1, ...name('language'), 1, ...name('Rust'), ...name('')];
  const wasm = Buffer.from([...header, 0, producers.length, ...producers]);
  const merged = withWorkersRsProducer(wasm, '0.8.7');
  const expected = [...name('producers'), 2, ...name('language'), 1, ...name('Rust'), ...name(''),
    ...name('sdk'), 1, ...name('workers-rs'), ...name('0.8.7')];
  assert.deepEqual([...merged], [...header, 0, expected.length, ...expected]);
  assert.deepEqual(withWorkersRsProducer(merged, '9.9.9'), merged);
  const bare = Buffer.from(header);
  const sdkOnly = [...name('producers'), 1, ...name('sdk'), 1, ...name('workers-rs'), ...name('0.8.7')];
  assert.deepEqual([...withWorkersRsProducer(bare, '0.8.7')], [...header, 0, sdkOnly.length, ...sdkOnly]);
});
