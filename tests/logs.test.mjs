// Request logs end to end: entries written by the gateway (tokens, cost, metadata, bodies), the
// logs and stats admin API, retention, metrics, and the proof that logging happens after the
// response. Each SDK call is one row of CASES: a new client (e.g. a translated compat call) is one
// more row with its call and the entry it must produce.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startMockUpstream } from './support/mock-upstream.mjs';
import { startGateway, ADMIN_TOKEN, ROOT } from './support/gateway.mjs';

const PRICES = JSON.parse(readFileSync(path.join(ROOT, 'crates/gateway-core/prices.json'), 'utf8')).providers;
const price = (provider, model, tokensIn, tokensOut) => {
  const p = PRICES[provider][model];
  return (tokensIn * p.input + tokensOut * p.output) / 1e6;
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let mock, gw, openai, anthropic, compat;
before(async () => {
  mock = await startMockUpstream();
  gw = await startGateway(mock.url, { METRICS_DEBUG: 'true' });
  openai = new OpenAI({ apiKey: 'sk-test-secret', baseURL: `${gw.url}/v1/acct/gw/openai`, maxRetries: 0 });
  anthropic = new Anthropic({ apiKey: 'sk-ant-secret', baseURL: `${gw.url}/v1/acct/gw/anthropic`, maxRetries: 0 });
  compat = new OpenAI({ apiKey: 'sk-any-secret', baseURL: `${gw.url}/v1/acct/gw/compat`, maxRetries: 0 });
});
after(async () => { await gw?.close(); await mock?.close(); });

/** A call to the admin API of `target` (default: the main test gateway). */
function api(pathAndQuery, init = {}, target = gw) {
  return fetch(`${target.url}${pathAndQuery}`, { ...init, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...init.headers } });
}

