// run-e2e: alone (scripts/run-e2e.mjs: no other test file runs beside this one)
// The gateway's memory while a 50 MiB answer passes through it with everything on (request logs
// with payloads, metrics, the stream guard): the workerd process must not grow with the size of
// the body. Each case runs on a fresh workerd (its peak, VmHWM, is a lifetime figure) and is
// compared with the same transfer through tests/support/pump-worker.mjs, the least a Worker that
// watches a body must do; the difference is what the gateway itself holds. Growth is the peak
// over the resident memory after a warm-up: VmHWM, reset to VmRSS just before the measured
// transfer (/proc/<pid>/clear_refs), and VmRSS sampled every 10 ms where a reset is not allowed.
//
// The bound, per case of n concurrent requests:
//   growth(gateway) <= growth(pump worker, same n) + n * PER_REQUEST_BYTES + NOISE_BYTES
// - PER_REQUEST_BYTES is what the gateway is allowed to keep for one request, from its own
//   constants: the log keeps at most LOG_BODY_MAX_BYTES of the body for the entry (building the
//   entry copies it up to 4 times: cutting, scrubbing, serialising); a JSON or text document is
//   read whole before answering only up to WHOLE_MAX_BYTES (src/body_stream.rs), held in
//   JavaScript and joined once; an SSE event is kept up to MAX_EVENT_BYTES by each of the two
//   parsers that read a stream (guard and log; crates/gateway-core/src/sse.rs); the copy crosses
//   into Wasm in batches of BATCH_BYTES (src/js/relay.js), and a chunk in flight exists twice (in
//   JavaScript and in Wasm memory, up to 1 MiB each).
// - NOISE_BYTES is the run-to-run spread of the runtime's own growth for the same transfer, most
//   of it V8 deciding when to collect the chunks' garbage: over eight runs on the (busy, 2-core)
//   machine this was written on, the pump worker grew by 21.0 to 25.4 MiB for one request and by
//   24.4 to 31.6 MiB for four, and the gateway (which makes a little more garbage: the batches of
//   its copy) by 16 to 36 MiB for one. 16 MiB covers that spread and is still under a third of one
//   copy of the body, so a gateway that held a copy of it (or a third of one) fails.
// Holding the body whole (the code this test was written against copies it in src/js/relay.js
// `passBody` and again into Wasm) costs 50 MiB and more per copy, far beyond the bound.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import { startMockUpstream } from './support/mock-upstream.mjs';
import { startGateway, startWorker, ROOT } from './support/gateway.mjs';
import { memoryOf, newWorkerdPid, resetPeak, sampleRss, workerdPids } from './support/process-memory.mjs';
import { newTag, waitForTaggedLog } from './support/log-api.mjs';

const MiB = 1024 * 1024;
const BODY_BYTES = 50 * MiB;
/** The default LOG_BODY_MAX_BYTES, set explicitly so the bound below is derived from a known value. */
const LOG_BODY_MAX_BYTES = 64 * 1024;
/** The largest document read whole before the client is answered (WHOLE_MAX_BYTES in src/body_stream.rs). */
const WHOLE_MAX_BYTES = 1 * MiB;
/** The most of one SSE event a parser keeps (MAX_EVENT_BYTES in crates/gateway-core/src/sse.rs). */
const MAX_EVENT_BYTES = 1 * MiB;
/** The most of the body's copy that crosses into Wasm at once (BATCH_BYTES in src/js/relay.js). */
const BATCH_BYTES = 64 * 1024;
const CHUNK_IN_FLIGHT_BYTES = 1 * MiB;
const PER_REQUEST_BYTES = 4 * LOG_BODY_MAX_BYTES + 2 * WHOLE_MAX_BYTES + 2 * MAX_EVENT_BYTES + 2 * BATCH_BYTES
  + 2 * CHUNK_IN_FLIGHT_BYTES;
