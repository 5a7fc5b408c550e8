// Profiles the gateway's isolate over workerd's inspector (CDP `Profiler`) while it serves 2000
// requests, and prints the functions with the most self time per request, then the call chains
// that lead to FOCUS (default: JS `Error` construction, the first cost this found).
//
//   node bench/profile.mjs [json|stream|hit|vk|grd|miss]      (after `npm run build`)
//   (miss: every request a new question with `cf-aig-cache-ttl`, an exact-cache miss that is stored)
//   (vk: a virtual key as the API key and the stored OpenAI key; grd: as vk, on a gateway with
//   the model policy, prompt firewall and PII redaction on: the bench's gateway-vk and -grd paths)
//   FOCUS=__wbg_from node bench/profile.mjs hit   (who calls a function)
//   VARS='{"LOGS_ENABLED":"false"}' WITHOUT=METRICS node bench/profile.mjs json   (no logs, no metrics)
//   INCLUSIVE='log_shard,client_headers' node bench/profile.mjs hit   (time in or under functions)
//   UNDER='log_store' node bench/profile.mjs json   (what the time in or under functions is spent on)
//   HEADERS='{"x-mock-chunks":"100"}' node bench/profile.mjs stream   (more request headers: a longer stream)
//   FLOOR=1 node bench/profile.mjs stream   (the floor worker instead, json or stream: the same
//   figures for what every Rust worker pays, to set against the gateway's)
//
// Sampling inflates every figure (about 2x); compare rows with each other, not with the benchmark.
// Time around Wasm<->JS calls is attributed unreliably (Array.from(headers) looked like 20 % of a
// hit; skipping it in an A/B build changed nothing measurable): confirm with A/B builds.
import { Miniflare } from 'miniflare';
import WebSocket from 'ws';
import path from 'node:path';
import { startMockUpstream } from '../tests/support/mock-upstream.mjs';
import { BENCH_SECRETS, GUARDED_GATEWAY } from './setup.mjs';
import { overridesFor, gatewayBindingsWithout, ROOT } from '../tests/support/gateway.mjs';
const mode = process.argv[2] ?? 'json';
const MODES = ['json', 'stream', 'hit', 'vk', 'grd', 'miss'];
if (!MODES.includes(mode)) throw new Error(`usage: node bench/profile.mjs [${MODES.join('|')}]`);
// vk and grd: the bench's virtual key (and, for grd, its guarded gateway).
const KEYED = mode === 'vk' || mode === 'grd';
const SECRETS = KEYED ? BENCH_SECRETS : {};
const mock = await startMockUpstream();
const FLOOR = Boolean(process.env.FLOOR);
if (FLOOR && !['json', 'stream'].includes(mode)) throw new Error('FLOOR=1 profiles json or stream only');
const mf = new Miniflare(FLOOR ? {
  scriptPath: path.join(ROOT, 'bench/floor/build/index.js'), modules: true, modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
  compatibilityDate: '2026-04-20', bindings: { UPSTREAM: mock.url }, inspectorPort: 9333,
} : {
  scriptPath: path.join(ROOT, 'build/index.js'), modules: true, modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
  compatibilityDate: '2026-04-20', bindings: { UPSTREAM_OVERRIDES: JSON.stringify(overridesFor(mock.url)), ...SECRETS, ...(process.env.VARS ? JSON.parse(process.env.VARS) : {}) },
  ...gatewayBindingsWithout((process.env.WITHOUT ?? '').split(',').filter(Boolean)), inspectorPort: 9333,
});
const url = (await mf.ready).origin;
const list = await (await fetch('http://127.0.0.1:9333/json')).json();
const target = list.find((t) => t.webSocketDebuggerUrl) ;
const ws = new WebSocket(target.webSocketDebuggerUrl);
await new Promise((r) => ws.on('open', r));
let id = 0; const pending = new Map();
ws.on('message', (m) => { const msg = JSON.parse(m); if (pending.has(msg.id)) { pending.get(msg.id)(msg); pending.delete(msg.id); } });
const send = (method, params = {}) => new Promise((r) => { const i = ++id; pending.set(i, r); ws.send(JSON.stringify({ id: i, method, params })); });
let asked = 0;
const body = () => JSON.stringify({ model: 'gpt-4o-mini', stream: mode === 'stream', messages: [{ role: 'user', content: mode === 'miss' ? `hello there, visitor ${++asked}` : 'hello there' }] });
const admin = (route, payload) => fetch(`${url}${route}`, {
  method: 'POST', headers: { authorization: `Bearer ${SECRETS.ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(payload),
}).then(async (r) => { const answer = await r.json(); if (r.status !== 201) throw new Error(`POST ${route}: ${r.status} ${JSON.stringify(answer)}`); return answer; });
if (mode === 'grd') await admin('/api/gateways', GUARDED_GATEWAY);
const apiKey = KEYED ? (await admin('/api/keys', { name: 'profile', provider_keys: ['OPENAI_API_KEY'] })).secret : 'sk';
const gatewayId = mode === 'grd' ? GUARDED_GATEWAY.id : 'g';
const headers = { 'content-type': 'application/json', authorization: `Bearer ${apiKey}`, ...(mode === 'hit' || mode === 'miss' ? { 'cf-aig-cache-ttl': '3600' } : {}), ...JSON.parse(process.env.HEADERS ?? '{}') };
const requestUrl = FLOOR ? `${url}/openai/v1/chat/completions` : `${url}/v1/a/${gatewayId}/openai/chat/completions`;
const go = () => fetch(requestUrl, { method: 'POST', headers, body: body() }).then((r) => { if (r.status !== 200) throw new Error(`the gateway answered ${r.status}`); return r.text(); });
for (let i = 0; i < 300; i++) await go();
await send('Profiler.enable'); await send('Profiler.setSamplingInterval', { interval: 50 }); await send('Profiler.start');
for (let i = 0; i < 2000; i++) await go();
const { result } = await send('Profiler.stop');
const nodes = new Map(result.profile.nodes.map((n) => [n.id, n]));
const self = new Map();
const dt = result.profile.timeDeltas; const samples = result.profile.samples;
for (let i = 0; i < samples.length; i++) { const n = nodes.get(samples[i]); const key = `${n.callFrame.functionName || '(anon)'} ${path.basename(n.callFrame.url)}:${n.callFrame.lineNumber}${process.env.COLUMNS_TOO ? `:${n.callFrame.columnNumber}` : ''}`; self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0)); }
const total = [...self.values()].reduce((a, b) => a + b, 0);
console.log(`total sampled ${(total / 1000).toFixed(0)} ms over 2000 requests = ${(total / 2000).toFixed(1)} us/req`);
for (const [k, v] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TOP ?? 30))) console.log(`${(v / 2000).toFixed(1).padStart(7)} us/req  ${k}`);
const parent = new Map();
for (const n of result.profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const hot = new Map();
for (let i = 0; i < samples.length; i++) {
  const n = nodes.get(samples[i]);
  if (!(n.callFrame.functionName || '').startsWith(process.env.FOCUS ?? '__wbg_Error')) continue;
  const chain = []; let cur = parent.get(n.id);
  while (cur && chain.length < 16) { const pn = nodes.get(cur); chain.push((pn.callFrame.functionName || '(anon)').slice(0, 70)); cur = parent.get(cur); }
  const k = chain.join(' < '); hot.set(k, (hot.get(k) ?? 0) + (dt[i] ?? 0));
}
for (const [k, v] of [...hot.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5)) console.log((v / 2000).toFixed(1), 'us/req:', k);
// INCLUSIVE=regex,regex: the time spent in (or under) the functions each regex matches.
for (const pattern of (process.env.INCLUSIVE ?? '').split(',').filter(Boolean)) {
  const re = new RegExp(pattern);
  let inside = 0;
  for (let i = 0; i < samples.length; i++) {
    for (let cur = samples[i]; cur; cur = parent.get(cur)) {
      if (re.test(nodes.get(cur).callFrame.functionName)) { inside += dt[i] ?? 0; break; }
    }
  }
  console.log(`${(inside / 2000).toFixed(1).padStart(7)} us/req  in or under /${pattern}/`);
}
// UNDER=regex: the functions with the most self time in samples taken in or under a function
// the regex matches (what a part of the request spends its time on).
if (process.env.UNDER) {
  const re = new RegExp(process.env.UNDER);
  const under = new Map();
  for (let i = 0; i < samples.length; i++) {
    let inside = false;
    for (let cur = samples[i]; cur; cur = parent.get(cur)) if (re.test(nodes.get(cur).callFrame.functionName)) { inside = true; break; }
    if (!inside) continue;
    const n = nodes.get(samples[i]);
    const key = `${n.callFrame.functionName || '(anon)'} ${path.basename(n.callFrame.url)}`;
    under.set(key, (under.get(key) ?? 0) + (dt[i] ?? 0));
  }
  console.log(`under /${process.env.UNDER}/:`);
  for (const [k, v] of [...under.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`${(v / 2000).toFixed(1).padStart(7)} us/req  ${k.slice(0, 140)}`);
}
ws.close(); await mf.dispose(); await mock.close();