/** Waits for log entry `id` to be written (the sink batches for `LOG_BATCH_MS`, 1 s, after the response). */
async function waitForLog(id, target = gw, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await api(`/api/logs/${id}`, {}, target);
    if (res.status === 200) return res.json();
    assert.equal(res.status, 404, await res.text());
    if (Date.now() > deadline) throw new Error(`log ${id} was not written within ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** Every entry matching `query`, following cursors. */
async function listAll(query, target = gw) {
  const entries = [];
  let cursor;
  do {
    const res = await api(`/api/logs?${query}&limit=37${cursor ? `&cursor=${cursor}` : ''}`, {}, target);
    assert.equal(res.status, 200, await res.clone().text());
    const page = await res.json();
    entries.push(...page.entries);
    cursor = page.next_cursor;
  } while (cursor);
  return entries;
}

async function waitForCount(query, n, target = gw) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const entries = await listAll(query, target);
    if (entries.length >= n) return entries;
    if (Date.now() > deadline) throw new Error(`${entries.length} of ${n} entries for ${query}`);
    await sleep(100);
  }
}

const drain = async (stream) => { for await (const _ of stream); };

// Each case: how to make the call (returning its log id) and the entry it must leave.
const CASES = [
  {
    name: 'openai chat completion',
    call: async (headers) => {
      const { response } = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi there' }] }, { headers }).withResponse();
      return response.headers.get('cf-aig-log-id');
    },
    entry: { provider: 'openai', model: 'gpt-4o-mini', endpoint: '/chat/completions', tokens_in: 5, tokens_out: 3 },
  },
  {
    name: 'openai streamed chat completion',
    call: async (headers) => {
      const { data, response } = await openai.chat.completions.create({
        model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi there' }], stream: true, stream_options: { include_usage: true },
      }, { headers: { ...headers, 'x-mock-chunks': '6' } }).withResponse();
      await drain(data);
      return response.headers.get('cf-aig-log-id');
    },
    entry: { provider: 'openai', model: 'gpt-4o-mini', endpoint: '/chat/completions', tokens_in: 5, tokens_out: 6 },
  },
  {
    name: 'anthropic message',
    call: async (headers) => {
      const { response } = await anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'hi there' }] }, { headers }).withResponse();
      return response.headers.get('cf-aig-log-id');
    },
    entry: { provider: 'anthropic', model: 'claude-sonnet-4-5', endpoint: '/v1/messages', tokens_in: 5, tokens_out: 3 },
  },
  {
    name: 'anthropic streamed message',
    call: async (headers) => {
      const { data, response } = await anthropic.messages.create({
        model: 'claude-haiku-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'hi there' }], stream: true,
      }, { headers: { ...headers, 'x-mock-chunks': '4' } }).withResponse();
      await drain(data);
      return response.headers.get('cf-aig-log-id');
    },
    entry: { provider: 'anthropic', model: 'claude-haiku-4-5', endpoint: '/v1/messages', tokens_in: 5, tokens_out: 4 },
  },
  {
    name: 'compat chat completion translated to anthropic',
    call: async (headers) => {
      const { response } = await compat.chat.completions.create({ model: 'anthropic/claude-sonnet-4-5', messages: [{ role: 'user', content: 'hi there' }] }, { headers }).withResponse();
      return response.headers.get('cf-aig-log-id');
    },
    entry: { provider: 'anthropic', model: 'claude-sonnet-4-5', endpoint: '/v1/messages', tokens_in: 5, tokens_out: 3 },
  },
  {
    name: 'compat streamed chat completion translated to gemini',
    call: async (headers) => {
      const { data, response } = await compat.chat.completions.create({
        model: 'google-ai-studio/gemini-2.5-flash', messages: [{ role: 'user', content: 'hi there' }], stream: true,
      }, { headers }).withResponse();
      await drain(data);
      return response.headers.get('cf-aig-log-id');
    },
    entry: { provider: 'google-ai-studio', model: 'gemini-2.5-flash', endpoint: '/v1beta/models/gemini-2.5-flash:streamGenerateContent', tokens_in: 9, tokens_out: 3 },
  },
];

test('a stream that breaks mid-way is logged as a failure', async () => {
  const { data, response } = await openai.chat.completions.create(
    { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi there' }], stream: true },
    { headers: { 'x-mock-cut-after': '2' } },
  ).withResponse();
  await assert.rejects(drain(data));
  const e = await waitForLog(response.headers.get('cf-aig-log-id'));
  assert.equal(e.status, 200, 'the status the client got');
  assert.equal(e.success, false);
  assert.match(e.error, /broke mid-stream; the response is incomplete/);
});

for (const c of CASES) {
  test(`log entry with tokens and cost: ${c.name}`, async () => {
    const id = await c.call({ 'cf-aig-metadata': JSON.stringify({ case: c.name, n: 1, ok: true }) });
    assert.match(id, /^[0-9A-HJKMNP-TV-Z]{26}$/);
    const e = await waitForLog(id);
    for (const [key, value] of Object.entries(c.entry)) assert.equal(e[key], value, key);
    assert.equal(e.gateway, 'gw');
    assert.equal(e.status, 200);
    assert.equal(e.success, true);
    assert.equal(e.tokens_estimated, false);
    assert.ok(Math.abs(e.cost - price(e.provider, e.model, c.entry.tokens_in, c.entry.tokens_out)) < 1e-12, `cost ${e.cost}`);
    assert.equal(e.cache_status, 'NONE');
    assert.equal(e.attempts, 1);
    assert.deepEqual(e.metadata, { case: c.name, n: 1, ok: true });
    assert.ok(e.ttfb_ms !== null && e.duration_ms >= e.ttfb_ms);
    assert.match(e.request_body, /hi there/);
    assert.match(e.response_body, /tok0/);
    assert.ok(!JSON.stringify(e).includes('secret'), 'no provider key in the entry');
  });
}

test('metadata: at most 5 string/number/bool entries, else 400 naming the header (nothing sent upstream)', async () => {
  const before = (await mock.requests()).length;
  for (const bad of ['{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6}', '{"a":{"b":1}}', '{"a":null}', '[1]', 'not json']) {
    const res = await fetch(`${gw.url}/v1/acct/gw/openai/chat/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'cf-aig-metadata': bad }, body: '{"model":"gpt-4o-mini","messages":[]}',
    });
    assert.equal(res.status, 400, bad);
    const body = await res.json();
    assert.match(body.error.message, /cf-aig-metadata/, bad);
  }
  assert.equal((await mock.requests()).length, before);
  const res = await fetch(`${gw.url}/v1/acct/gw/openai/chat/completions`, {
    method: 'POST', headers: { 'cf-aig-metadata': '{"user":"ada","tier":3,"beta":false,"x":"1","y":"2"}' }, body: '{"model":"gpt-4o-mini","messages":[]}',
  });
  assert.equal(res.status, 200);
  const e = await waitForLog(res.headers.get('cf-aig-log-id'));
  assert.deepEqual(e.metadata, { user: 'ada', tier: 3, beta: false, x: '1', y: '2' });
  const found = await listAll('metadata.user=ada&metadata.tier=3&metadata.beta=false');
  assert.deepEqual(found.map((f) => f.id), [e.id]);
});