const NOISE_BYTES = 16 * MiB;
/** How much of the end of each answer the client keeps, to find its usage. */
const TAIL_BYTES = 8 * 1024;
const TRUNCATION_MARKER = '…[truncated, original ';

const CHAT = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'a long answer, please' }] };
const SHAPES = {
  'JSON with content-length': { headers: {}, body: CHAT },
  'JSON without content-length': { headers: { 'x-mock-no-length': '1' }, body: CHAT },
  'SSE stream': { headers: {}, body: { ...CHAT, stream: true, stream_options: { include_usage: true } } },
};

let mock;
before(async () => { mock = await startMockUpstream(); });
after(async () => { await mock?.close(); });

const mib = (bytes) => `${(bytes / MiB).toFixed(1)} MiB`;

/**
 * Sends one answer of `bytes` in `shape` through `url` and consumes it without holding it: the
 * byte count and the last TAIL_BYTES. (node:http rather than fetch: it costs this process a third
 * of the CPU time per byte, and the mock shares the process.)
 */
function transfer(url, shape, bytes, extraHeaders = {}) {
  const { headers, body } = SHAPES[shape];
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test', 'x-mock-body-bytes': String(bytes), ...headers, ...extraHeaders },
      timeout: 60_000,
    }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`${shape}: status ${res.statusCode}`));
      let received = 0;
      let tail = Buffer.alloc(0);
      res.on('data', (chunk) => {
        received += chunk.length;
        tail = chunk.length >= TAIL_BYTES ? Buffer.from(chunk.subarray(-TAIL_BYTES)) : Buffer.concat([tail, chunk]).subarray(-TAIL_BYTES);
      });
      res.on('end', () => resolve({ received, tail: tail.toString('latin1') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`${shape}: no progress for 60 s`)));
    req.end(JSON.stringify(body));
  });
}

/** The usage at the end of an answer (the last `"usage":{…}` of its tail). */
function usageOf(tail) {
  const found = [...tail.matchAll(/"usage":(\{[^}]*\})/g)].at(-1);
  assert.ok(found, `no usage in the last ${TAIL_BYTES} bytes: ${tail.slice(-200)}`);
  return JSON.parse(found[1]);
}

/**
 * Starts a worker with `start` and finds its workerd process; warms it up with small answers of
 * every shape; then sends `shapes` (50 MiB each, concurrently) and measures the
 * process: resident memory at the warmed-up baseline, after, and at its peak. Every request is
 * tagged; `settle(worker, tags)` runs after each round, before memory is read (for the gateway:
 * waiting for the log entries, which it returns).
 */
async function measure(start, route, shapes, settle = async (worker, tags) => tags.map(() => null)) {
  const existing = workerdPids();
  const worker = await start();
  try {
    const pid = newWorkerdPid(existing);
    const run = async (list, bytes) => {
      const sent = list.map((shape) => ({ shape, ...newTag('memory') }));
      const got = await Promise.all(sent.map(({ shape, header }) => transfer(`${worker.url}${route}`, shape, bytes, header)));
      const entries = await settle(worker, sent.map(({ tag }) => tag));
      return sent.map(({ shape }, i) => ({ shape, ...got[i], entry: entries[i] }));
    };
    await run(Object.keys(SHAPES), 256 * 1024);
    const baseline = memoryOf(pid).rss;
    const peakReset = resetPeak(pid);
    const sampler = sampleRss(pid);
    const results = await run(shapes, BODY_BYTES);
    const sampledPeak = sampler.stop();
    const now = memoryOf(pid);
    // Without a reset, VmHWM is the lifetime peak (startup included): only the samples tell.
    const peak = Math.max(sampledPeak, peakReset ? now.hwm : 0);
    return { baseline, rss: now.rss, peak, growth: peak - baseline, results };
  } finally {
    await worker.close();
  }
}

