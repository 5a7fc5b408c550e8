// Timeouts that always apply: a head followed by a stalled body fails over while another step
// remains, a body that sends nothing for UPSTREAM_IDLE_TIMEOUT_MS is cut (a stream with an explicit
// error event, a document with a 504), and the log records what the client got.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startMockUpstream } from './support/mock-upstream.mjs';
import { startGateway, ADMIN_TOKEN } from './support/gateway.mjs';

const IDLE_MS = 800;
let mock, gw, base;
before(async () => {
  mock = await startMockUpstream();
  gw = await startGateway(mock.url, { UPSTREAM_IDLE_TIMEOUT_MS: String(IDLE_MS) });
  base = `${gw.url}/v1/acct/gw`;
});
after(async () => { await gw?.close(); await mock?.close(); });
beforeEach(() => mock.reset());

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function logOf(id) {
  assert.ok(id, 'the response carries cf-aig-log-id');
  for (let i = 0; i < 100; i++) {
    const res = await fetch(`${gw.url}/api/logs/${id}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    if (res.status === 200) return res.json();
    await sleep(50);
  }
  throw new Error(`log ${id} was not written`);
}
const chatBody = (extra = {}) => ({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], ...extra });
const chat = (headers = {}, body = chatBody()) => fetch(`${base}/openai/chat/completions`, {
  method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sk', ...headers }, body: JSON.stringify(body),
});

test('a head followed by a stalled body fails over to the next step within the request timeout', async () => {
  const step = (headers) => ({ provider: 'openai', endpoint: 'chat/completions', headers: { authorization: 'Bearer sk', ...headers }, query: chatBody() });
  const started = Date.now();
  const res = await fetch(base, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'cf-aig-request-timeout': '500' },
    body: JSON.stringify([step({ 'x-mock-fault': 'stall-body' }), step({})]),
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('cf-aig-step'), '1', 'the second step answered');
  assert.equal((await res.json()).choices[0].message.content, 'tok0 tok1 tok2 ');
  assert.ok(Date.now() - started < 5000, 'no wait for the idle timeout or longer');
  const e = await logOf(res.headers.get('cf-aig-log-id'));
  assert.equal(e.attempts, 2);
  assert.equal(e.step, 1);
  assert.equal(e.success, true);
});

test('a document that stalls before its end is a logged 504; one that breaks off a logged 502', async () => {
  const stalled = await chat({ 'x-mock-fault': 'stall-body', 'x-mock-stall-after-bytes': '20' });
  assert.equal(stalled.status, 504);
  const body = await stalled.json();
  assert.equal(body.error.code, 'upstream_timeout');
  assert.match(body.error.message, new RegExp(`nothing for ${IDLE_MS} ms`));
  let e = await logOf(stalled.headers.get('cf-aig-log-id'));
  assert.deepEqual([e.status, e.success], [504, false]);
  assert.match(e.error, /nothing for/);

  for (const fault of ['short-body', 'bad-gzip']) {
    const res = await chat({ 'x-mock-fault': fault });
    assert.equal(res.status, 502, fault);
    assert.equal((await res.json()).error.code, 'upstream_unreachable', fault);
    e = await logOf(res.headers.get('cf-aig-log-id'));
    assert.deepEqual([e.status, e.success], [502, false], fault);
    assert.ok(e.error, fault);
  }
});

test('a stream that stalls mid-way ends with the explicit error event, and the log says why', async () => {
  const started = Date.now();
  const res = await chat({ 'x-mock-fault': 'stall-body', 'x-mock-stall-after-bytes': '300' }, chatBody({ stream: true }));
  assert.equal(res.status, 200);
  const text = await res.text();
  assert.ok(Date.now() - started < IDLE_MS + 3000, 'cut after about the idle timeout');
  const events = text.split('\n\n').filter((e) => e.trim());
  const last = JSON.parse(events.at(-1).replace(/^data: /, ''));
  assert.equal(last.error.code, 'upstream_stream_error');
  assert.match(last.error.message, new RegExp(`nothing for ${IDLE_MS} ms mid-stream`));
  const e = await logOf(res.headers.get('cf-aig-log-id'));
  assert.deepEqual([e.status, e.success], [200, false]);
  assert.match(e.error, /nothing for/);

  // Through the SDK, the stall raises rather than ending like a complete answer.
  const client = new OpenAI({ apiKey: 'sk', baseURL: `${base}/openai`, maxRetries: 0 });
  const stream = await client.chat.completions.create(chatBody({ stream: true }), { headers: { 'x-mock-fault': 'stall-body', 'x-mock-stall-after-bytes': '300' } });
  await assert.rejects(async () => { for await (const _ of stream); });
});

test('a slow but steady answer is not cut by the idle timeout', async () => {
  const res = await chat({ 'x-mock-trickle-ms': '100', 'x-mock-trickle-bytes': '64' });
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.choices[0].message.content, 'tok0 tok1 tok2 ');
  const e = await logOf(res.headers.get('cf-aig-log-id'));
  assert.equal(e.success, true);
});

test('a translated answer that stalls is a 504 in the client\'s format', async () => {
  const client = new OpenAI({ apiKey: 'sk', baseURL: `${base}/compat`, maxRetries: 0 });
  await assert.rejects(
    client.chat.completions.create({ model: 'anthropic/claude-haiku-4-5', messages: [{ role: 'user', content: 'hi' }] },
      { headers: { 'x-mock-fault': 'stall-body', 'x-mock-stall-after-bytes': '10' } }),
    (err) => err.status === 504 && err.code === 'upstream_timeout',
  );
});