test('cf-aig-collect-log-payload: false keeps the entry without bodies', async () => {
  const { response } = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'private' }] }, { headers: { 'cf-aig-collect-log-payload': 'false' } }).withResponse();
  const e = await waitForLog(response.headers.get('cf-aig-log-id'));
  assert.equal(e.request_body, null);
  assert.equal(e.response_body, null);
  assert.equal(e.tokens_in, 5, 'usage is still read');
});

test('cf-aig-collect-log: false writes no entry and sends no log id', async () => {
  const { response } = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [] }, {
    headers: { 'cf-aig-collect-log': 'false', 'cf-aig-metadata': '{"run":"nolog"}' },
  }).withResponse();
  assert.equal(response.headers.get('cf-aig-log-id'), null);
  // A logged request sent after it is written once its batch is; the unlogged one never is.
  const { response: logged } = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [] }, { headers: { 'cf-aig-metadata': '{"run":"logged"}' } }).withResponse();
  await waitForLog(logged.headers.get('cf-aig-log-id'));
  assert.equal((await listAll('metadata.run=nolog')).length, 0);
  const bad = await fetch(`${gw.url}/v1/acct/gw/openai/chat/completions`, { method: 'POST', headers: { 'cf-aig-collect-log': 'maybe' }, body: '{}' });
  assert.equal(bad.status, 400);
  assert.match((await bad.json()).error.message, /cf-aig-collect-log/);
});

test('an OpenAI stream whose client did not ask for usage is measured, and the client sees exactly the chunks it would have seen', async () => {
  const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'count my tokens' }], stream: true };
  // The mock streams as OpenAI does: usage only when asked, then `"usage":null` on every chunk.
  const headers = { 'content-type': 'application/json', 'x-mock-openai-usage': 'strict', 'x-mock-chunks': '4' };
  const direct = await fetch(`${mock.url}/openai/v1/chat/completions`, { method: 'POST', headers, body: JSON.stringify(body) });
  const unasked = await direct.text();
  assert.ok(unasked.includes('tok3') && !unasked.includes('usage'), unasked);

  const raw = await fetch(`${gw.url}/v1/acct/gw/openai/chat/completions`, {
    method: 'POST', headers: { ...headers, authorization: 'Bearer sk-test-secret' }, body: JSON.stringify(body),
  });
  assert.equal(raw.status, 200);
  assert.equal(await raw.text(), unasked, 'the gateway must hide the usage it asked for');

  const { data, response } = await openai.chat.completions.create(body, { headers }).withResponse();
  const chunks = [];
  for await (const chunk of data) chunks.push(chunk);
  const expected = unasked.split('\n\n').filter((e) => e.startsWith('data: {')).map((e) => JSON.parse(e.slice('data: '.length)));
  assert.deepEqual(chunks, expected);

  for (const id of [raw.headers.get('cf-aig-log-id'), response.headers.get('cf-aig-log-id')]) {
    const e = await waitForLog(id);
    // The mock's own counts (it sends them only when asked): measured, not estimated.
    assert.deepEqual([e.tokens_in, e.tokens_out, e.tokens_estimated], [5, 4, false]);
    assert.ok(Math.abs(e.cost - price('openai', 'gpt-4o-mini', 5, 4)) < 1e-12, `cost ${e.cost}`);
  }
});

