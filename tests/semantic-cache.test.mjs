// The semantic cache end to end in workerd: a question asked again in other words is answered from
// the first one's cache entry, found through the local index (SemanticIndex Durable Objects). The
// main gateway embeds with the deterministic test embedder (SEMANTIC_EMBEDDER=test: shared words
// make texts similar); others embed through the mock upstream's OpenAI embeddings, or through an
// embeddings endpoint that is down or hangs. Each test asks under its own system prompt, so that
// its questions have a partition of their own.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import OpenAI from 'openai';
import { startMockUpstream } from './support/mock-upstream.mjs';
import { waitForLogEntry } from './support/log-api.mjs';
import { startGateway, overridesFor, ADMIN_TOKEN } from './support/gateway.mjs';

const CHAT = '/v1/acct/gw/openai/chat/completions';
const SEMANTIC = { 'cf-aig-cache-semantic': 'true' };

let mock, gw, hanging;
before(async () => {
  mock = await startMockUpstream();
  gw = await startGateway(mock.url, { SEMANTIC_EMBEDDER: 'test', STORED_GATEWAYS: 'true' });
  // An embeddings endpoint that takes requests and never answers.
  hanging = http.createServer(() => {});
  await new Promise((r) => hanging.listen(0, '127.0.0.1', r));
});
after(async () => {
  await gw?.close();
  await mock?.close();
  hanging?.closeAllConnections?.();
  await new Promise((r) => hanging?.close(r) ?? r());
});

let counter = 0;
/** A system prompt no other test sends: a partition of its own. */
const system = () => `You are test assistant ${++counter}-${Date.now()}.`;

function body(sys, question, extra = {}) {
  return { model: 'gpt-4o-mini', messages: [{ role: 'system', content: sys }, { role: 'user', content: question }], ...extra };
}

async function chat(payload, headers = {}, { url = gw.url, path = CHAT } = {}) {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { authorization: 'Bearer sk-a', 'content-type': 'application/json', ...SEMANTIC, ...headers },
    body: JSON.stringify(payload),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** The log entry `id`, once written: the cache entry and its vector are stored before it, in the
 * same waitUntil, so a logged first answer is one the next question can find. */
const logEntry = (id, url = gw.url) => waitForLogEntry(url, id);

/** The semantic note of a request's log entry, parsed. */
async function noteOf(res, url = gw.url) {
  const entry = await logEntry(res.headers.get('cf-aig-log-id'), url);
  return entry.cache_semantic === null ? null : JSON.parse(entry.cache_semantic);
}

/** Chat calls the mock upstream received whose last message was `question`. */
async function upstreamCalls(question) {
  return (await mock.requests()).filter((r) => r.payload?.messages?.at(-1)?.content === question).length;
}

/** Asks `question` and waits until its answer is stored and indexed. */
async function stored(payload, headers = {}, options = {}) {
  const res = await chat(payload, headers, options);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.headers.get('cf-aig-cache-status'), 'MISS');
  await logEntry(res.headers.get('cf-aig-log-id'), options.url);
  return res;
}

test('a paraphrase is answered from the first question\'s entry, and both logs say so', async () => {
  const sys = system();
  const first = await stored(body(sys, 'What is the capital of France?'));
  assert.deepEqual(await noteOf(first), { outcome: 'miss', best_similarity: null, threshold: 0.9 });

  const again = await chat(body(sys, 'what is the capital city of France'));
  assert.equal(again.status, 200);
  assert.equal(again.headers.get('cf-aig-cache-status'), 'HIT');
  assert.equal(again.headers.get('cf-aig-cache-match'), 'semantic');
  const similarity = again.headers.get('cf-aig-cache-similarity');
  assert.match(similarity, /^0\.9\d\d$/);
  assert.equal(again.headers.get('cf-aig-cache-source-log-id'), first.headers.get('cf-aig-log-id'));
  assert.notEqual(again.headers.get('cf-aig-log-id'), first.headers.get('cf-aig-log-id'));
  assert.match(again.headers.get('age'), /^\d+$/);
  assert.equal(again.text, first.text);
  assert.equal(await upstreamCalls('what is the capital city of France'), 0);

  const entry = await logEntry(again.headers.get('cf-aig-log-id'));
  assert.equal(entry.cache_status, 'HIT');
  assert.deepEqual(JSON.parse(entry.cache_semantic), {
    outcome: 'hit', similarity: Number(similarity), source_log_id: first.headers.get('cf-aig-log-id'),
  });
});

