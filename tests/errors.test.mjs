// Failures around the request path: an invalid configuration, and Durable Objects (the cache's
// coalescer, the log shards) that fail to start, throw, answer an error or are bound to the wrong
// thing. Every answer must be the gateway's own JSON, and every failure must leave a trace in the
// console or the request's log entry: never a plain-text answer from the runtime.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMockUpstream } from './support/mock-upstream.mjs';
import { startGateway, GATEWAY_BINDINGS, ADMIN_TOKEN } from './support/gateway.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Durable Object classes of another worker, bound in the gateway's place with `scriptName`.
const FAULTY = {
  name: 'faulty',
  modules: [{
    type: 'ESModule',
    path: 'faulty.mjs',
    contents: `
      export class FailsToStart { constructor() { throw new Error('constructor failed on purpose'); } }
      export class Throws { fetch() { throw new Error('fetch failed on purpose'); } }
      export class AnswersError { fetch() { return new Response('object overloaded on purpose', { status: 503 }); } }
      export default { fetch: () => new Response('faulty worker') };
    `,
  }],
  compatibilityDate: '2026-04-20',
};
const faulty = (className) => ({ className, scriptName: 'faulty' });

let mock;
before(async () => { mock = await startMockUpstream(); });
after(async () => { await mock?.close(); });

/** Starts a gateway whose Durable Object bindings are replaced by `durableObjects`, for one test. */
async function withGateway(t, durableObjects, vars = {}) {
  const gw = await startGateway(mock.url, vars, {
    durableObjects: { ...GATEWAY_BINDINGS.durableObjects, ...durableObjects },
    extraWorkers: [FAULTY],
  });
  t.after(() => gw.close());
  return gw;
}

const chat = (gw, headers = {}, model = `m-${Math.random()}`) =>
  fetch(`${gw.url}/v1/acct/gw/openai/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk', 'cf-aig-cache-ttl': '300', ...headers },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
  });

const api = (gw, pathAndQuery) => fetch(`${gw.url}${pathAndQuery}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });

/** The log entry `id`, once the batching sink wrote it. */
async function logEntry(gw, id) {
  const deadline = Date.now() + 5000;
  for (;;) {
    const res = await api(gw, `/api/logs/${id}`);
    if (res.status === 200) return res.json();
    assert.equal(res.status, 404, await res.text());
    assert.ok(Date.now() < deadline, `log ${id} was not written`);
    await sleep(50);
  }
}

/** Waits until the worker's console has a line matching `pattern`. */
async function consoleLine(gw, pattern) {
  const deadline = Date.now() + 5000;
  while (!gw.logs.some((line) => pattern.test(line))) {
    assert.ok(Date.now() < deadline, `no console line matching ${pattern} in:\n${gw.logs.join('\n')}`);
    await sleep(50);
  }
}

/** Asserts that `res` is the gateway's JSON error with `status` and `code`; returns its message. */
async function assertJsonError(res, status, code) {
  const text = await res.text();
  assert.equal(res.status, status, text);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/, text);
  const body = JSON.parse(text);
  assert.equal(body.error.code, code, text);
  return body.error.message;
}

test('an invalid configuration answers JSON and writes the reason to the console', async (t) => {
  const gw = await withGateway(t, {}, { CACHE_TTL: 'soon' });
  const message = await assertJsonError(await chat(gw), 500, 'gateway_misconfigured');
  assert.match(message, /CACHE_TTL/);
  await consoleLine(gw, /gateway: the configuration is invalid: .*CACHE_TTL/);
});

for (const [className, why] of [['FailsToStart', 'fails to start'], ['Throws', 'throws'], ['AnswersError', 'answers 503']]) {
  test(`a coalescer Durable Object that ${why} is served around, and the log entry says so`, async (t) => {
    const gw = await withGateway(t, { CACHE_COALESCER: faulty(className) });
    const first = await chat(gw, {}, `coalesce-${className}`);
    assert.equal(first.status, 200, await first.clone().text());
    assert.match(first.headers.get('content-type'), /^application\/json/);
    assert.equal(first.headers.get('cf-aig-cache-status'), 'MISS');
    assert.equal((await first.json()).choices[0].message.content, 'tok0 tok1 tok2 ');
    const entry = await logEntry(gw, first.headers.get('cf-aig-log-id'));
    assert.match(entry.cache_error ?? '', /coalescing failed/);
    const again = await chat(gw, {}, `coalesce-${className}`);
    assert.equal(again.headers.get('cf-aig-cache-status'), 'HIT', 'the response was still cached');
  });
}

test('a coalescer binding that is not a Durable Object namespace is served around', async (t) => {
  const { CACHE_COALESCER: _, ...others } = GATEWAY_BINDINGS.durableObjects;
  const gw = await startGateway(mock.url, { CACHE_COALESCER: 'not-a-namespace' }, { durableObjects: others });
  t.after(() => gw.close());
  const res = await chat(gw);
  assert.equal(res.status, 200, await res.clone().text());
  assert.equal(res.headers.get('cf-aig-cache-status'), 'MISS');
  const entry = await logEntry(gw, res.headers.get('cf-aig-log-id'));
  assert.match(entry.cache_error ?? '', /coalescing failed/);
});

for (const [className, why] of [['FailsToStart', 'fails to start'], ['Throws', 'throws'], ['AnswersError', 'answers 503']]) {
  test(`a log shard that ${why}: requests are answered, the lost entries are reported, the logs API answers JSON`, async (t) => {
    const gw = await withGateway(t, { LOGS: faulty(className) });
    const res = await chat(gw);
    assert.equal(res.status, 200, await res.clone().text());
    assert.ok(res.headers.get('cf-aig-log-id'));
    await consoleLine(gw, /logs: 1 entries for shard \d+ were dropped/);
    const message = await assertJsonError(await api(gw, '/api/logs?limit=5'), 500, 'internal_error');
    assert.match(message, /log shard \d+/);
  });
}