test('cost: cf-aig-custom-cost replaces the table; unknown models cost null; errors are logged', async () => {
  const { response } = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [] }, { headers: { 'cf-aig-custom-cost': '{"per_token_in":0.01,"per_token_out":0.02}' } }).withResponse();
  assert.ok(Math.abs((await waitForLog(response.headers.get('cf-aig-log-id'))).cost - (5 * 0.01 + 3 * 0.02)) < 1e-12);
  const { response: unknown } = await openai.chat.completions.create({ model: 'my-finetune-xyz', messages: [] }).withResponse();
  const u = await waitForLog(unknown.headers.get('cf-aig-log-id'));
  assert.equal(u.cost, null);
  assert.equal(u.tokens_in, 5);
  const failed = await fetch(`${gw.url}/v1/acct/gw/openai/chat/completions`, { method: 'POST', headers: { 'x-mock-status': '429' }, body: '{"model":"gpt-4o-mini","messages":[]}' });
  assert.equal(failed.status, 429);
  await failed.text();
  const f = await waitForLog(failed.headers.get('cf-aig-log-id'));
  assert.equal(f.success, false);
  assert.equal(f.status, 429);
  assert.equal(f.error, 'mock upstream error 429');
  const bad = await fetch(`${gw.url}/v1/acct/gw/openai/chat/completions`, { method: 'POST', headers: { 'cf-aig-custom-cost': '{"total_cost":-1}' }, body: '{}' });
  assert.equal(bad.status, 400);
  assert.match((await bad.json()).error.message, /cf-aig-custom-cost/);
});

test('feedback round trip, and the admin API needs the token', async () => {
  const { response } = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [] }).withResponse();
  const id = response.headers.get('cf-aig-log-id');
  await waitForLog(id);
  const patched = await api(`/api/logs/${id}`, { method: 'PATCH', body: JSON.stringify({ feedback: 1, score: 90, comment: 'good answer' }) });
  assert.equal(patched.status, 200);
  const e = await waitForLog(id);
  assert.deepEqual([e.feedback, e.score, e.comment], [1, 90, 'good answer']);
  assert.equal((await api(`/api/logs/${id}`, { method: 'PATCH', body: '{"feedback":0}' })).status, 400);
  assert.equal((await api('/api/logs/01ARZ3NDEKTSV4RRFFQ69G5FAV', { method: 'PATCH', body: '{"feedback":1}' })).status, 404);
  assert.equal((await fetch(`${gw.url}/api/logs/${id}`)).status, 401);
  assert.equal((await fetch(`${gw.url}/api/logs`, { headers: { authorization: 'Bearer wrong' } })).status, 401);
});