test('an unrelated question misses and goes to the provider', async () => {
  const sys = system();
  await stored(body(sys, 'What is the capital of France?'));
  const other = await chat(body(sys, 'How do I bake sourdough bread?'));
  assert.equal(other.headers.get('cf-aig-cache-status'), 'MISS');
  assert.equal(other.headers.get('cf-aig-cache-match'), null);
  assert.equal(await upstreamCalls('How do I bake sourdough bread?'), 1);
  const note = await noteOf(other);
  assert.equal(note.outcome, 'miss');
  assert.ok(note.best_similarity < 0.5, JSON.stringify(note));
});

test('the same question under another system prompt, model or caller misses', async () => {
  const sys = system();
  await stored(body(sys, 'What is the capital of France?'));
  const paraphrase = 'what is the capital city of France';
  const cases = [
    ['another system prompt', body(`${sys} Answer in French.`, paraphrase), {}],
    ['another model', body(sys, paraphrase, { model: 'gpt-4o' }), {}],
    ['another caller', body(sys, paraphrase), { authorization: 'Bearer sk-b' }],
    ['sampling', body(sys, paraphrase, { temperature: 0.7 }), {}],
  ];
  for (const [what, payload, headers] of cases) {
    const res = await chat(payload, headers);
    assert.equal(res.status, 200, `${what}: ${res.text}`);
    assert.equal(res.headers.get('cf-aig-cache-status'), 'MISS', what);
    assert.equal(res.headers.get('cf-aig-cache-match'), null, what);
  }
  assert.equal(await upstreamCalls(paraphrase), cases.length);
  // The sampled request was not compared, and its log says why.
  const sampled = await chat(body(sys, 'what is the capital of France, please', { temperature: 0.7 }));
  assert.deepEqual(await noteOf(sampled), {
    outcome: 'skipped', reason: "temperature 0.7 samples; the gateway's semantic_cache.sampled compares such requests",
  });
});

test('a streamed answer is replayed to a paraphrase and parsed by the openai SDK', async () => {
  const sys = system();
  const openai = new OpenAI({
    apiKey: 'sk-sdk', baseURL: `${gw.url}/v1/acct/gw/openai`, maxRetries: 0, defaultHeaders: SEMANTIC,
  });
  const read = async (question) => {
    const { data: stream, response } = await openai.chat.completions
      .create(body(sys, question, { stream: true, stream_options: { include_usage: true } }), { headers: { 'x-mock-chunks': '4' } })
      .withResponse();
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    return { response, chunks, text: chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('') };
  };
  const first = await read('Which planet is the largest in the solar system?');
  assert.equal(first.response.headers.get('cf-aig-cache-status'), 'MISS');
  await logEntry(first.response.headers.get('cf-aig-log-id'));

  const second = await read('which planet is the largest one in the solar system');
  assert.equal(second.response.headers.get('cf-aig-cache-status'), 'HIT');
  assert.equal(second.response.headers.get('cf-aig-cache-match'), 'semantic');
  assert.match(second.response.headers.get('content-type'), /^text\/event-stream/);
  assert.equal(second.text, 'tok0 tok1 tok2 tok3 ');
  assert.equal(second.text, first.text);
  assert.deepEqual(second.chunks.at(-1).usage, first.chunks.at(-1).usage);
  // A request that does not stream is another partition: it never gets the event stream.
  const plain = await chat(body(sys, 'which planet is the largest one in the solar system'));
  assert.equal(plain.headers.get('cf-aig-cache-status'), 'MISS');
  assert.equal(JSON.parse(plain.text).object, 'chat.completion');
});

