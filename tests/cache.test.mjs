// Exact-match caching in KV (binding CACHE), stampede protection (CacheCoalescer Durable Objects)
// and the purge API, end to end in workerd. Each test uses its own prompt, so keys never collide.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import OpenAI from 'openai';
import { startMockUpstream } from './support/mock-upstream.mjs';
import { startGateway, GATEWAY_BINDINGS, ADMIN_TOKEN as DEFAULT_ADMIN_TOKEN } from './support/gateway.mjs';

const ADMIN_TOKEN = 'admin-test-token';
const CHAT = '/v1/acct/gw/openai/chat/completions';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let mock, gw, kv;
before(async () => {
  mock = await startMockUpstream();
  gw = await startGateway(mock.url, { ADMIN_TOKEN });
  kv = await gw.mf.getKVNamespace('CACHE');
});
after(async () => { await gw?.close(); await mock?.close(); });

let counter = 0;
/** A chat body no other request of this file sends. */
function uniqueBody(extra = {}) {
  return { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `prompt ${++counter} ${Date.now()}` }], ...extra };
}

/** Upstream calls the mock saw for this exact prompt (by its parsed payload, or by the body's
 * digest for error answers, whose payload the mock does not parse). */
async function upstreamCalls(body) {
  const digest = createHash('sha256').update(JSON.stringify(body)).digest('hex');
  return (await mock.requests())
    .filter((r) => r.bodySha256 === digest || r.payload?.messages?.[0]?.content === body.messages[0].content).length;
}