test('filters, pagination, stats and export over a few hundred entries; delete by filter and id', async () => {
  const N = 240;
  const models = ['gpt-4o-mini', 'gpt-4o', 'gpt-4.1-nano'];
  const send = async (i) => {
    const res = await fetch(`${gw.url}/v1/acct/gw/openai/chat/completions`, {
      method: 'POST',
      headers: {
        'cf-aig-metadata': JSON.stringify({ batch: 'bulk', i }),
        'x-mock-chunks': String(1 + (i % 5)),
        ...(i % 10 === 0 ? { 'x-mock-status': '500' } : {}),
      },
      body: JSON.stringify({ model: models[i % 3], messages: [{ role: 'user', content: `message ${i}` }] }),
    });
    await res.text();
  };
  for (let i = 0; i < N; i += 24) await Promise.all(Array.from({ length: 24 }, (_, k) => send(i + k)));
  const all = await waitForCount('metadata.batch=bulk', N);
  assert.equal(all.length, N);
  assert.equal(new Set(all.map((e) => e.id)).size, N, 'every entry once');
  const keys = all.map((e) => [e.created_at_ms, e.id]);
  const sorted = [...keys].sort((a, b) => (b[0] - a[0]) || (a[1] < b[1] ? 1 : a[1] > b[1] ? -1 : 0));
  assert.deepEqual(keys, sorted, 'newest first');
  assert.equal(all[0].request_body, null, 'lists leave bodies out unless bodies=true');

  for (const model of models) {
    const got = await listAll(`metadata.batch=bulk&model=${model}`);
    assert.equal(got.length, all.filter((e) => e.model === model).length);
    assert.equal(got.length, N / 3);
  }
  const failures = await listAll('metadata.batch=bulk&status=5xx&success=false');
  assert.equal(failures.length, N / 10);
  const asc = await (await api('/api/logs?metadata.batch=bulk&order=asc&limit=5')).json();
  assert.deepEqual(asc.entries.map((e) => e.id), [...all].reverse().slice(0, 5).map((e) => e.id));
  assert.equal((await api('/api/logs?limit=0')).status, 400);
  assert.equal((await api('/api/logs?provder=openai')).status, 400);

  // Stats: the sums of the series equal the raw entries', per model.
  const stats = await (await api('/api/stats?metadata.batch=bulk&bucket=1m&group_by=model')).json();
  for (const model of models) {
    const raw = all.filter((e) => e.model === model);
    const points = stats.series.filter((p) => p.group === model);
    const sum = (k) => points.reduce((s, p) => s + p[k], 0);
    assert.equal(sum('requests'), raw.length, model);
    assert.equal(sum('errors'), raw.filter((e) => !e.success).length, model);
    assert.equal(sum('tokens_in'), raw.reduce((s, e) => s + e.tokens_in, 0), model);
    assert.equal(sum('tokens_out'), raw.reduce((s, e) => s + e.tokens_out, 0), model);
    assert.ok(Math.abs(sum('cost') - raw.reduce((s, e) => s + (e.cost ?? 0), 0)) < 1e-9, model);
    const durations = raw.map((e) => e.duration_ms).sort((a, b) => a - b);
    if (points.length === 1) {
      const p50 = durations[Math.ceil(0.5 * durations.length) - 1];
      // The histogram's percentile is within 4.4 % of the exact one (0 ms exactly).
      assert.ok(Math.abs(points[0].latency_p50_ms - p50) <= Math.max(1, p50 * 0.045), `${points[0].latency_p50_ms} vs ${p50}`);
    }
  }

  // Export.
  const csv = await api('/api/logs?metadata.batch=bulk&format=csv&limit=50');
  assert.equal(csv.headers.get('content-type'), 'text/csv; charset=utf-8');
  assert.ok(csv.headers.get('cf-aig-next-cursor'));
  const lines = (await csv.text()).split('\r\n').filter(Boolean);
  assert.equal(lines.length, 51);
  assert.match(lines[0], /^id,created_at_ms,gateway,provider,model/);
  const jsonl = await (await api('/api/logs?metadata.batch=bulk&format=jsonl&limit=1000')).text();
  assert.deepEqual(jsonl.trim().split('\n').map((l) => JSON.parse(l).id), all.map((e) => e.id));

  // Delete by filter, then by id.
  assert.equal((await api('/api/logs', { method: 'DELETE' })).status, 400, 'an empty filter is refused');
  const del = await (await api('/api/logs?metadata.batch=bulk&model=gpt-4o', { method: 'DELETE' })).json();
  assert.equal(del.deleted, N / 3);
  assert.equal((await listAll('metadata.batch=bulk')).length, N - N / 3);
  const one = all.find((e) => e.model !== 'gpt-4o');
  assert.deepEqual(await (await api(`/api/logs/${one.id}`, { method: 'DELETE' })).json(), { deleted: 1 });
  assert.equal((await api(`/api/logs/${one.id}`)).status, 404);
});

test('logging never delays the response: the entry is written after the stream completed', async () => {
  const res = await fetch(`${gw.url}/v1/acct/gw/openai/chat/completions`, {
    method: 'POST', headers: { 'x-mock-gate': 'log-after' }, body: '{"model":"gpt-4o-mini","messages":[],"stream":true}',
  });
  assert.equal(res.status, 200);
  const id = res.headers.get('cf-aig-log-id');
  const reader = res.body.getReader();
  const first = await reader.read();
  assert.match(new TextDecoder().decode(first.value), /chat\.completion\.chunk/);
  // The client has the head and the first events while the provider holds the rest: no entry yet.
  while (!(await mock.gateWaiting('log-after'))) await sleep(10);
  await sleep(300);
  assert.equal((await api(`/api/logs/${id}`)).status, 404);
  await mock.release('log-after');
  while (!(await reader.read()).done);
  const receivedAt = Date.now();
  const e = await waitForLog(id);
  assert.equal(e.tokens_out, 3);
  assert.ok(e.created_at_ms + e.duration_ms <= receivedAt + 5, 'the entry times the whole stream');
});

