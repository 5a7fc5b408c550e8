// A/B benchmark: the CPU per request of several gateway variants (other builds, other variables,
// fewer bindings) against the floor worker, their requests interleaved one by one, so that the
// drift of a shared machine falls on every variant alike. Where bench/run.mjs measures each path
// for thousands of requests in a row, this one answers "did this change make it cheaper?".
//
//   AB_VARIANTS='[{"name":"now"},{"name":"nolog","vars":{"LOGS_ENABLED":"false"}},
//                 {"name":"old","script":"target/old-build/index.js"},
//                 {"name":"nometrics","without":["METRICS"]}]' node bench/ab.mjs
//
// Each variant: `name`; `script` (default build/index.js; relative to the repository, and inside
// it: workerd refuses a module path that leaves Miniflare's root, so copy an old build to
// target/); `vars` added to the bench's gateway variables; `without`, binding names of
// tests/support/gateway.mjs's GATEWAY_BINDINGS left out; `floorLike: true` for a worker run as
// the floor is (its UPSTREAM variable and path, no bindings: bench/sketches/, one technique each).
//
// AB_SCENARIOS (default json,stream; also stream-usage, a stream whose client asks for usage),
// AB_CONCURRENCY (default 1), AB_ROUNDS (default 12), AB_BATCH (requests per worker and round,
// default 300), AB_WARMUP (default 300), AB_HEADERS
// (JSON: more request headers, e.g. '{"x-mock-chunks":"100"}' for a longer stream). A round sends
// each worker (the floor included) AB_BATCH requests, one to each in turn, the order rotated by
// one per request; each workerd process's CPU time is read around the round.
//
// Prints, per scenario, each variant's CPU per request pooled over its rounds (with the share of
// system time), the median and spread of its per-round ratio to the floor's CPU in the same round,
// and its median per-round difference from the first variant, in floors. Like bench/run.mjs it
// asserts nothing about speed; it fails only when a request fails (its status is not 200, or its
// body is empty; bodies are not compared with the mock's, so that sketches may differ).
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { spawn, execFileSync } from 'node:child_process';
import { startWorker, overridesFor, ROOT, gatewayBindingsWithout } from '../tests/support/gateway.mjs';
import { BENCH_HEADERS, benchBodies } from './setup.mjs';
import { cpuTimes, newWorkerdPid, workerdDescendants } from './workerd.mjs';

const int = (name, fallback) => {
  const n = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer`);
  return n;
};
const BATCH = int('AB_BATCH', 300);
const ROUNDS = int('AB_ROUNDS', 12);
const WARMUP = int('AB_WARMUP', 300);
const CONCURRENCY = int('AB_CONCURRENCY', 1);
const SCENARIOS = (process.env.AB_SCENARIOS ?? 'json,stream').split(',');
const VARIANTS = JSON.parse(process.env.AB_VARIANTS ?? '[{"name":"gateway"}]');
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
const HEADERS = { ...BENCH_HEADERS, ...JSON.parse(process.env.AB_HEADERS ?? '{}') };
// `stream-usage`: the client asks for usage itself, so the gateway passes the stream on unchanged
// (guarded, not rewritten).
const BODIES = { ...benchBodies(), 'stream-usage': benchBodies({ clientAsksUsage: true }).stream };

/** Starts a worker under Miniflare; it and the PID of the workerd process it runs in. */
async function start(name, options) {
  const before = workerdDescendants();
  const worker = await startWorker(options);
  try {
    return { ...worker, pid: newWorkerdPid(before, name) };
  } catch (err) {
    await worker.close();
    throw err;
  }
}

function request(agent, url, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { agent, method: 'POST', headers: { ...HEADERS, 'content-length': body.length } }, (res) => {
      let size = 0;
      res.on('data', (c) => { size += c.length; });
      res.on('error', reject);
      res.on('end', () => (res.statusCode === 200 && size > 0 ? resolve() : reject(new Error(`${url}: status ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function load(url, scenario, n) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  let next = 0;
  const loop = async () => { while (next++ < n) await request(agent, url, BODIES[scenario]); };
  await Promise.all(Array.from({ length: CONCURRENCY }, loop));
  agent.destroy();
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };

