// The gateway benchmark: what the gateway costs on top of the smallest possible Rust worker.
//
// Four paths get the same small chat-completion request:
//   mock         straight to the mock upstream (the client and mock alone, for reference)
//   floor        through the floor worker (bench/floor: fetch UPSTREAM + path, return the response)
//   gateway      through the gateway (build/), pointed at the mock by UPSTREAM_OVERRIDES
//   gateway-hit  through the gateway with `cf-aig-cache-ttl`: after the warm-up's first request
//                stored it, every answer is a cache hit from KV (checked: `cf-aig-cache-status: HIT`)
//   gateway-vk   through the gateway with a virtual key as the API key: verified (from the
//                isolate's memory once read), the stored OPENAI_API_KEY sent upstream instead
//   gateway-lim  as gateway-vk, with a key whose limits (requests and tokens, far above what the
//                run sends) are reserved before and settled after every request: two round trips
//                to the key's LimitCounter Durable Object per request
//   gateway-grd  through a stored gateway running the prompt firewall, PII redaction and the model
//                policy on every request (the prompt has nothing to redact or block)
//   gateway-xlat the same question as an OpenAI Responses API request to `compat/responses` for an
//                Anthropic model: translated to Anthropic Messages and the answer (or its stream)
//                back to the Responses shape; compared with `gateway` (the untranslated call).
//                Its answers carry the gateway's clock, so they are checked for their shape and
//                text rather than byte for byte
//   gateway-miss     with `cf-aig-cache-ttl` and a question no earlier request asked: every
//                request an exact-cache miss, sent upstream and its answer stored in KV (waitUntil)
//   gateway-sem-miss as gateway-miss with `cf-aig-cache-semantic: true`: after the exact miss the
//                question is embedded (the mock's OpenAI embeddings, answering after
//                BENCH_EMBEDDER_MS with 1536 spread numbers, as text-embedding-3-small has) and
//                looked up in the local index (the SemanticIndex Durable Object of its partition,
//                which the run fills to its cap of 1000 vectors), misses, and the answer is stored
//                and indexed: what a miss adds over the exact path is (this − gateway-miss)
//   gateway-sem-hit  the same question every time in other letter cases: an exact miss, then a
//                semantic hit (similarity 1) on the one answer of its partition, replayed from KV
//                (checked: `cf-aig-cache-match: semantic`)
//   kv-put-floor a JS worker that passes the request to the mock, reads the answer whole, returns
//                it and writes it to KV in waitUntil (bench/kv-put-floor): what a stored miss costs
//                at the least, Miniflare's simulated KV write included (compare gateway-miss)
//   kv-floor     a JS worker that answers with one KV read (bench/kv-floor): what a hit costs at
//                the least, Miniflare's simulated KV included
//   mem-floor    a JS worker that answers from a copy in memory after its first KV read
//                (bench/mem-floor): the least a hit from the gateway's memory tier can cost
// each at concurrency 1 and 8, for a JSON answer and for an SSE stream read to the end.
// The mock runs in its own Node process, and the floor and the gateway each in their own
// Miniflare instance (one workerd process each), so the CPU time of each workerd process over a
// measured phase, divided by the requests it served, is what that worker costs per request.
//
// It prints numbers and writes them to target/bench-results.json; it never judges them.
// `node bench/run.mjs` uses the existing builds (`npm run bench` rebuilds first).
// Environment: BENCH_REQUESTS (measured requests per run, default 3000), BENCH_WARMUP (warm-up requests
// before each run, default 300), BENCH_ROUNDS (default 3: every run is repeated, floor and gateway
// taking turns to go first, and the rounds are pooled),
// BENCH_UPSTREAM_MS (default 20: the delay of the provider-like direct call a hit is compared
// with, see "Hit or upstream" in the report), BENCH_EMBEDDER_MS (default 20: how long the mock's
// embeddings take to answer, the semantic paths' embedding model), BENCH_CONCURRENCY (default "1,8"), BENCH_PATHS (default all: a comma-separated subset of the paths
// above), BENCH_STREAM=0 to skip the streaming scenario, BENCH_STREAM_USAGE=client (the stream's
// client asks for usage itself: see BODIES), BENCH_DIRECT=1
// to reach the workers on workerd's direct sockets, bypassing Miniflare's entry worker.
// Linux only: CPU time comes from /proc/<pid>/stat.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import os from 'node:os';
import { spawn, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { startWorker, overridesFor, ROOT, GATEWAY_BINDINGS } from '../tests/support/gateway.mjs';
import { BENCH_HEADERS as HEADERS, BENCH_MESSAGES as MESSAGES, BENCH_SECRETS, GUARDED_GATEWAY, benchBodies } from './setup.mjs';
import { cpuTimes, newWorkerdPid, workerdDescendants } from './workerd.mjs';

const REQUESTS = positiveInt('BENCH_REQUESTS', 3000);
const WARMUP = positiveInt('BENCH_WARMUP', 300, true);
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? '1,8').split(',').map((c) => Number(c.trim()));
const ROUNDS = positiveInt('BENCH_ROUNDS', 3);
const STREAM = process.env.BENCH_STREAM !== '0';
const DIRECT = process.env.BENCH_DIRECT === '1';
const PATH_NAMES = ['mock', 'floor', 'gateway', 'gateway-hit', 'gateway-vk', 'gateway-lim', 'gateway-grd', 'gateway-xlat', 'gateway-miss', 'gateway-sem-miss', 'gateway-sem-hit', 'kv-put-floor', 'kv-floor', 'mem-floor'];
const ONLY = process.env.BENCH_PATHS ? process.env.BENCH_PATHS.split(',').map((p) => p.trim()) : PATH_NAMES;
if (ONLY.some((p) => !PATH_NAMES.includes(p))) fail(`BENCH_PATHS must name some of ${PATH_NAMES.join(', ')}`);
// The direct call a hit is compared with: the mock answering after this many ms (and as long
// between stream events), a network round trip to a provider with no model time at all.
const UPSTREAM_MS = positiveInt('BENCH_UPSTREAM_MS', 20, true);
const EMBEDDER_MS = positiveInt('BENCH_EMBEDDER_MS', 20, true);
// The semantic paths' embedder: an OpenAI embedding model served by the mock (its size, 1536).
const EMBEDDER = { model: 'text-embedding-3-small', dimensions: 1536 };
const LATENCY_REQUESTS = { json: 100, stream: 25 };
const SETTLE_MS = 150; // lets work that trails the last response land before CPU is read
if (CONCURRENCY.some((c) => !Number.isInteger(c) || c < 1)) fail('BENCH_CONCURRENCY must be a comma-separated list of positive integers');