async function chat(body, headers = {}, url = gw.url) {
  const res = await fetch(`${url}${CHAT}`, {
    method: 'POST',
    headers: { authorization: 'Bearer sk-a', 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** Every KV key of a gateway: entries and the log-id index keys next to them. */
async function allKeys(gateway = 'gw') {
  return (await kv.list({ prefix: `v1/${gateway}/` })).keys.map((k) => k.name);
}

/** The cache entries of a gateway (not their log-id index keys, `v1/{gateway}/log/{id}`). */
async function gatewayKeys(gateway = 'gw') {
  return (await allKeys(gateway)).filter((k) => !k.startsWith(`v1/${gateway}/log/`));
}

/** The entry is written after the response (in waitUntil): wait until `n` keys are stored. */
async function storedCount(n, gateway = 'gw') {
  for (let i = 0; i < 100; i++) {
    const keys = await gatewayKeys(gateway);
    if (keys.length >= n) return keys;
    await sleep(20);
  }
  assert.fail(`expected ${n} cache entries for ${gateway}, found ${(await gatewayKeys(gateway)).length}`);
}

/** Waits for one more stored entry than before `action` ran. */
async function storing(action) {
  const before = (await gatewayKeys()).length;
  const result = await action();
  await storedCount(before + 1);
  return result;
}

/** The entry keys (`{name, expiration}`) of gateway `gw` in `store`, once one is stored (written
 * in waitUntil, after the response); `[]` if none appears within 2 s. */
async function entriesIn(store) {
  for (let i = 0; i < 100; i++) {
    const keys = (await store.list({ prefix: 'v1/gw/' })).keys.filter((k) => !k.name.startsWith('v1/gw/log/'));
    if (keys.length) return keys;
    await sleep(20);
  }
  return [];
}

function purge(body, gateway = 'gw', token = ADMIN_TOKEN) {
  return fetch(`${gw.url}/api/gateways/${gateway}/cache/purge`, {
    method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
}

const TTL = { 'cf-aig-cache-ttl': '3600' };

test('openai SDK: MISS then HIT with an identical completion, one upstream call', async () => {
  const openai = new OpenAI({ apiKey: 'sk-sdk', baseURL: `${gw.url}/v1/acct/gw/openai`, maxRetries: 0, defaultHeaders: TTL });
  const body = uniqueBody();
  const first = await storing(() => openai.chat.completions.create(body).withResponse());
  assert.equal(first.response.headers.get('cf-aig-cache-status'), 'MISS');
  const second = await openai.chat.completions.create(body).withResponse();
  assert.equal(second.response.headers.get('cf-aig-cache-status'), 'HIT');
  assert.match(second.response.headers.get('age'), /^\d+$/);
  assert.equal(second.response.headers.get('content-type'), 'application/json');
  assert.deepEqual(second.data, first.data);
  assert.equal(second.data.choices[0].message.content, 'tok0 tok1 tok2 ');
  assert.equal(await upstreamCalls(body), 1);
  // The hit's log entry: the provider it stands for, the tokens it reports, and no cost.
  const id = second.response.headers.get('cf-aig-log-id');
  let entry;
  for (let i = 0; i < 100 && !entry; i++) {
    const res = await fetch(`${gw.url}/api/logs/${id}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    if (res.status === 200) entry = await res.json();
    else await sleep(50);
  }
  assert.equal(entry.cache_status, 'HIT');
  assert.equal(entry.provider, 'openai');
  assert.equal(entry.tokens_out, 3);
  assert.equal(entry.cost, 0);
});

test('openai SDK: a streamed completion is recorded and replayed as the same SSE stream', async () => {
  const openai = new OpenAI({ apiKey: 'sk-sdk', baseURL: `${gw.url}/v1/acct/gw/openai`, maxRetries: 0, defaultHeaders: TTL });
  const body = uniqueBody({ stream: true, stream_options: { include_usage: true } });
  const read = async () => {
    const { data: stream, response } = await openai.chat.completions.create(body, { headers: { 'x-mock-chunks': '4' } }).withResponse();
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    return { response, chunks, text: chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('') };
  };
  const first = await storing(read);
  assert.equal(first.response.headers.get('cf-aig-cache-status'), 'MISS');
  const second = await read();
  assert.equal(second.response.headers.get('cf-aig-cache-status'), 'HIT');
  assert.match(second.response.headers.get('content-type'), /^text\/event-stream/);
  assert.equal(second.text, 'tok0 tok1 tok2 tok3 ');
  assert.deepEqual(second.chunks, first.chunks);
  assert.equal(second.chunks.at(-1).usage.completion_tokens, 4);
  assert.equal(await upstreamCalls(body), 1);
});

test('CACHE_TTL turns caching on for every request; the KV entry expires with the TTL', async () => {
  const local = await startGateway(mock.url, { CACHE_TTL: '120' });
  try {
    const localKv = await local.mf.getKVNamespace('CACHE');
    const body = uniqueBody();
    const first = await chat(body, {}, local.url);
    assert.equal(first.headers.get('cf-aig-cache-status'), 'MISS');
    const keys = await entriesIn(localKv);
    assert.equal(keys.length, 1);
    // KV drops the entry by itself: its expiration is the TTL from now.
    const inSeconds = keys[0].expiration - Date.now() / 1000;
    assert.ok(inSeconds > 100 && inSeconds <= 121, `expires in ${inSeconds} s`);
    const second = await chat(body, {}, local.url);
    assert.equal(second.headers.get('cf-aig-cache-status'), 'HIT');
    assert.equal(second.text, first.text);
  } finally {
    await local.close();
  }
});

test('an entry older than the request\'s TTL is a miss (stored_at age check)', async () => {
  const body = uniqueBody();
  const before = new Set(await gatewayKeys());
  await storing(() => chat(body, TTL));
  const [key] = (await gatewayKeys()).filter((k) => !before.has(k));
  // Age the stored entry by two minutes (KV itself cannot expire anything sooner than 60 s).
  // Nothing read it yet, so the isolate's memory tier holds no copy.
  await ageInKv(kv, key, 120_000);
  const hit = await chat(body, TTL);
  assert.equal(hit.headers.get('cf-aig-cache-status'), 'HIT');
  assert.ok(Number(hit.headers.get('age')) >= 120, `age ${hit.headers.get('age')}`);
  assert.equal(await upstreamCalls(body), 1);
  const expired = await chat(body, { 'cf-aig-cache-ttl': '60' });
  assert.equal(expired.headers.get('cf-aig-cache-status'), 'MISS');
  assert.equal(await upstreamCalls(body), 2);
});

/** Rewrites the KV entry at `key` as if it had been stored `ms` earlier. */
async function ageInKv(store, key, ms) {
  const value = Buffer.from(await store.get(key, 'arrayBuffer'));
  const newline = value.indexOf(10);
  const meta = JSON.parse(value.subarray(0, newline).toString('utf8'));
  meta.stored_at_ms -= ms;
  const aged = new Uint8Array(Buffer.concat([Buffer.from(JSON.stringify(meta)), value.subarray(newline)]));
  await store.put(key, aged.buffer, { expirationTtl: 3600 });
}

test('memory tier: repeated hits are served from the isolate without reading KV again', async () => {
  const body = uniqueBody();
  const before = new Set(await gatewayKeys());
  await storing(() => chat(body, TTL));
  const [key] = (await gatewayKeys()).filter((k) => !before.has(k));
  assert.equal((await chat(body, TTL)).headers.get('cf-aig-cache-status'), 'HIT', 'read from KV, kept in memory');
  // KV now holds a copy two minutes older; the isolate keeps answering with the one it read.
  await ageInKv(kv, key, 120_000);
  const fromMemory = await chat(body, TTL);
  assert.equal(fromMemory.headers.get('cf-aig-cache-status'), 'HIT');
  assert.ok(Number(fromMemory.headers.get('age')) < 60, `age ${fromMemory.headers.get('age')}: served from memory`);
  assert.equal(await upstreamCalls(body), 1);

  // A purge by log id drops the memory copy too: the next request goes upstream.
  const logged = uniqueBody();
  const logId = (await storing(() => chat(logged, TTL))).headers.get('cf-aig-log-id');
  assert.equal((await chat(logged, TTL)).headers.get('cf-aig-cache-status'), 'HIT');
  assert.deepEqual(await (await purge({ log_id: logId })).json(), { deleted: 2, more: false });
  assert.equal((await chat(logged, TTL)).headers.get('cf-aig-cache-status'), 'MISS');
  assert.equal(await upstreamCalls(logged), 2);

  // So does a purge of the whole gateway.
  const last = uniqueBody();
  await storing(() => chat(last, TTL));
  assert.equal((await chat(last, TTL)).headers.get('cf-aig-cache-status'), 'HIT');
  assert.equal((await purge({ all: true })).status, 200);
  assert.equal((await chat(last, TTL)).headers.get('cf-aig-cache-status'), 'MISS');
});

test('memory tier: CACHE_MEMORY_SECONDS=0 reads KV on every hit', async () => {
  const local = await startGateway(mock.url, { CACHE_MEMORY_SECONDS: '0' });
  try {
    const localKv = await local.mf.getKVNamespace('CACHE');
    const body = uniqueBody();
    const post = () => chat(body, TTL, local.url);
    await post();
    const keys = await entriesIn(localKv);
    assert.equal(keys.length, 1, 'the entry was stored');
    assert.equal((await post()).headers.get('cf-aig-cache-status'), 'HIT');
    await ageInKv(localKv, keys[0].name, 120_000);
    const hit = await post();
    assert.equal(hit.headers.get('cf-aig-cache-status'), 'HIT');
    assert.ok(Number(hit.headers.get('age')) >= 120, `age ${hit.headers.get('age')}: read from KV`);
  } finally {
    await local.close();
  }
});

test('cf-aig-skip-cache: true neither reads nor writes the cache (BYPASS)', async () => {
  const body = uniqueBody();
  await storing(() => chat(body, TTL));
  const storedBefore = (await gatewayKeys()).length;
  for (const skip of ['cf-aig-skip-cache', 'cf-skip-cache']) {
    const res = await chat(uniqueBody(), { ...TTL, [skip]: 'true' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cf-aig-cache-status'), 'BYPASS');
  }
  const bypassed = await chat(body, { ...TTL, 'cf-aig-skip-cache': 'true' });
  assert.equal(bypassed.headers.get('cf-aig-cache-status'), 'BYPASS');
  assert.equal(await upstreamCalls(body), 2);
  await sleep(100);
  assert.equal((await gatewayKeys()).length, storedBefore);
});

test('cf-aig-cache-key is shared by two callers with different keys and bodies', async () => {
  const sharedKey = `shared-${Date.now()}`;
  const bodyA = uniqueBody();
  const a = await storing(() => chat(bodyA, { 'cf-aig-cache-key': sharedKey, authorization: 'Bearer sk-alice' }));
  assert.equal(a.headers.get('cf-aig-cache-status'), 'MISS');
  const bodyB = uniqueBody();
  const b = await chat(bodyB, { 'cf-aig-cache-key': sharedKey, authorization: 'Bearer sk-bob' });
  assert.equal(b.headers.get('cf-aig-cache-status'), 'HIT');
  assert.equal(b.text, a.text);
  assert.equal(await upstreamCalls(bodyB), 0);
});

test('by default, callers with different provider keys never share an entry', async () => {
  const body = uniqueBody();
  const alice = await storing(() => chat(body, { ...TTL, authorization: 'Bearer sk-alice' }));
  const bob = await chat(body, { ...TTL, authorization: 'Bearer sk-bob' });
  assert.equal(alice.headers.get('cf-aig-cache-status'), 'MISS');
  assert.equal(bob.headers.get('cf-aig-cache-status'), 'MISS');
  assert.equal(await upstreamCalls(body), 2);
  await sleep(100);
  const aliceAgain = await chat(body, { ...TTL, authorization: 'Bearer sk-alice' });
  assert.equal(aliceAgain.headers.get('cf-aig-cache-status'), 'HIT');
  assert.equal(await upstreamCalls(body), 2);
});

/** A POST of `body` to `path` of gateway `gw`, with `headers` on top of a key and content type. */
async function post(path, body, headers = {}) {
  const res = await fetch(`${gw.url}/v1/acct/gw/${path}`, {
    method: 'POST',
    headers: { authorization: 'Bearer sk-a', 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

test('requests that differ only in a header that changes the answer never share an entry', async () => {
  const messages = uniqueBody({ max_tokens: 10 });
  const v1 = { ...TTL, 'x-api-key': 'sk-ant', 'anthropic-version': '2023-06-01' };
  const first = await storing(() => post('anthropic/v1/messages', messages, v1));
  const otherVersion = await post('anthropic/v1/messages', messages, { ...v1, 'anthropic-version': '2024-10-22' });
  const withBeta = await post('anthropic/v1/messages', messages, { ...v1, 'anthropic-beta': 'output-128k-2025-02-19' });
  assert.deepEqual([first, otherVersion, withBeta].map((r) => r.headers.get('cf-aig-cache-status')), ['MISS', 'MISS', 'MISS']);
  assert.equal((await post('anthropic/v1/messages', messages, v1)).headers.get('cf-aig-cache-status'), 'HIT');
  assert.equal(await upstreamCalls(messages), 3);

  const body = uniqueBody();
  const plain = await storing(() => chat(body, TTL));
  const beta = await chat(body, { ...TTL, 'openai-beta': 'assistants=v2' });
  const project = await chat(body, { ...TTL, 'openai-project': 'proj_other' });
  assert.deepEqual([plain, beta, project].map((r) => r.headers.get('cf-aig-cache-status')), ['MISS', 'MISS', 'MISS']);
  assert.equal(await upstreamCalls(body), 3);
  // A header no provider reads does not split the cache.
  assert.equal((await chat(body, { ...TTL, 'x-request-tag': 'whatever' })).headers.get('cf-aig-cache-status'), 'HIT');
});

test('a custom key is scoped by method, provider and endpoint; cf-aig-cache-key-scope: gateway shares it wider', async () => {
  const key = `scoped-${Date.now()}`;
  const custom = { 'cf-aig-cache-key': key };
  const onOpenAi = await storing(() => post('openai/chat/completions', uniqueBody(), custom));
  const onGroq = await storing(() => post('groq/chat/completions', uniqueBody(), custom));
  const onEmbeddings = await storing(() => post('openai/embeddings', { model: 'text-embedding-3-small', input: 'hi' }, custom));
  assert.deepEqual([onOpenAi, onGroq, onEmbeddings].map((r) => r.headers.get('cf-aig-cache-status')), ['MISS', 'MISS', 'MISS']);
  assert.ok(JSON.parse(onEmbeddings.text).data, 'the embeddings call got an embeddings answer, not a chat one');
  assert.equal((await post('openai/chat/completions', uniqueBody(), custom)).headers.get('cf-aig-cache-status'), 'HIT');

  // Asked for, the key is one entry for the whole gateway, whatever the provider or endpoint.
  const wide = { ...custom, 'cf-aig-cache-key-scope': 'gateway' };
  const first = await storing(() => post('openai/chat/completions', uniqueBody(), wide));
  assert.equal(first.headers.get('cf-aig-cache-status'), 'MISS', 'the gateway scope is its own entry');
  const elsewhere = await post('mistral/v1/chat/completions', uniqueBody(), { ...wide, authorization: 'Bearer sk-other' });
  assert.equal(elsewhere.headers.get('cf-aig-cache-status'), 'HIT');
  assert.equal(elsewhere.text, first.text);

  // One purge by the custom key removes it at every scope and endpoint.
  assert.deepEqual(await (await purge({ key })).json(), { deleted: 4, more: false });
  assert.equal((await post('groq/chat/completions', uniqueBody(), custom)).headers.get('cf-aig-cache-status'), 'MISS');
  assert.equal((await post('mistral/v1/chat/completions', uniqueBody(), wide)).headers.get('cf-aig-cache-status'), 'MISS');
  assert.equal((await post('openai/chat/completions', uniqueBody(), { ...custom, 'cf-aig-cache-key-scope': 'world' })).status, 400);
});

test('non-2xx responses are not cached', async () => {
  const body = uniqueBody();
  for (const status of ['429', '500']) {
    const res = await chat(body, { ...TTL, 'x-mock-status': status });
    assert.equal(res.status, Number(status));
    assert.equal(res.headers.get('cf-aig-cache-status'), 'MISS');
  }
  await sleep(100);
  const ok = await chat(body, TTL);
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get('cf-aig-cache-status'), 'MISS');
  assert.equal(await upstreamCalls(body), 3);
});

test('a stream cut mid-way is not cached', async () => {
  const body = uniqueBody({ stream: true });
  const cut = await chat(body, { ...TTL, 'x-mock-cut-after': '2' });
  assert.equal(cut.headers.get('cf-aig-cache-status'), 'MISS');
  assert.doesNotMatch(cut.text, /\[DONE\]/);
  await sleep(200);
  const whole = await storing(() => chat(body, TTL));
  assert.equal(whole.headers.get('cf-aig-cache-status'), 'MISS');
  assert.match(whole.text, /data: \[DONE\]/);
  const replay = await chat(body, TTL);
  assert.equal(replay.headers.get('cf-aig-cache-status'), 'HIT');
  assert.equal(replay.text, whole.text);
  assert.equal(await upstreamCalls(body), 2);
});

test('invalid cache headers are answered 400 naming the header, before any upstream call', async () => {
  const cases = [
    [{ 'cf-aig-cache-ttl': '59' }, 'cf-aig-cache-ttl'],
    [{ 'cf-aig-cache-ttl': '2592001' }, 'cf-aig-cache-ttl'],
    [{ 'cf-aig-cache-ttl': 'soon' }, 'cf-aig-cache-ttl'],
    [{ 'cf-cache-ttl': '10' }, 'cf-cache-ttl'],
    [{ 'cf-aig-skip-cache': 'maybe' }, 'cf-aig-skip-cache'],
    [{ 'cf-aig-cache-key': 'k'.repeat(513) }, 'cf-aig-cache-key'],
  ];
  const body = uniqueBody();
  for (const [headers, name] of cases) {
    const res = await chat(body, headers);
    assert.equal(res.status, 400, JSON.stringify(headers));
    const error = JSON.parse(res.text).error;
    assert.equal(error.type, 'invalid_request_error');
    assert.ok(error.message.includes(name), error.message);
  }
  assert.equal(await upstreamCalls(body), 0);
});

test('20 concurrent identical misses make one upstream call and all get its answer', async () => {
  const body = uniqueBody();
  const results = await Promise.all(Array.from({ length: 20 }, () => chat(body, { ...TTL, 'x-mock-delay-ms': '400' })));
  assert.equal(await upstreamCalls(body), 1);
  for (const r of results) {
    assert.equal(r.status, 200);
    assert.equal(r.text, results[0].text);
  }
  const statuses = results.map((r) => r.headers.get('cf-aig-cache-status')).sort();
  assert.deepEqual(statuses, [...Array(19).fill('HIT'), 'MISS']);
});

test('with CACHE_COALESCE=false the same 20 concurrent misses each call the provider', async () => {
  const local = await startGateway(mock.url, { CACHE_COALESCE: 'false' });
  try {
    const body = uniqueBody();
    const results = await Promise.all(Array.from({ length: 20 }, () => chat(body, { ...TTL, 'x-mock-delay-ms': '400' }, local.url)));
    assert.ok(results.every((r) => r.status === 200 && r.headers.get('cf-aig-cache-status') === 'MISS'));
    assert.equal(await upstreamCalls(body), 20);
  } finally {
    await local.close();
  }
});

test('20 concurrent identical streamed misses: one upstream call, every client gets the whole stream', async () => {
  const body = uniqueBody({ stream: true });
  const results = await Promise.all(Array.from({ length: 20 }, () => chat(body, { ...TTL, 'x-mock-delay-ms': '100' })));
  assert.equal(await upstreamCalls(body), 1);
  for (const r of results) assert.equal(r.text, results[0].text);
  assert.match(results[0].text, /data: \[DONE\]/);
});

test('followers of a leader whose response is not cacheable make their own calls', async () => {
  const body = uniqueBody();
  const results = await Promise.all(Array.from({ length: 5 }, () => chat(body, { ...TTL, 'x-mock-delay-ms': '300', 'x-mock-status': '503' })));
  for (const r of results) assert.equal(r.status, 503);
  assert.equal(await upstreamCalls(body), 5);
});

test('without the CACHE binding, requests are served from upstream and the cache error is logged', async () => {
  // The log shards stay bound: the request log must say what went wrong with the cache.
  const logsOnly = { LOGS: GATEWAY_BINDINGS.durableObjects.LOGS };
  const local = await startGateway(mock.url, { CACHE_TTL: '3600', PLUGINS: 'access-log' }, { kvNamespaces: [], durableObjects: logsOnly });
  try {
    const body = uniqueBody();
    let logId;
    for (let i = 0; i < 2; i++) {
      const res = await chat(body, {}, local.url);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('cf-aig-cache-status'), 'MISS');
      assert.equal(JSON.parse(res.text).choices[0].message.content, 'tok0 tok1 tok2 ');
      logId = res.headers.get('cf-aig-log-id');
    }
    let logged;
    for (let i = 0; i < 100 && !logged; i++) {
      const res = await fetch(`${local.url}/api/logs/${logId}`, { headers: { authorization: `Bearer ${DEFAULT_ADMIN_TOKEN}` } });
      if (res.status === 200) logged = await res.json();
      else await sleep(50);
    }
    assert.equal(logged.success, true, 'the request succeeded');
    assert.match(logged.cache_error, /CACHE KV binding is missing/);
    assert.equal(await upstreamCalls(body), 2);
    let line;
    for (let i = 0; i < 50 && !line; i++) { line = local.logs.find((l) => l.includes('cache_error')); await sleep(20); }
    const entry = JSON.parse(line.slice(line.indexOf('{')));
    assert.equal(entry.cache, 'MISS');
    assert.match(entry.cache_error, /CACHE KV binding is missing/);
  } finally {
    await local.close();
  }
});

test('purge API: by custom key, by KV key, by log id, and all entries of one gateway', async () => {
  // Refused without the admin token.
  assert.equal((await purge({ all: true }, 'gw', 'wrong')).status, 401);
  assert.equal((await purge({ nothing: true })).status, 400);

  // By the custom key a client sent.
  const custom = `purge-${Date.now()}`;
  await storing(() => chat(uniqueBody(), { 'cf-aig-cache-key': custom }));
  assert.equal((await chat(uniqueBody(), { 'cf-aig-cache-key': custom })).headers.get('cf-aig-cache-status'), 'HIT');
  const byCustom = await purge({ key: custom });
  assert.equal(byCustom.status, 200);
  assert.equal((await chat(uniqueBody(), { 'cf-aig-cache-key': custom })).headers.get('cf-aig-cache-status'), 'MISS');

  // By a KV key as listed.
  const body = uniqueBody();
  const before = new Set(await gatewayKeys());
  await storing(() => chat(body, TTL));
  const [kvKey] = (await gatewayKeys()).filter((k) => !before.has(k));
  assert.deepEqual(await (await purge({ key: kvKey })).json(), { deleted: 1, more: false });
  assert.equal(await kv.get(kvKey), null);
  assert.equal((await chat(body, TTL)).headers.get('cf-aig-cache-status'), 'MISS');

  // By the log id of the request that stored the entry (`cf-aig-log-id`), through the index
  // store() writes next to the entry.
  const logged = uniqueBody();
  const beforeLogged = new Set(await gatewayKeys());
  const loggedResponse = await storing(() => chat(logged, TTL));
  const logId = loggedResponse.headers.get('cf-aig-log-id');
  assert.match(logId, /^[0-9A-Z]{26}$/);
  const [loggedKey] = (await gatewayKeys()).filter((k) => !beforeLogged.has(k));
  assert.equal(await kv.get(`v1/gw/log/${logId}`), loggedKey, 'the index points at the entry');
  assert.deepEqual(await (await purge({ log_id: logId })).json(), { deleted: 2, more: false });
  assert.equal(await kv.get(loggedKey), null);
  assert.equal(await kv.get(`v1/gw/log/${logId}`), null);
  assert.equal((await chat(logged, TTL)).headers.get('cf-aig-cache-status'), 'MISS');

  // All of one gateway, and nothing of another.
  await storing(() => chat(uniqueBody(), TTL));
  const other = await fetch(`${gw.url}/v1/acct/gw2/openai/chat/completions`, {
    method: 'POST', headers: { authorization: 'Bearer sk-a', ...TTL }, body: JSON.stringify(uniqueBody()),
  });
  await other.text();
  await storedCount(1, 'gw2');
  const count = (await allKeys()).length;
  assert.ok(count >= 1);
  assert.deepEqual(await (await purge({ all: true })).json(), { deleted: count, more: false });
  assert.deepEqual(await allKeys(), []);
  assert.equal((await gatewayKeys('gw2')).length, 1);
});