test('Anthropic\'s Messages, Gemini and the compat endpoint are compared too', async () => {
  const sys = system();
  const anthropic = (question) => ({ model: 'claude-3-5-haiku-latest', max_tokens: 64, system: sys, messages: [{ role: 'user', content: question }] });
  const gemini = (question) => ({ systemInstruction: { parts: [{ text: sys }] }, contents: [{ role: 'user', parts: [{ text: question }] }] });
  const compat = (question) => body(sys, question, { model: 'openai/gpt-4o-mini' });
  for (const [path, make] of [
    ['/v1/acct/gw/anthropic/v1/messages', anthropic],
    ['/v1/acct/gw/google-ai-studio/v1beta/models/gemini-2.0-flash:generateContent', gemini],
    ['/v1/acct/gw/compat/chat/completions', compat],
  ]) {
    const first = await stored(make('What is the capital of France?'), {}, { path });
    const again = await chat(make('what is the capital city of France'), {}, { path });
    assert.equal(again.status, 200, `${path}: ${again.text}`);
    assert.equal(again.headers.get('cf-aig-cache-match'), 'semantic', path);
    assert.equal(again.headers.get('cf-aig-cache-source-log-id'), first.headers.get('cf-aig-log-id'), path);
    assert.equal(again.text, first.text, path);
  }
});

test('purge by log id and purge of all entries end semantic hits too', async () => {
  const purge = (payload) => fetch(`${gw.url}/api/gateways/gw/cache/purge`, {
    method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, body: JSON.stringify(payload),
  });
  const sys = system();
  const first = await stored(body(sys, 'How tall is Mount Everest in meters?'));
  assert.equal((await chat(body(sys, 'how tall is the Mount Everest in meters'))).headers.get('cf-aig-cache-match'), 'semantic');

  assert.equal((await purge({ log_id: first.headers.get('cf-aig-log-id') })).status, 200);
  const afterPurge = await chat(body(sys, 'how tall is the Mount Everest in meters'));
  assert.equal(afterPurge.headers.get('cf-aig-cache-status'), 'MISS');
  assert.equal(await upstreamCalls('how tall is the Mount Everest in meters'), 1);
  await logEntry(afterPurge.headers.get('cf-aig-log-id'));

  // That answer was stored in turn; a purge of everything ends its hits as well.
  assert.equal((await chat(body(sys, 'How tall is Mount Everest in meters?'))).headers.get('cf-aig-cache-match'), 'semantic');
  assert.equal((await purge({ all: true })).status, 200);
  const afterAll = await chat(body(sys, 'How tall is Mount Everest in meters?'));
  assert.equal(afterAll.headers.get('cf-aig-cache-status'), 'MISS');
});

test('a gateway turns it on for its requests; a request may turn it off', async () => {
  const admin = (method, path, payload) => fetch(`${gw.url}${path}`, {
    method, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(payload),
  });
  const created = await admin('POST', '/api/gateways', { id: 'semantic-gw', cache_ttl: 600, semantic_cache: { threshold: 0.85 } });
  const text = await created.text();
  assert.equal(created.status, 201, text);
  assert.deepEqual(JSON.parse(text).semantic_cache, { enabled: true, threshold: 0.85, turns: 1, sampled: false });
  const path = '/v1/acct/semantic-gw/openai/chat/completions';
  const sys = system();
  const noHeader = { 'cf-aig-cache-semantic': undefined };
  const clean = (h) => Object.fromEntries(Object.entries({ ...SEMANTIC, ...h }).filter(([, v]) => v !== undefined));
  const ask = (question, headers = noHeader) => fetch(`${gw.url}${path}`, {
    method: 'POST', headers: { authorization: 'Bearer sk-a', 'content-type': 'application/json', ...clean(headers) },
    body: JSON.stringify(body(sys, question)),
  });
  const first = await ask('Who wrote the novel War and Peace?');
  assert.equal(first.headers.get('cf-aig-cache-status'), 'MISS');
  await logEntry(first.headers.get('cf-aig-log-id'));
  const hit = await ask('who wrote War and Peace');
  assert.equal(hit.headers.get('cf-aig-cache-match'), 'semantic', 'the gateway threshold, 0.85, lets it hit');
  const refused = await ask('who wrote War and Peace', { 'cf-aig-cache-semantic': 'false' });
  assert.equal(refused.headers.get('cf-aig-cache-status'), 'MISS');
  // (Worded apart from the refused request, whose answer is now in the exact cache.)
  const strict = await ask('Who wrote War and Peace?', { 'cf-aig-cache-semantic-threshold': '0.99' });
  assert.equal(strict.headers.get('cf-aig-cache-status'), 'MISS', 'the request\'s threshold wins');
});