const FLOOR_SCRIPT = path.join(ROOT, 'bench/floor/build/index.js');
const GATEWAY_SCRIPT = path.join(ROOT, 'build/index.js');
// BENCH_GATEWAY_VARS: extra gateway variables as JSON, e.g. '{"LOGS_ENABLED":"false"}' to measure
// the proxy without request logs.
const GATEWAY_VARS = JSON.parse(process.env.BENCH_GATEWAY_VARS || '{}');
const KV_FLOOR_SCRIPT = path.join(ROOT, 'bench/kv-floor/index.mjs');
const KV_PUT_FLOOR_SCRIPT = path.join(ROOT, 'bench/kv-put-floor/index.mjs');
const MEM_FLOOR_SCRIPT = path.join(ROOT, 'bench/mem-floor/index.mjs');
const MOCK_SCRIPT = path.join(ROOT, 'tests/support/mock-upstream.mjs');
const RESULTS_FILE = path.join(ROOT, 'target/bench-results.json');
// BENCH_STREAM_USAGE=client: the streaming client asks for usage itself (see benchBodies).
const BODIES = benchBodies({ clientAsksUsage: process.env.BENCH_STREAM_USAGE === 'client' });
// The gateway-xlat path's requests: the same question in the Responses API's shape.
const RESPONSES_BODIES = {
  json: Buffer.from(JSON.stringify({ model: 'anthropic/claude-sonnet-4-5', input: MESSAGES, max_output_tokens: 256 })),
  stream: Buffer.from(JSON.stringify({ model: 'anthropic/claude-sonnet-4-5', input: MESSAGES, max_output_tokens: 256, stream: true })),
};
// The miss paths' requests: a question no earlier request asked (each model its own partition).
let asked = 0;
const freshQuestion = (model) => (scenario) => Buffer.from(JSON.stringify({
  model, messages: [{ role: 'user', content: `Say hello in one short sentence to visitor number ${++asked}.` }], ...(scenario === 'stream' ? { stream: true } : {}),
}));
// The gateway-sem-hit path's requests: the same question, its letters' case set by the bits of a
// counter, so every body is new to the exact cache and the same text once normalised.
let variant = 0;
const sameQuestionAgain = (scenario) => {
  const bits = ++variant;
  let letter = 0;
  const content = MESSAGES[0].content.replace(/[a-z]/gi, (c) => ((bits >> (letter++ % 24)) & 1 ? c.toUpperCase() : c.toLowerCase()));
  return Buffer.from(JSON.stringify({ model: 'm-sem-hit', messages: [{ role: 'user', content }], ...(scenario === 'stream' ? { stream: true } : {}) }));
};
/** The body of a path's next request: the scenario's one body, or the next its function makes. */
const nextBody = (bodies, scenario) => (typeof bodies === 'function' ? bodies(scenario) : bodies[scenario]);

function positiveInt(name, fallback, zeroOk = false) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < (zeroOk ? 0 : 1)) fail(`${name} must be a ${zeroOk ? 'non-negative' : 'positive'} integer, got ${JSON.stringify(raw)}`);
  return n;
}

function fail(message) {
  console.error(`bench: ${message}`);
  process.exit(2);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// Processes: everything started here is tracked so that it can be stopped on exit, error or signal.

const cleanup = { mock: null, workers: [], workerdPids: new Set() };

async function cleanUp() {
  const workers = cleanup.workers.splice(0);
  const closed = await Promise.allSettled(workers.map((w) => w.close()));
  // A disposed instance's workerd has exited: forget its pid, which the system may hand out again.
  closed.forEach((c, i) => { if (c.status === 'fulfilled') cleanup.workerdPids.delete(workers[i].pid); });
  if (cleanup.mock && cleanup.mock.exitCode === null && cleanup.mock.signalCode === null) {
    const exited = new Promise((r) => cleanup.mock.once('exit', r));
    cleanup.mock.kill('SIGTERM');
    await Promise.race([exited, sleep(2000)]);
  }
  cleanup.mock = null;
}

// Last resort when the process goes down without cleanUp() having finished: stop, by pid, the
// processes this script started.
process.on('exit', () => {
  if (cleanup.mock && cleanup.mock.exitCode === null) try { cleanup.mock.kill('SIGKILL'); } catch {}
  for (const pid of cleanup.workerdPids) if (isAlive(pid)) try { process.kill(pid, 'SIGKILL'); } catch {}
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    console.error(`\nbench: ${signal}, stopping the mock and the workers`);
    const force = setTimeout(() => process.exit(130), 5000);
    cleanUp().finally(() => { clearTimeout(force); process.exit(130); });
  });
}

