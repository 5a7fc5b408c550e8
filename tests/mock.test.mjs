// The mock upstream itself: odd requests get a 400 in the provider's shape (never a crash, never
// an allocation sized by the request), and each misbehaviour of the fault harness does what the
// header list at the top of tests/support/mock-upstream.mjs says.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startMockUpstream } from './support/mock-upstream.mjs';
import { GARBAGE_LINE_BYTES } from './support/mock-bodies.mjs';

let mock;
before(async () => { mock = await startMockUpstream(); });
after(async () => { await mock?.close(); });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const ROUTES = {
  openai: '/openai/v1/chat/completions',
  anthropic: '/anthropic/v1/messages',
  gemini: '/google-ai-studio/v1beta/models/gemini-2.5-flash:generateContent',
  geminiStream: '/google-ai-studio/v1beta/models/gemini-2.5-flash:streamGenerateContent',
  embeddings: '/openai/v1/embeddings',
  geminiEmbeddings: '/google-ai-studio/v1beta/models/gemini-embedding-001:batchEmbedContents',
};

const post = (route, body, headers = {}) => fetch(`${mock.url}${ROUTES[route]}`, {
  method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body),
  signal: AbortSignal.timeout(5000),
});

/** A raw HTTP exchange (no decoding, no length checks): status, headers, the bytes received, and how it ended. */
function raw(route, body, headers = {}, { timeoutMs = 5000 } = {}) {
  return new Promise((resolve) => {
    const chunks = [];
    let response;
    const done = (ended) => resolve({ status: response?.statusCode, headers: response?.headers ?? {}, body: Buffer.concat(chunks), ended });
    const req = http.request(`${mock.url}${ROUTES[route]}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      response = res;
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => done('end'));
      res.on('aborted', () => done('aborted'));
      res.on('error', () => done('error'));
    });
    req.on('error', () => done(response ? 'error' : 'no-response'));
    req.setTimeout(timeoutMs, () => { req.destroy(); done(response ? 'timeout-in-body' : 'timeout-before-head'); });
    req.end(JSON.stringify(body));
  });
}

/** Asserts `res` is a 400 in the error shape of `route`'s provider, and returns its message. */
async function providerError(route, res, status = 400) {
  assert.equal(res.status, status);
  const body = await res.json();
  if (route === 'anthropic') {
    assert.equal(body.type, 'error');
    assert.equal(typeof body.error.message, 'string');
    return body.error.message;
  }
  if (route.startsWith('gemini')) {
    assert.equal(body.error.code, status);
    assert.equal(body.error.status, 'INVALID_ARGUMENT');
    return body.error.message;
  }
  assert.equal(typeof body.error.message, 'string');
  assert.equal(body.error.type, 'invalid_request_error');
  return body.error.message;
}

const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] };
const ODD_BODIES = [
  ...Object.keys(ROUTES).flatMap((route) => [[route, 'null'], [route, 'not json'], [route, '[1,2]'], [route, '"text"'], [route, '12']]),
  ['openai', { messages: 'hi' }], ['openai', { messages: { role: 'user' } }], ['openai', { messages: [null] }],
  ['openai', { ...chat, n: 1e9 }], ['openai', { ...chat, tools: 'all' }], ['openai', { ...chat, tools: [{ type: 'function' }] }],
  ['anthropic', { messages: 'hi' }], ['anthropic', { messages: [{ role: 'user', content: [null] }] }],
  ['anthropic', { messages: [{ role: 'user', content: [{ type: 'tool_result', content: 7 }] }] }], ['anthropic', { messages: [], tools: [1] }],
  ['gemini', { contents: 'hi' }], ['gemini', { contents: [{ parts: 'hi' }] }], ['gemini', { contents: [], tools: [{ functionDeclarations: [{}] }] }],
  ['geminiStream', { contents: { parts: [] } }],
  ['embeddings', { input: 'a', dimensions: 1e9 }], ['embeddings', { input: 'a', dimensions: -1 }], ['embeddings', { input: 'a', dimensions: 1.5 }],
  ['embeddings', { input: Array(3000).fill('a') }], ['embeddings', { input: 5 }],
  ['geminiEmbeddings', { requests: 'a' }], ['geminiEmbeddings', { requests: [{ outputDimensionality: 1e9 }] }], ['geminiEmbeddings', { requests: [null] }],
];

test('odd request bodies get a 400 in the provider\'s error shape, and the mock keeps answering', async () => {
  for (const [route, body] of ODD_BODIES) {
    const what = `${route} ${typeof body === 'string' ? body : JSON.stringify(body).slice(0, 80)}`;
    const message = await providerError(route, await post(route, body)).catch((err) => assert.fail(`${what}: ${err.message}`));
    assert.ok(message.length > 0, what);
  }
  const ok = await post('openai', chat);
  assert.equal(ok.status, 200);
  assert.equal((await ok.json()).choices[0].message.content, 'tok0 tok1 tok2 ');
});

test('odd steering headers: unknown faults and statuses are a 400, sizes are clamped', async () => {
  assert.match(await providerError('openai', await post('openai', chat, { 'x-mock-fault': 'meltdown' })), /x-mock-fault/);
  assert.match(await providerError('anthropic', await post('anthropic', chat, { 'x-mock-status': 'teapot' })), /x-mock-status/);
  assert.match(await providerError('gemini', await post('gemini', { contents: [] }, { 'x-mock-status': '99' })), /x-mock-status/);
  // A billion chunks is clamped to 10000 deltas: the stream stays a few hundred KB and ends properly.
  const stream = await post('openai', { ...chat, stream: true }, { 'x-mock-chunks': '1e9' });
  const text = await stream.text();
  assert.equal(text.split('\n\n').filter((e) => e.includes('"content":"tok')).length, 10_000);
  assert.match(text, /data: \[DONE\]\n\n$/);
  for (const [name, value] of [['x-mock-chunks', 'lots'], ['x-mock-delay-ms', '-5'], ['x-mock-cut-after', 'never'], ['x-mock-body-bytes', '-1'], ['x-mock-trickle-ms', 'x']]) {
    const res = await post('openai', chat, { [name]: value });
    assert.equal(res.status, 200, name);
    assert.ok((await res.json()).choices, name);
  }
  const huge = await post('embeddings', { input: ['a', 'b'], dimensions: 3 });
  assert.deepEqual((await huge.json()).data.map((d) => d.embedding.length), [3, 3]);
});

test('x-mock-body-bytes: a JSON chat answer of exactly N bytes, with its usage at the end', async () => {
  for (const [route, body, tokensAt] of [
    ['openai', chat, (j) => j.usage.completion_tokens],
    ['anthropic', chat, (j) => j.usage.output_tokens],
    ['gemini', { contents: [] }, (j) => j.usageMetadata.candidatesTokenCount],
  ]) {
    const res = await raw(route, body, { 'x-mock-body-bytes': '300000' });
    assert.equal(res.headers['content-length'], '300000', route);
    assert.equal(res.body.length, 300000, route);
    const json = JSON.parse(res.body);
    assert.ok(tokensAt(json) > 70000, route);
    assert.match(res.body.subarray(-200).toString(), /usage/i, `${route}: the usage is in the tail`);
  }
  const chunked = await raw('openai', chat, { 'x-mock-body-bytes': '100000', 'x-mock-no-length': '1' });
  assert.equal(chunked.headers['content-length'], undefined);
  assert.equal(chunked.headers['transfer-encoding'], 'chunked');
  assert.equal(chunked.body.length, 100000);
  const small = await raw('openai', chat, { 'x-mock-no-length': '1' });
  assert.equal(small.headers['transfer-encoding'], 'chunked');
  assert.equal(JSON.parse(small.body).usage.completion_tokens, 3);
});

test('x-mock-body-bytes: a stream of about N bytes ends with its usage and terminal event; embeddings are padded', async () => {
  const res = await raw('openai', { ...chat, stream: true }, { 'x-mock-body-bytes': '500000' });
  assert.equal(res.headers['content-length'], undefined);
  assert.ok(res.body.length >= 500000 && res.body.length < 510000, `${res.body.length} bytes`);
  const events = res.body.toString().split('\n\n').filter(Boolean);
  assert.equal(events.at(-1), 'data: [DONE]');
  const usage = JSON.parse(events.at(-2).slice(6)).usage;
  const text = events.slice(0, -2).map((e) => JSON.parse(e.slice(6)).choices[0]?.delta?.content ?? '').join('');
  assert.equal(usage.completion_tokens, Math.ceil(text.length / 4));
  const anthropic = (await raw('anthropic', { ...chat, stream: true }, { 'x-mock-body-bytes': '200000' })).body.toString();
  assert.match(anthropic, /event: message_delta\ndata: .*"output_tokens":\d+.*\n\nevent: message_stop\n/);
  const gemini = (await raw('geminiStream', { contents: [] }, { 'x-mock-body-bytes': '200000' })).body.toString();
  assert.match(gemini, /"finishReason":"STOP".*"usageMetadata"/);
  for (const route of ['embeddings', 'geminiEmbeddings']) {
    const emb = await raw(route, route === 'embeddings' ? { input: 'a' } : { requests: [] }, { 'x-mock-body-bytes': '123457' });
    assert.equal(emb.body.length, 123457, route);
    const values = JSON.parse(emb.body).data?.[0].embedding ?? JSON.parse(emb.body).embeddings[0].values;
    assert.ok(values.length > 13000, route);
  }
});

test('short-body declares more than it sends, then breaks the connection', async () => {
  const res = await raw('openai', chat, { 'x-mock-fault': 'short-body' });
  assert.equal(res.status, 200);
  const declared = Number(res.headers['content-length']);
  assert.ok(res.body.length > 0 && res.body.length < declared, `${res.body.length} of ${declared}`);
  assert.notEqual(res.ended, 'end');
  assert.match(res.body.toString(), /^\{"id":"chatcmpl-mock"/);
  await assert.rejects((await post('openai', chat, { 'x-mock-fault': 'short-body' })).text());
  const sse = await raw('anthropic', { ...chat, stream: true }, { 'x-mock-fault': 'short-body' });
  assert.ok(sse.body.length < Number(sse.headers['content-length']), 'a stream is cut the same way');
  assert.match(sse.body.toString(), /^event: message_start\n/);
});

test('bad-gzip labels a plain JSON body as gzip', async () => {
  const res = await raw('anthropic', chat, { 'x-mock-fault': 'bad-gzip' });
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-encoding'], 'gzip');
  assert.equal(Number(res.headers['content-length']), res.body.length);
  assert.equal(JSON.parse(res.body).type, 'message');
});

test('stall-head answers nothing until the client leaves, or until x-mock-stall-ms', async () => {
  const stalled = await raw('openai', chat, { 'x-mock-fault': 'stall-head' }, { timeoutMs: 400 });
  assert.equal(stalled.ended, 'timeout-before-head');
  const started = Date.now();
  const late = await raw('openai', chat, { 'x-mock-fault': 'stall-head', 'x-mock-stall-ms': '300' });
  assert.ok(Date.now() - started >= 290);
  assert.equal(late.status, 200);
  assert.equal(JSON.parse(late.body).usage.completion_tokens, 3);
});

test('stall-body sends the head and the first bytes, then nothing (JSON and SSE)', async () => {
  const json = await raw('openai', chat, { 'x-mock-fault': 'stall-body', 'x-mock-stall-after-bytes': '20' }, { timeoutMs: 400 });
  assert.equal(json.status, 200);
  assert.equal(json.body.toString(), '{"id":"chatcmpl-mock');
  assert.equal(json.ended, 'timeout-in-body');
  const head = await raw('openai', chat, { 'x-mock-fault': 'stall-body' }, { timeoutMs: 300 });
  assert.equal(head.status, 200);
  assert.equal(head.body.length, 0);
  const sse = await raw('openai', { ...chat, stream: true }, { 'x-mock-fault': 'stall-body', 'x-mock-stall-after-bytes': '400' }, { timeoutMs: 400 });
  assert.equal(sse.body.length, 400);
  assert.match(sse.body.toString(), /^data: \{"id":"chatcmpl-mock"/);
  const resumed = await raw('openai', { ...chat, stream: true }, { 'x-mock-fault': 'stall-body', 'x-mock-stall-after-bytes': '400', 'x-mock-stall-ms': '200' });
  assert.equal(resumed.ended, 'end');
  assert.match(resumed.body.toString(), /data: \[DONE\]\n\n$/);
});

test('garbage-sse: broken bytes and JSON, a huge line, no terminal event, a clean close', async () => {
  const res = await raw('openai', { ...chat, stream: true }, { 'x-mock-fault': 'garbage-sse' });
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-type'], 'text/event-stream');
  assert.equal(res.ended, 'end');
  assert.ok(res.body.includes(Buffer.from([0xff, 0xfe])), 'bytes that are not UTF-8');
  assert.ok(res.body.includes(`data: ${'x'.repeat(GARBAGE_LINE_BYTES)}\n`), 'the huge line');
  assert.ok(res.body.includes('data: {not json'));
  assert.ok(!res.body.includes('[DONE]\n'));
});

test('x-mock-trickle-ms writes the body in small pieces over time', async () => {
  const started = Date.now();
  const arrivals = [];
  const res = await post('openai', chat, { 'x-mock-trickle-ms': '40', 'x-mock-trickle-bytes': '64' });
  for await (const chunk of res.body) arrivals.push([Date.now(), chunk.length]);
  const total = arrivals.reduce((n, [, len]) => n + len, 0);
  assert.ok(arrivals.length >= Math.floor(total / 64), `${arrivals.length} reads for ${total} bytes`);
  assert.ok(Date.now() - started >= (Math.ceil(total / 64) - 1) * 40 - 10);
});

test('a client that does not read gets no more than the socket holds: the mock waits for drain', async () => {
  const usage = () => { const m = process.memoryUsage(); return m.heapUsed + m.external; };
  const baseline = usage();
  const req = http.request(`${mock.url}${ROUTES.openai}`, { method: 'POST', headers: { 'x-mock-body-bytes': String(256 * 1024 * 1024) } });
  const res = await new Promise((resolve) => { req.on('response', resolve); req.end(JSON.stringify(chat)); });
  res.pause();
  await sleep(1000);
  const growth = usage() - baseline;
  req.destroy();
  assert.ok(growth < 48 * 1024 * 1024, `the mock queued ${(growth / 2 ** 20).toFixed(1)} MiB for a paused client`);
  const ok = await post('openai', chat);
  assert.equal(ok.status, 200);
});