const mock = spawn(process.execPath, [path.join(ROOT, 'tests/support/mock-upstream.mjs'), '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
const mockUrl = await new Promise((resolve) => {
  let out = '';
  mock.stdout.on('data', (c) => { out += c; const m = out.match(/mock upstream on (http:\/\/\S+)/); if (m) resolve(m[1]); });
});
const workers = [];
try {
  const floor = await start('floor', { script: path.join(ROOT, 'bench/floor/build/index.js'), vars: { UPSTREAM: mockUrl } });
  workers.push({ name: 'floor', ...floor, path: '/openai/v1/chat/completions' });
  for (const v of VARIANTS) {
    // `floorLike`: a worker taking the floor's variable (UPSTREAM) and path, without bindings.
    const worker = await start(v.name, v.floorLike
      ? { script: path.resolve(ROOT, v.script), vars: { UPSTREAM: mockUrl } }
      : {
        script: path.resolve(ROOT, v.script ?? 'build/index.js'),
        vars: { UPSTREAM_OVERRIDES: JSON.stringify(overridesFor(mockUrl)), ...(v.vars ?? {}) },
        ...gatewayBindingsWithout(v.without ?? []),
      });
    workers.push({ name: v.name, ...worker, path: v.floorLike ? '/openai/v1/chat/completions' : '/v1/bench/gw/openai/chat/completions' });
  }
  console.log(`ab: ${ROUNDS} rounds of ${BATCH} requests per variant and scenario, concurrency ${CONCURRENCY}, load ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  for (const scenario of SCENARIOS) {
    for (const w of workers) await load(`${w.url}${w.path}`, scenario, WARMUP);
    const perRound = workers.map(() => []);
    const systemTicks = workers.map(() => 0);
    const allTicks = workers.map(() => 0);
    const agents = workers.map(() => new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY }));
    for (let round = 0; round < ROUNDS; round++) {
      // Every loop sends one request to each worker in turn (the order rotated by one per
      // request): the workers share the machine's every moment, so its drift cancels out of the
      // ratios, and each workerd process's CPU time is still its own.
      await sleep(50);
      const before = workers.map((w) => cpuTimes(w.pid));
      let sent = 0;
      const loop = async () => {
        while (sent < BATCH) {
          const n = sent++;
          for (let k = 0; k < workers.length; k++) {
            const i = (k + n) % workers.length;
            await request(agents[i], `${workers[i].url}${workers[i].path}`, BODIES[scenario]);
          }
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, loop));
      await sleep(100);
      workers.forEach((w, i) => {
        const after = cpuTimes(w.pid);
        const ticks = after.user + after.system - before[i].user - before[i].system;
        systemTicks[i] += after.system - before[i].system;
        allTicks[i] += ticks;
        perRound[i].push((ticks * 1000) / CLK_TCK / BATCH);
      });
    }
    agents.forEach((a) => a.destroy());
    const floorMs = perRound[0];
    console.log(`\n${scenario}: CPU ms/req pooled (its system share); ratio to the floor (median of rounds, min-max); minus the first variant, in floors (median)`);
    workers.forEach((w, i) => {
      const pooled = perRound[i].reduce((a, b) => a + b, 0) / ROUNDS;
      const ratios = perRound[i].map((ms, r) => ms / floorMs[r]);
      const line = [`  ${w.name.padEnd(Math.max(14, ...workers.map((x) => x.name.length)))} ${pooled.toFixed(3)} ms (${((systemTicks[i] / allTicks[i]) * 100).toFixed(0).padStart(2)} % sys)`];
      if (i > 0) line.push(`${median(ratios).toFixed(2)}x (${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)})`);
      if (i > 1) line.push(`${median(perRound[i].map((ms, r) => (ms - perRound[1][r]) / floorMs[r])).toFixed(3)} floors`);
      console.log(line.join('  '));
    });
  }
} finally {
  await Promise.allSettled(workers.map((w) => w.close()));
  mock.kill('SIGTERM');
}