test('bad semantic headers are 400 naming the header; requests with no text say so in the log', async () => {
  for (const [name, value] of [
    ['cf-aig-cache-semantic', 'yes'], ['cf-aig-cache-semantic-threshold', '1.5'],
    ['cf-aig-cache-semantic-threshold', 'high'], ['cf-aig-cache-semantic-turns', '0'],
  ]) {
    const res = await chat(body(system(), 'Hi'), { [name]: value });
    assert.equal(res.status, 400, `${name}: ${value}`);
    assert.match(JSON.parse(res.text).error.message, new RegExp(`^${name} must be`));
  }
  const image = {
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }] }],
  };
  const res = await chat(image);
  assert.equal(res.status, 200);
  assert.deepEqual(await noteOf(res), { outcome: 'skipped', reason: 'no text to compare (images only or empty messages)' });
  const skipped = await chat(body(system(), 'Hi'), { 'cf-aig-skip-cache': 'true' });
  assert.equal(skipped.headers.get('cf-aig-cache-status'), 'BYPASS');
  assert.equal(await noteOf(skipped), null);
});

/** A gateway embedding through `provider`'s OpenAI-compatible endpoint, at `embeddingsUrl` (else
 * the mock's), chatting with the mock through groq. */
async function providerGateway(embeddingsUrl) {
  const overrides = overridesFor(mock.url);
  if (embeddingsUrl) overrides.openai = embeddingsUrl;
  return startGateway(mock.url, {
    UPSTREAM_OVERRIDES: JSON.stringify(overrides), SEMANTIC_EMBEDDER: 'openai:text-embedding-3-small',
  });
}

test('embeddings through a provider of the table: the mock\'s /openai/v1/embeddings', async () => {
  const local = await providerGateway();
  try {
    const path = '/v1/acct/gw/groq/chat/completions';
    const sys = system();
    // The mock's vectors are hashes of the text: only the same normalised text is similar.
    const first = await stored(body(sys, 'Is it going to rain in Lisbon tomorrow?'), {}, { url: local.url, path });
    const same = await chat(body(sys, '  is it going to RAIN in Lisbon tomorrow '), {}, { url: local.url, path });
    assert.equal(same.headers.get('cf-aig-cache-match'), 'semantic');
    assert.equal(same.headers.get('cf-aig-cache-similarity'), '1.000');
    assert.equal(same.headers.get('cf-aig-cache-source-log-id'), first.headers.get('cf-aig-log-id'));
    const embeddings = (await mock.requests()).filter((r) => r.path === '/openai/v1/embeddings');
    assert.ok(embeddings.length >= 2);
    assert.deepEqual(embeddings.at(-1).payload, { model: 'text-embedding-3-small', input: 'is it going to rain in lisbon tomorrow' });
    const other = await chat(body(sys, 'Is it going to snow in Oslo tomorrow?'), { 'cf-aig-cache-semantic-threshold': '0.999' }, { url: local.url, path });
    assert.equal(other.headers.get('cf-aig-cache-status'), 'MISS');
  } finally {
    await local.close();
  }
});

test('an embedder that is down or hangs: served by the provider, and the log says why', async () => {
  const path = '/v1/acct/gw/groq/chat/completions';
  for (const [url, reason] of [
    ['http://127.0.0.1:9', /^the embedder failed: could not reach the provider at http:\/\/127\.0\.0\.1:9\/v1\/embeddings/],
    [`http://127.0.0.1:${hanging.address().port}`, /^the embedder did not answer within 150 ms$/],
  ]) {
    const local = await providerGateway(url);
    try {
      const started = Date.now();
      const res = await chat(body(system(), 'What is the boiling point of water?'), {}, { url: local.url, path });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.headers.get('cf-aig-cache-status'), 'MISS');
      assert.equal(JSON.parse(res.text).object, 'chat.completion');
      assert.ok(Date.now() - started < 3000, 'the embedder does not hold the request');
      const note = await noteOf(res, local.url);
      assert.equal(note.outcome, 'error');
      assert.match(note.reason, reason);
    } finally {
      await local.close();
    }
  }
});