/** The shard log id `id` lives in, as `logs::shard_of` computes it (FNV-1a of the id, modulo). */
function shardOf(id, shards) {
  let hash = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(id)) hash = BigInt.asUintN(64, (hash ^ BigInt(byte)) * 0x100000001b3n);
  return Number(hash % BigInt(shards));
}

/** A chat request to `target` whose user message is `content`; its log id once the answer is read. */
async function chatLogId(target, content) {
  const res = await fetch(`${target.url}/v1/acct/gw/openai/chat/completions`, {
    method: 'POST', headers: { authorization: 'Bearer sk-x', 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  await res.text();
  return res.headers.get('cf-aig-log-id');
}

test('LOG_BATCH_MS: entries wait for the window and are written together, to one shard; 0 writes each at once', async () => {
  const batched = await startGateway(mock.url, { LOG_BATCH_MS: '4000', LOG_SHARDS: '4' });
  const eager = await startGateway(mock.url, { LOG_BATCH_MS: '0', LOG_SHARDS: '4' });
  try {
    const started = Date.now();
    const ids = [];
    for (let i = 0; i < 4; i++) ids.push(await chatLogId(batched, `batched ${i}`));
    // Nothing is written before the first entry's window has passed (the margin is over 2 s).
    if (Date.now() - started < 1500) {
      for (const id of ids) assert.equal((await api(`/api/logs/${id}`, {}, batched)).status, 404, 'written before its window ended');
    }
    for (const id of ids) await waitForLog(id, batched, 10_000);
    assert.equal(new Set(ids.map((id) => shardOf(id, 4))).size, 1, 'one batch, made for one shard');

    // Without a window each entry is a batch of its own, and the next batch's ids go to the next shard.
    const eagerIds = [];
    for (let i = 0; i < 4; i++) {
      const id = await chatLogId(eager, `eager ${i}`);
      await waitForLog(id, eager, 3000);
      eagerIds.push(id);
    }
    const shards = eagerIds.map((id) => shardOf(id, 4));
    for (let i = 1; i < 4; i++) assert.equal(shards[i], (shards[i - 1] + 1) % 4, `shards in order: ${shards}`);
  } finally {
    await batched.close();
    await eager.close();
  }
});

test('LOG_BATCH_MS: bodies over 1 MiB are written without waiting for the window', async () => {
  const target = await startGateway(mock.url, { LOG_BATCH_MS: '10000', LOG_BODY_MAX_BYTES: '983040' });
  try {
    const started = Date.now();
    const big = await chatLogId(target, 'x'.repeat(600 * 1024));
    const bigger = await chatLogId(target, 'y'.repeat(600 * 1024));
    // The second entry took the buffer's bodies over 1 MiB: both are written well before 10 s.
    const first = await waitForLog(big, target, 6000);
    await waitForLog(bigger, target, 6000);
    assert.ok(Date.now() - started < 8000);
    assert.ok(first.request_body.length > 600 * 1024, 'the body was logged');
    // A small entry after them waits for its window.
    const small = await chatLogId(target, 'small');
    await sleep(1000);
    assert.equal((await api(`/api/logs/${small}`, {}, target)).status, 404, 'a small entry waits for its window');
  } finally {
    await target.close();
  }
});

test('Analytics Engine: one data point per request through the METRICS binding', async () => {
  await openai.chat.completions.create({ model: 'gpt-4o-metrics-probe', messages: [] }, { headers: { 'cf-aig-collect-log': 'false' } });
  const deadline = Date.now() + 5000;
  let line;
  while (!(line = gw.logs.find((l) => l.includes('metrics: ') && l.includes('gpt-4o-metrics-probe'))) && Date.now() < deadline) await sleep(20);
  assert.ok(line, 'a metrics line for the request');
  const point = JSON.parse(line.slice(line.indexOf('metrics: ') + 'metrics: '.length));
  assert.deepEqual(point.indexes, ['gw']);
  assert.deepEqual(point.blobs, ['openai', 'gpt-4o-metrics-probe', '2xx', 'NONE', '']);
  assert.deepEqual(point.doubles.slice(0, 3), [5, 3, 0]);
  assert.equal(point.doubles[5], 0, 'cost unknown');
});

test('retention keeps the newest rows per shard; LOGS_ENABLED=false is overridden per request', async () => {
  const small = await startGateway(mock.url, { LOGS_ENABLED: 'false', LOG_SHARDS: '2', LOG_MAX_ROWS_PER_SHARD: '3' });
  try {
    const send = (headers) => fetch(`${small.url}/v1/acct/gw/openai/chat/completions`, { method: 'POST', headers, body: '{"model":"gpt-4o-mini","messages":[]}' });
    const off = await send({});
    await off.text();
    assert.equal(off.headers.get('cf-aig-log-id'), null, 'logging is off by default here');
    const ids = [];
    for (let i = 0; i < 12; i++) {
      const res = await send({ 'cf-aig-collect-log': 'true' });
      await res.text();
      ids.push(res.headers.get('cf-aig-log-id'));
    }
    await waitForCount('provider=openai', 12, small);
    const res = await api('/api/logs/retention', { method: 'POST' }, small);
    assert.equal(res.status, 200);
    const kept = await listAll('provider=openai', small);
    assert.ok(kept.length <= 6 && kept.length >= 3, `kept ${kept.length}`);
    assert.equal((await res.json()).deleted, 12 - kept.length);
    // Ids sort as (created_at, id), the order retention uses.
    const order = [...ids].sort();
    assert.equal(kept[0].id, order.at(-1), 'the newest entry is kept');
    // A row is deleted only when its shard holds 3 newer ones, all kept.
    const keptIds = new Set(kept.map((e) => e.id));
    for (const [i, id] of order.entries()) {
      if (!keptIds.has(id)) assert.ok(order.slice(i + 1).filter((newer) => keptIds.has(newer)).length >= 3, `deleted ${id}`);
    }
  } finally {
    await small.close();
  }
});

test('with the LOG_QUEUE binding, entries go through the queue and its consumer writes them', async () => {
  const queued = await startGateway(mock.url, {}, {
    queueProducers: { LOG_QUEUE: { queueName: 'ai-gateway-logs' } },
    queueConsumers: { 'ai-gateway-logs': { maxBatchSize: 10, maxBatchTimeout: 1 } },
  });
  try {
    const client = new OpenAI({ apiKey: 'sk-queue', baseURL: `${queued.url}/v1/acct/gw/openai`, maxRetries: 0 });
    const ids = [];
    for (let i = 0; i < 3; i++) {
      const { response } = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `queued ${i}` }] }).withResponse();
      ids.push(response.headers.get('cf-aig-log-id'));
    }
    for (const id of ids) {
      const entry = await waitForLog(id, queued, 10_000);
      assert.equal(entry.model, 'gpt-4o-mini');
      assert.ok(entry.tokens_in > 0);
    }
  } finally {
    await queued.close();
  }
});

test('with LOG_QUEUE bound but no consumer, entries wait in the queue instead of being written directly', async () => {
  const produceOnly = await startGateway(mock.url, {}, { queueProducers: { LOG_QUEUE: { queueName: 'ai-gateway-logs-idle' } } });
  const direct = await startGateway(mock.url);
  try {
    // The direct path writes within its batch window (LOG_BATCH_MS, 1 s); the queued entry never
    // arrives, not even after a window (a send that fell back to the buffer would show by then).
    await waitForLog(await chatLogId(direct, 'where does my log go'), direct, 5000);
    const queuedId = await chatLogId(produceOnly, 'where does my log go');
    await sleep(2500);
    assert.equal((await api(`/api/logs/${queuedId}`, {}, produceOnly)).status, 404);
  } finally {
    await produceOnly.close();
    await direct.close();
  }
});