function isAlive(pid) {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

/** CPU time of a process (all its threads), user + system, in clock ticks. */
function cpuTicks(pid) {
  const { user, system } = cpuTimes(pid);
  return user + system;
}

async function startMock() {
  const child = spawn(process.execPath, [MOCK_SCRIPT, '0', String(EMBEDDER_MS), String(EMBEDDER.dimensions)], { stdio: ['ignore', 'pipe', 'inherit'] });
  cleanup.mock = child;
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('the mock upstream did not start within 15 s')), 15_000);
    child.once('exit', (code, signal) => { clearTimeout(timer); reject(new Error(`the mock upstream exited (${code ?? signal})`)); });
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = out.match(/mock upstream on (http:\/\/\S+)/);
      if (match) { clearTimeout(timer); resolve(match[1]); }
    });
  });
  child.stdout.resume();
  return { url, pid: child.pid };
}

// BENCH_DIRECT=1 serves each worker on a direct socket of workerd, without Miniflare's entry
// worker in front of it. That entry worker runs in the same workerd process as the measured
// worker, so by default its CPU time is part of both the floor's and the gateway's.

/** Starts a worker under Miniflare and finds its workerd process by diffing the set of workerd PIDs. */
/** One admin call of the bench's setup; its JSON answer. */
async function adminCall(gatewayUrl, path, body) {
  const res = await fetch(`${gatewayUrl}${path}`, {
    method: 'POST', headers: { authorization: `Bearer ${BENCH_SECRETS.ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = await res.json();
  if (res.status !== 201) throw new Error(`POST ${path} answered ${res.status}: ${JSON.stringify(answer)}`);
  return answer;
}

/** Creates the virtual key of the gateway-vk path through the admin API; its secret. */
async function createVirtualKey(gatewayUrl, limits = undefined) {
  const res = await fetch(`${gatewayUrl}/api/keys`, {
    method: 'POST', headers: { authorization: `Bearer ${BENCH_SECRETS.ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench', provider_keys: ['OPENAI_API_KEY'], limits }),
  });
  const body = await res.json();
  if (res.status !== 201) throw new Error(`creating the bench's virtual key answered ${res.status}: ${JSON.stringify(body)}`);
  return body.secret;
}

async function startMeasuredWorker(name, options) {
  const before = workerdDescendants();
  const worker = await startWorker({ ...options, direct: DIRECT });
  cleanup.workers.push(worker);
  worker.pid = newWorkerdPid(before, name);
  cleanup.workerdPids.add(worker.pid);
  return worker;
}

// ---------------------------------------------------------------------------------------------
// Load generator: `concurrency` request loops over one keep-alive agent.

function request(agent, target, body, extraHeaders = {}) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const req = http.request({
      agent, host: target.hostname, port: target.port, path: target.pathname, method: 'POST',
      headers: { ...HEADERS, ...extraHeaders, 'content-length': body.length },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => resolve({
        status: res.statusCode,
        headers: res.headers,
        ms: Number(process.hrtime.bigint() - start) / 1e6,
        body: Buffer.concat(chunks),
      }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function load(agent, target, bodies, scenario, concurrency, total, check, headers) {
  const latencies = new Float64Array(total);
  let next = 0;
  let errors = 0;
  let firstError;
  const loop = async () => {
    while (next < total) {
      const i = next++;
      try {
        const res = await request(agent, target, nextBody(bodies, scenario), headers);
        latencies[i] = res.ms;
        const problem = check(res);
        if (problem) { errors++; firstError ??= problem; }
      } catch (err) {
        latencies[i] = NaN;
        errors++;
        firstError ??= err.message;
      }
    }
  };
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, loop));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { latencies, seconds, errors, firstError };
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

/**
 * What every response of a scenario must look like: the mock's own answer, byte for byte; or,
 * for a translated answer (`reference` a function), what that function accepts.
 */
function checker(reference, expectHit, expectStatus) {
  return (res) => {
    if (expectHit && res.headers['cf-aig-cache-status'] !== 'HIT') return `not a cache hit: ${res.headers['cf-aig-cache-status']}`;
    if (expectHit === 'semantic' && res.headers['cf-aig-cache-match'] !== 'semantic') return `not a semantic hit: ${res.headers['cf-aig-cache-match']}`;
    if (expectStatus && res.headers['cf-aig-cache-status'] !== expectStatus) return `cache status ${res.headers['cf-aig-cache-status']}, not ${expectStatus}`;
    if (res.status !== 200) return `status ${res.status}: ${res.body.toString('utf8').slice(0, 200)}`;
    const same = typeof reference === 'function' ? reference(res.body.toString('utf8')) : res.body.equals(reference);
    if (!same) return `unexpected body: ${res.body.toString('utf8').slice(0, 200)}`;
    return null;
  };
}

/** An OpenAI chat answer to a question the benchmark varies: whole, whatever its text. */
function chatAnswer(scenario) {
  return scenario === 'stream'
    ? (body) => body.includes('"object":"chat.completion.chunk"') && body.trimEnd().endsWith('data: [DONE]')
    : (body) => JSON.parse(body).object === 'chat.completion';
}

/** A translated Responses answer: complete, with the text the mock's Anthropic answer holds. */
function responsesAnswer(scenario, text) {
  return scenario === 'stream'
    ? (body) => body.includes('event: response.completed') && body.includes(JSON.stringify(text).slice(1, -1))
    : (body) => { const r = JSON.parse(body); return r.status === 'completed' && r.output?.[0]?.content?.[0]?.text === text; };
}

/** Busy and total CPU time of the whole machine, in clock ticks, from /proc/stat. */
function machineTicks() {
  const [user, nice, system, idle, iowait, irq, softirq, steal] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return { busy: user + nice + system + irq + softirq + (steal || 0), idle: idle + (iowait || 0) };
}

/** One measured run: warm-up, then REQUESTS requests, with the CPU time of `cpuPids` around them. */
async function run({ scenario, url, concurrency, cpuPids, ownPids, reference, headers, hit: cached = false, cacheStatus, bodies = BODIES }) {
  const target = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const check = checker(reference, false);
  const checkHit = checker(reference, cached, cacheStatus);
  const label = `${scenario} ${url} c=${concurrency}`;
  const snapshot = () => ({
    pids: Object.fromEntries(Object.entries(cpuPids).map(([k, pid]) => [k, cpuTicks(pid)])),
    own: ownPids.reduce((n, pid) => n + cpuTicks(pid), 0),
    machine: machineTicks(),
  });
  try {
    if (cached) {
      // The first request stores the entry (in waitUntil, after its response): wait for a hit.
      let hit = false;
      for (let i = 0; i < 100 && !hit; i++) {
        const res = await request(agent, target, nextBody(bodies, scenario), headers);
        if (check(res)) throw new Error(`${label}: priming the cache failed: ${check(res)}`);
        hit = !checker(reference, cached)(res);
        if (!hit) await sleep(20);
      }
      if (!hit) throw new Error(`${label}: the response was never served from the cache`);
    }
    if (WARMUP > 0) {
      const warm = await load(agent, target, bodies, scenario, concurrency, WARMUP, checkHit, headers);
      if (warm.errors) throw new Error(`${label}: ${warm.errors} failed warm-up requests, first: ${warm.firstError}`);
    }
    await sleep(SETTLE_MS);
    const before = snapshot();
    const measured = await load(agent, target, bodies, scenario, concurrency, REQUESTS, checkHit, headers);
    await sleep(SETTLE_MS);
    const after = snapshot();
    const elapsedTicks = (after.machine.busy + after.machine.idle) - (before.machine.busy + before.machine.idle);
    const backgroundTicks = (after.machine.busy - before.machine.busy) - (after.own - before.own);
    return {
      latencies: measured.latencies, seconds: measured.seconds, errors: measured.errors, firstError: measured.firstError,
      ticks: Object.fromEntries(Object.keys(cpuPids).map((k) => [k, after.pids[k] - before.pids[k]])),
      // CPUs kept busy by processes other than this benchmark's, on average over the run.
      backgroundCpus: elapsedTicks > 0 ? Math.max(0, backgroundTicks) / elapsedTicks * (os.availableParallelism?.() ?? os.cpus().length) : null,
    };
  } finally {
    agent.destroy();
  }
}

/** Folds the rounds of one (scenario, path, concurrency) into one result. */
function summarize({ scenario, path: pathName, concurrency }, rounds, clkTck) {
  const requests = rounds.length * REQUESTS;
  const ok = rounds.flatMap((r) => [...r.latencies]).filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  const seconds = rounds.reduce((n, r) => n + r.seconds, 0);
  const msPerReq = (ticks, n) => (ticks * 1000) / clkTck / n;
  const sumTicks = (k) => rounds.reduce((n, r) => n + r.ticks[k], 0);
  const hasWorker = 'worker' in rounds[0].ticks;
  const errors = rounds.reduce((n, r) => n + r.errors, 0);
  return {
    scenario, path: pathName, concurrency, rounds: rounds.length, requests, errors,
    firstError: rounds.find((r) => r.firstError)?.firstError ?? null,
    seconds,
    p50Ms: percentile(ok, 0.5), p90Ms: percentile(ok, 0.9), p99Ms: percentile(ok, 0.99), maxMs: ok.at(-1) ?? null,
    meanMs: ok.reduce((a, b) => a + b, 0) / (ok.length || 1),
    reqPerSec: requests / seconds,
    workerCpuTicks: hasWorker ? sumTicks('worker') : null,
    workerCpuMsPerReq: hasWorker ? msPerReq(sumTicks('worker'), requests) : null,
    workerCpuMsPerReqByRound: hasWorker ? rounds.map((r) => msPerReq(r.ticks.worker, REQUESTS)) : null,
    mockCpuMsPerReq: msPerReq(sumTicks('mock'), requests),
    reqPerSecByRound: rounds.map((r) => REQUESTS / r.seconds),
    backgroundCpus: rounds.reduce((n, r) => n + (r.backgroundCpus ?? 0), 0) / rounds.length,
  };
}

// ---------------------------------------------------------------------------------------------
// Report

function cell(value, width, digits = 2) {
  const text = value === null || value === undefined || Number.isNaN(value) ? '-'
    : typeof value === 'number' ? value.toFixed(digits) : String(value);
  return text.padStart(width);
}

function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cols) => cols.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

const ratio = (a, b) => (a === null || b === null || !b ? null : a / b);
const ratioText = (x) => (x === null || Number.isNaN(x) ? '-' : `${x.toFixed(2)}x`);

function kib(bytes) {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

function wasmSize(file) {
  const raw = fs.readFileSync(file);
  return {
    file: path.relative(ROOT, file), rawBytes: raw.length, gzipBytes: zlib.gzipSync(raw, { level: 9 }).length,
    sha256: createHash('sha256').update(raw).digest('hex'), built: fs.statSync(file).mtime.toISOString(),
  };
}

function environment(clkTck) {
  const cpuModel = (() => {
    try { return fs.readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m)?.[1] ?? os.cpus()[0]?.model; } catch { return os.cpus()[0]?.model; }
  })();
  let workerd = null;
  try { workerd = execFileSync(path.join(ROOT, 'node_modules/.bin/workerd'), ['--version'], { encoding: 'utf8' }).trim(); } catch {}
  return {
    date: new Date().toISOString(), cpus: os.availableParallelism?.() ?? os.cpus().length, cpuModel,
    node: process.version, workerd, clkTck, requestsPerRun: REQUESTS, warmupPerRun: WARMUP, rounds: ROUNDS,
    workerSockets: DIRECT ? 'direct (no Miniflare entry worker)' : 'Miniflare entry worker',
    loadAverage: fs.readFileSync('/proc/loadavg', 'utf8').trim().split(' ').slice(0, 3).map(Number),
  };
}

// ---------------------------------------------------------------------------------------------

async function main() {
  if (process.platform !== 'linux') fail('needs Linux (/proc) to read CPU time');
  for (const file of [FLOOR_SCRIPT, GATEWAY_SCRIPT]) {
    if (!fs.existsSync(file)) fail(`${path.relative(ROOT, file)} is missing: build first (npm run build, or npm run bench)`);
  }
  const clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  const env = environment(clkTck);
  const sizes = {
    gateway: wasmSize(path.join(ROOT, 'build/index_bg.wasm')),
    floor: wasmSize(path.join(ROOT, 'bench/floor/build/index_bg.wasm')),
  };

  console.log(`bench: ${env.date}, ${env.cpus} CPUs (${env.cpuModel}), node ${env.node}, ${env.workerd}`);
  console.log(`bench: ${ROUNDS} rounds; ${REQUESTS} measured requests per run after ${WARMUP} warm-up requests; CLK_TCK ${clkTck}; load average ${env.loadAverage.join(' ')}`);
  console.log(`bench: workers reached through: ${env.workerSockets}`);

  const mock = await startMock();
  const floor = await startMeasuredWorker('floor', { script: FLOOR_SCRIPT, vars: { UPSTREAM: mock.url } });
  const gateway = await startMeasuredWorker('gateway', {
    script: GATEWAY_SCRIPT,
    // SEMANTIC_TIMEOUT_MS: at concurrency 8 on 2 cores an embedding call queues behind the others
    // past the default 150 ms now and then, which turns a semantic hit into a miss: the runs
    // measure what a lookup costs, so they give it time.
    vars: {
      UPSTREAM_OVERRIDES: JSON.stringify(overridesFor(mock.url)), SEMANTIC_EMBEDDER: `openai:${EMBEDDER.model}`, SEMANTIC_TIMEOUT_MS: '1000',
      ...BENCH_SECRETS, ...GATEWAY_VARS,
    },
    ...GATEWAY_BINDINGS,
  });
  const virtualKey = await createVirtualKey(gateway.url);
  const limitedKey = await createVirtualKey(gateway.url, {
    requests: { limit: 1_000_000_000, interval: 86_400 }, tokens: [{ limit: 1_000_000_000_000, window: 'day' }],
  });
  await adminCall(gateway.url, '/api/gateways', GUARDED_GATEWAY);
  const kvFloor = await startMeasuredWorker('kv-floor', { script: KV_FLOOR_SCRIPT, kvNamespaces: ['CACHE'] });
  const memFloor = await startMeasuredWorker('mem-floor', { script: MEM_FLOOR_SCRIPT, kvNamespaces: ['CACHE'] });
  const kvPutFloor = await startMeasuredWorker('kv-put-floor', { script: KV_PUT_FLOOR_SCRIPT, kvNamespaces: ['CACHE'], vars: { UPSTREAM: mock.url } });
  console.log(`bench: kv-floor ${kvFloor.url} (workerd pid ${kvFloor.pid}), mem-floor ${memFloor.url} (workerd pid ${memFloor.pid})`);
  console.log(`bench: mock ${mock.url} (pid ${mock.pid}), floor ${floor.url} (workerd pid ${floor.pid}), gateway ${gateway.url} (workerd pid ${gateway.pid})\n`);

  const allPaths = [
    { name: 'mock', url: `${mock.url}/openai/v1/chat/completions`, cpuPids: { mock: mock.pid } },
    { name: 'floor', url: `${floor.url}/openai/v1/chat/completions`, cpuPids: { worker: floor.pid, mock: mock.pid } },
    { name: 'gateway', url: `${gateway.url}/v1/bench/gw/openai/chat/completions`, cpuPids: { worker: gateway.pid, mock: mock.pid } },
    {
      name: 'gateway-hit', url: `${gateway.url}/v1/bench/gw/openai/chat/completions`, cpuPids: { worker: gateway.pid, mock: mock.pid },
      headers: { 'cf-aig-cache-ttl': '3600' }, hit: true,
    },
    {
      name: 'gateway-vk', url: `${gateway.url}/v1/bench/gw/openai/chat/completions`, cpuPids: { worker: gateway.pid, mock: mock.pid },
      headers: { authorization: `Bearer ${virtualKey}` },
    },
    {
      name: 'gateway-lim', url: `${gateway.url}/v1/bench/gw/openai/chat/completions`, cpuPids: { worker: gateway.pid, mock: mock.pid },
      headers: { authorization: `Bearer ${limitedKey}` },
    },
    { name: 'gateway-grd', url: `${gateway.url}/v1/bench/guarded/openai/chat/completions`, cpuPids: { worker: gateway.pid, mock: mock.pid } },
    {
      name: 'gateway-xlat', url: `${gateway.url}/v1/bench/gw/compat/responses`, cpuPids: { worker: gateway.pid, mock: mock.pid },
      bodies: RESPONSES_BODIES, translated: true,
    },
    {
      name: 'gateway-miss', url: `${gateway.url}/v1/bench/gw/openai/chat/completions`, cpuPids: { worker: gateway.pid, mock: mock.pid },
      headers: { 'cf-aig-cache-ttl': '3600' }, bodies: freshQuestion('m-miss'), answered: true, cacheStatus: 'MISS',
    },
    {
      name: 'gateway-sem-miss', url: `${gateway.url}/v1/bench/gw/openai/chat/completions`, cpuPids: { worker: gateway.pid, mock: mock.pid },
      headers: { 'cf-aig-cache-ttl': '3600', 'cf-aig-cache-semantic': 'true' }, bodies: freshQuestion('m-sem-miss'), answered: true, cacheStatus: 'MISS',
    },
    {
      name: 'gateway-sem-hit', url: `${gateway.url}/v1/bench/gw/openai/chat/completions`, cpuPids: { worker: gateway.pid, mock: mock.pid },
      headers: { 'cf-aig-cache-ttl': '3600', 'cf-aig-cache-semantic': 'true' }, bodies: sameQuestionAgain, answered: true, hit: 'semantic',
    },
    {
      name: 'kv-put-floor', url: `${kvPutFloor.url}/openai/v1/chat/completions`, cpuPids: { worker: kvPutFloor.pid, mock: mock.pid },
      bodies: freshQuestion('m-kv-put'), answered: true,
    },
    { name: 'kv-floor', url: `${kvFloor.url}/`, cpuPids: { worker: kvFloor.pid, mock: mock.pid } },
    { name: 'mem-floor', url: `${memFloor.url}/`, cpuPids: { worker: memFloor.pid, mock: mock.pid } },
  ];
  const paths = allPaths.filter((p) => ONLY.includes(p.name));
  const scenarios = STREAM ? ['json', 'stream'] : ['json'];

  // Each scenario's expected body, straight from the mock.
  const references = {};
  for (const scenario of scenarios) {
    const agent = new http.Agent({ keepAlive: false });
    const res = await request(agent, new URL(allPaths[0].url), BODIES[scenario]);
    agent.destroy();
    if (res.status !== 200) throw new Error(`the mock answered ${res.status} to the ${scenario} request`);
    references[scenario] = res.body;
    const seed = new Uint8Array(res.body);
    for (const w of [kvFloor, memFloor]) {
      await (await w.mf.getKVNamespace('CACHE')).put(`bench-${scenario}`, seed.buffer.slice(seed.byteOffset, seed.byteOffset + seed.byteLength));
    }
  }

  // The translated path's answers hold the text of the mock's Anthropic answer to the question.
  const translatedReferences = {};
  {
    const agent = new http.Agent({ keepAlive: false });
    const anthropic = Buffer.from(JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 256, messages: MESSAGES }));
    const res = await request(agent, new URL(`${mock.url}/anthropic/v1/messages`), anthropic, { 'x-api-key': 'sk-bench' });
    agent.destroy();
    if (res.status !== 200) throw new Error(`the mock answered ${res.status} to the Anthropic request`);
    const text = JSON.parse(res.body.toString('utf8')).content.map((b) => b.text ?? '').join('');
    for (const scenario of scenarios) translatedReferences[scenario] = responsesAnswer(scenario, text);
  }

  // Rounds of every (scenario, concurrency, path) run; the floor and the gateway swap places every
  // round so that a slow drift of the machine's load does not favour one of them.
  const keys = [];
  for (const scenario of scenarios) for (const concurrency of CONCURRENCY) for (const p of paths) keys.push({ scenario, concurrency, path: p.name });
  const raw = new Map(keys.map((k) => [JSON.stringify(k), []]));
  const ownPids = [process.pid, mock.pid, floor.pid, gateway.pid, kvFloor.pid, memFloor.pid, kvPutFloor.pid];
  for (let round = 1; round <= ROUNDS; round++) {
    console.log(`round ${round}/${ROUNDS}`);
    // Odd rounds go in the listed order, even rounds in reverse.
    const order = round % 2 === 1 ? paths : [...paths].reverse();
    for (const scenario of scenarios) {
      for (const concurrency of CONCURRENCY) {
        for (const p of order) {
          const reference = p.translated ? translatedReferences[scenario] : p.answered ? chatAnswer(scenario) : references[scenario];
          const r = await run({ scenario, url: p.url, concurrency, cpuPids: p.cpuPids, ownPids, reference, headers: p.headers, hit: p.hit, cacheStatus: p.cacheStatus, bodies: p.bodies });
          raw.get(JSON.stringify({ scenario, concurrency, path: p.name })).push(r);
          const cpu = 'worker' in r.ticks ? `  CPU ${((r.ticks.worker * 1000) / clkTck / REQUESTS).toFixed(3)} ms/req (${r.ticks.worker} ticks)` : '';
          const sorted = [...r.latencies].filter((x) => !Number.isNaN(x)).sort((x, y) => x - y);
          console.log(`  ${scenario.padEnd(6)} ${p.name.padEnd(11)} c=${String(concurrency).padEnd(2)} p50 ${percentile(sorted, 0.5).toFixed(3)} ms`
            + `  p99 ${percentile(sorted, 0.99).toFixed(3)} ms  ${(REQUESTS / r.seconds).toFixed(0)} req/s${cpu}`
            + `  background ${(r.backgroundCpus ?? NaN).toFixed(2)} CPUs`
            + (r.errors ? `  ${r.errors} ERRORS, first: ${r.firstError}` : ''));
        }
      }
    }
  }
  const results = keys.map((k) => summarize(k, raw.get(JSON.stringify(k)), clkTck));

  const ratios = [];
  for (const scenario of scenarios) {
    for (const concurrency of CONCURRENCY) {
      const find = (name) => results.find((r) => r.scenario === scenario && r.concurrency === concurrency && r.path === name);
      for (const [name, base] of [['gateway', 'floor'], ['gateway-hit', 'floor'], ['gateway-hit', 'kv-floor'], ['gateway-hit', 'mem-floor'], ['gateway-vk', 'floor'], ['gateway-vk', 'gateway'], ['gateway-lim', 'floor'], ['gateway-lim', 'gateway-vk'], ['gateway-grd', 'floor'], ['gateway-grd', 'gateway'], ['gateway-xlat', 'floor'], ['gateway-xlat', 'gateway'], ['gateway-miss', 'floor'], ['gateway-miss', 'gateway'], ['gateway-miss', 'kv-put-floor'], ['kv-put-floor', 'floor'], ['gateway-sem-miss', 'floor'], ['gateway-sem-miss', 'gateway-miss'], ['gateway-sem-hit', 'floor'], ['gateway-sem-hit', 'gateway-hit']]) {
        const g = find(name);
        const f = find(base);
        if (!g || !f) continue;
        const byRound = g.workerCpuMsPerReqByRound.map((x, i) => ratio(x, f.workerCpuMsPerReqByRound[i]));
        ratios.push({
          scenario, concurrency, path: `${name} / ${base}`,
          cpuPerReq: ratio(g.workerCpuMsPerReq, f.workerCpuMsPerReq),
          cpuPerReqByRound: byRound,
          p50: ratio(g.p50Ms, f.p50Ms), p99: ratio(g.p99Ms, f.p99Ms), reqPerSec: ratio(g.reqPerSec, f.reqPerSec),
          p50OverMock: ratio(g.p50Ms, find('mock')?.p50Ms ?? null),
        });
      }
    }
  }

  // Hit or upstream: latency of a hit against the direct call to the mock, answering at once and
  // answering after UPSTREAM_MS (sequential requests; a hit's figures come from the runs above).
  const versus = [];
  if (ONLY.includes('gateway-hit')) {
    for (const scenario of scenarios) {
      const hit = results.find((r) => r.scenario === scenario && r.concurrency === Math.min(...CONCURRENCY) && r.path === 'gateway-hit');
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const direct = new URL(allPaths[0].url);
      const timed = async (headers) => {
        const n = LATENCY_REQUESTS[scenario];
        const { latencies, errors, firstError } = await load(agent, direct, BODIES, scenario, 1, n, checker(references[scenario], false), headers);
        if (errors) throw new Error(`direct call to the mock failed: ${firstError}`);
        const sorted = [...latencies].sort((a, b) => a - b);
        return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) };
      };
      const immediate = await timed({});
      const delayed = await timed({ 'x-mock-delay-ms': String(UPSTREAM_MS) });
      agent.destroy();
      versus.push({ scenario, concurrency: hit.concurrency, hitP50: hit.p50Ms, hitP99: hit.p99Ms, immediate, delayed });
    }
  }

  // What a virtual key adds over the open gateway, in floors (the target: at most 0.1).
  const keyCost = [];
  for (const scenario of scenarios) {
    for (const concurrency of CONCURRENCY) {
      const find = (name) => results.find((r) => r.scenario === scenario && r.concurrency === concurrency && r.path === name);
      const [vk, open, fl] = [find('gateway-vk'), find('gateway'), find('floor')];
      if (!vk || !open || !fl) continue;
      const added = (v, o, f) => (v === null || o === null || !f ? null : (v - o) / f);
      keyCost.push({
        scenario, concurrency, addedOverFloor: added(vk.workerCpuMsPerReq, open.workerCpuMsPerReq, fl.workerCpuMsPerReq),
        byRound: vk.workerCpuMsPerReqByRound.map((v, i) => added(v, open.workerCpuMsPerReqByRound[i], fl.workerCpuMsPerReqByRound[i])),
      });
    }
  }

  // What the semantic cache costs: a semantic miss over an exact miss, and a semantic hit.
  const semantic = [];
  for (const scenario of scenarios) {
    for (const concurrency of CONCURRENCY) {
      const find = (name) => results.find((r) => r.scenario === scenario && r.concurrency === concurrency && r.path === name);
      const [miss, semMiss, semHit] = [find('gateway-miss'), find('gateway-sem-miss'), find('gateway-sem-hit')];
      if (!miss || !semMiss) continue;
      semantic.push({
        scenario, concurrency, exactMissCpu: miss.workerCpuMsPerReq, semanticMissCpu: semMiss.workerCpuMsPerReq,
        semanticHitCpu: semHit?.workerCpuMsPerReq ?? null,
        missAddsCpu: semMiss.workerCpuMsPerReq - miss.workerCpuMsPerReq, missAddsP50: semMiss.p50Ms - miss.p50Ms,
        exactMissP50: miss.p50Ms, semanticMissP50: semMiss.p50Ms, semanticHitP50: semHit?.p50Ms ?? null,
      });
    }
  }

  const range = (xs, digits, suffix = '') => (xs && xs.length > 1
    ? `${Math.min(...xs).toFixed(digits)}${suffix}-${Math.max(...xs).toFixed(digits)}${suffix}` : '-');
  console.log(`\nRuns (${ROUNDS} round${ROUNDS === 1 ? '' : 's'} of ${REQUESTS} requests each, pooled)`);
  console.log(table(['scenario', 'path', 'conc', 'requests', 'p50 ms', 'p99 ms', 'req/s', 'CPU ms/req', 'ticks', 'CPU ms/req by round', 'bg CPUs', 'errors'],
    results.map((r) => [
      r.scenario, r.path, String(r.concurrency), String(r.requests), cell(r.p50Ms, 0, 3), cell(r.p99Ms, 0, 3), cell(r.reqPerSec, 0, 0),
      cell(r.workerCpuMsPerReq, 0, 3), r.workerCpuTicks === null ? '-' : String(r.workerCpuTicks),
      range(r.workerCpuMsPerReqByRound, 3), cell(r.backgroundCpus, 0, 2), String(r.errors),
    ])));

  console.log('\nRatios (gateway-hit: every answer from the cache; last column: p50 over the mock\'s own p50)');
  console.log(table(['scenario', 'path', 'conc', 'CPU/req', 'CPU/req by round', 'p50', 'p99', 'req/s', 'p50/mock'],
    ratios.map((r) => [r.scenario, r.path, String(r.concurrency), ratioText(r.cpuPerReq), range(r.cpuPerReqByRound, 2, 'x'),
      ratioText(r.p50), ratioText(r.p99), ratioText(r.reqPerSec), ratioText(r.p50OverMock)])));

  if (keyCost.length) {
    console.log('\nVirtual key: CPU per request added over the open gateway, in floors ((gateway-vk - gateway) / floor)');
    console.log(table(['scenario', 'conc', 'added', 'by round'],
      keyCost.map((k) => [k.scenario, String(k.concurrency), cell(k.addedOverFloor, 0, 3), k.byRound.map((x) => cell(x, 0, 3)).join(' ')])));
  }

  if (semantic.length) {
    console.log(`\nSemantic cache (embedder answering after ${EMBEDDER_MS} ms; ms per request)`);
    console.log(table(['scenario', 'conc', 'exact miss CPU', 'semantic miss CPU', 'miss adds CPU', 'semantic hit CPU', 'p50: exact miss', 'semantic miss', 'miss adds', 'semantic hit'],
      semantic.map((x) => [x.scenario, String(x.concurrency), cell(x.exactMissCpu, 0, 3), cell(x.semanticMissCpu, 0, 3), cell(x.missAddsCpu, 0, 3),
        cell(x.semanticHitCpu, 0, 3), cell(x.exactMissP50, 0, 3), cell(x.semanticMissP50, 0, 3), cell(x.missAddsP50, 0, 3), cell(x.semanticHitP50, 0, 3)])));
  }

  if (versus.length) {
    console.log(`\nHit or upstream (p50 / p99 ms; the direct calls are ${LATENCY_REQUESTS.json} json and ${LATENCY_REQUESTS.stream} stream requests, one at a time)`);
    console.log(table(['scenario', 'conc', 'gateway hit', 'mock, at once', `mock, after ${UPSTREAM_MS} ms`, 'hit faster by (p50)'],
      versus.map((v) => [v.scenario, String(v.concurrency), `${cell(v.hitP50, 0, 3)} / ${cell(v.hitP99, 0, 3)}`,
        `${cell(v.immediate.p50, 0, 3)} / ${cell(v.immediate.p99, 0, 3)}`, `${cell(v.delayed.p50, 0, 3)} / ${cell(v.delayed.p99, 0, 3)}`,
        `${(ratio(v.delayed.p50, v.hitP50) ?? NaN).toFixed(1)}x`])));
  }

  console.log('\nWasm size (gzip: zlib level 9)');
  console.log(table(['worker', 'file', 'raw', 'gzip', 'sha256', 'built'],
    Object.entries(sizes).map(([name, s]) => [name, s.file, kib(s.rawBytes), kib(s.gzipBytes), s.sha256.slice(0, 12), s.built])));

  fs.mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
  fs.writeFileSync(RESULTS_FILE, `${JSON.stringify({ environment: env, wasm: sizes, runs: results, gatewayOverFloor: ratios, hitOrUpstream: { upstreamMs: UPSTREAM_MS, versus }, virtualKey: keyCost, semanticCache: { embedderMs: EMBEDDER_MS, embedder: EMBEDDER, runs: semantic } }, null, 2)}\n`);
  console.log(`\nbench: results written to ${path.relative(ROOT, RESULTS_FILE)}`);

  const errors = results.reduce((n, r) => n + r.errors, 0);
  if (errors) {
    console.error(`bench: ${errors} requests failed; the numbers above include them and are not comparable`);
    process.exitCode = 1;
  }
}

try {
  await main();
} catch (err) {
  console.error(`bench: ${err.stack ?? err}`);
  process.exitCode = 1;
} finally {
  await cleanUp();
}