const floors = new Map();
/** The pump worker's figures for `shapes` (measured once per list). */
async function floorFor(shapes) {
  const key = shapes.join('|');
  if (!floors.has(key)) {
    const pump = () => startWorker({ script: path.join(ROOT, 'tests/support/pump-worker.mjs'), vars: { UPSTREAM: mock.url } });
    floors.set(key, await measure(pump, '/openai/v1/chat/completions', shapes));
  }
  return floors.get(key);
}

/** The gateway with everything on: logs with payloads, metrics, the stream guard. */
function gatewayRun(shapes) {
  const start = () => startGateway(mock.url, { LOG_BODY_MAX_BYTES: String(LOG_BODY_MAX_BYTES) });
  // A missing entry is reported by the checks after the memory figures, not instead of them.
  const entries = (gw, tags) => Promise.all(tags.map((tag) => waitForTaggedLog(gw, tag, 20_000).catch(() => null)));
  return measure(start, '/v1/acct/gw/openai/chat/completions', shapes, entries);
}

/** The log entry of one 50 MiB answer: usage read from its tail, body cut to LOG_BODY_MAX_BYTES. */
function checkEntry({ shape, entry, tail, received }) {
  assert.ok(entry, `${shape}: no log entry was written`);
  const usage = usageOf(tail);
  assert.equal(entry.success, true, `${shape}: ${entry.error}`);
  assert.equal(entry.tokens_in, usage.prompt_tokens, `${shape}: tokens in, from the usage at the end of the body`);
  assert.equal(entry.tokens_out, usage.completion_tokens, `${shape}: tokens out, from the usage at the end of the body`);
  const stored = entry.response_body ?? '';
  const cut = stored.indexOf(TRUNCATION_MARKER);
  assert.ok(cut >= 0 && stored.endsWith(`${TRUNCATION_MARKER}${received} bytes]`), `${shape}: the stored body ends: ${stored.slice(-80)}`);
  assert.equal(Buffer.byteLength(stored.slice(0, cut)), LOG_BODY_MAX_BYTES, `${shape}: the stored body is cut to LOG_BODY_MAX_BYTES`);
}

const CASES = [
  ['(a) JSON with content-length', ['JSON with content-length']],
  ['(b) JSON without content-length', ['JSON without content-length']],
  ['(c) an SSE stream', ['SSE stream']],
  ['(d) four at once', ['JSON with content-length', 'JSON without content-length', 'SSE stream', 'JSON with content-length']],
];

for (const [name, shapes] of CASES) {
  test(`50 MiB through the gateway, ${name}`, async (t) => {
    // The pump worker's floor for one request is measured with the first shape; the bytes it
    // moves are the same whatever their format.
    const floor = await floorFor(shapes.length === 1 ? [Object.keys(SHAPES)[0]] : shapes);
    const run = await gatewayRun(shapes);
    const bound = floor.growth + shapes.length * PER_REQUEST_BYTES + NOISE_BYTES;
    t.diagnostic(`gateway workerd RSS: baseline ${mib(run.baseline)}, after ${mib(run.rss)}, peak ${mib(run.peak)}, growth ${mib(run.growth)}`);
    t.diagnostic(`pump worker RSS: baseline ${mib(floor.baseline)}, after ${mib(floor.rss)}, peak ${mib(floor.peak)}, growth ${mib(floor.growth)}`);
    t.diagnostic(`bound on the gateway's growth: ${mib(bound)}`);
    for (const r of run.results) assert.ok(r.received >= BODY_BYTES, `${r.shape}: ${r.received} bytes received`);
    await t.test('workerd\'s peak memory stays within the bound', () => {
      assert.ok(run.growth <= bound, `workerd grew by ${mib(run.growth)} at its peak, more than the ${mib(bound)} allowed (pump worker: ${mib(floor.growth)})`);
    });
    await t.test('each log entry has the usage from the tail and a body cut to LOG_BODY_MAX_BYTES', () => {
      for (const r of run.results) checkEntry(r);
    });
  });
}
