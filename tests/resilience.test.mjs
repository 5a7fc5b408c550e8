// Resilient routing: the universal endpoint, retries with backoff, timeouts to the first byte,
// routes with weights and fallbacks, and key pools with cool-down, against a scripted mock.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startMockUpstream } from './support/mock-upstream.mjs';
import { startGateway } from './support/gateway.mjs';

let mock, gw, base;
const routes = {
  balanced: { targets: [{ provider: 'openai', model: 'gpt-4o-mini', weight: 3 }, { provider: 'groq', model: 'llama-3.1-8b-instant', weight: 1 }] },
  'with-fallback': {
    targets: [{ provider: 'openai', model: 'gpt-4o-mini' }],
    fallbacks: [{ provider: 'anthropic', model: 'claude-haiku-4-5' }, { provider: 'groq', model: 'llama-3.1-8b-instant' }],
  },
};
before(async () => {
  mock = await startMockUpstream();
  gw = await startGateway(mock.url, { ROUTES: JSON.stringify(routes) });
  base = `${gw.url}/v1/acct/gw`;
});
after(async () => { await gw?.close(); await mock?.close(); });
beforeEach(() => mock.reset());

const chat = (headers = {}, body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }) =>
  fetch(`${base}/openai/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sk', ...headers }, body: JSON.stringify(body),
  });
const script = (statuses) => ({ 'x-mock-script': `s-${Math.random()}`, 'x-mock-statuses': statuses.join(',') });

test('retries follow cf-aig-max-attempts and stop at the first success', async () => {
  const res = await chat({ ...script([503, 502, 200]), 'cf-aig-max-attempts': '3', 'cf-aig-retry-delay': '0' });
  assert.equal(res.status, 200);
  assert.equal((await res.json()).choices[0].message.content, 'tok0 tok1 tok2 ');
  assert.equal((await mock.requests()).length, 3);
});

test('without retry headers one attempt is made and the error passes through', async () => {
  const res = await chat(script([503, 200]));
  assert.equal(res.status, 503);
  assert.equal((await mock.requests()).length, 1);
});

test('a 4xx other than 429 is not retried', async () => {
  const res = await chat({ ...script([400, 200]), 'cf-aig-max-attempts': '3' });
  assert.equal(res.status, 400);
  assert.equal((await mock.requests()).length, 1);
});

for (const [backoff, expected] of [['constant', [150, 150, 150]], ['linear', [150, 300, 450]], ['exponential', [150, 300, 600]]]) {
  test(`${backoff} backoff spaces the attempts as configured`, async () => {
    const res = await chat({ ...script([500, 500, 500, 200]), 'cf-aig-max-attempts': '4', 'cf-aig-retry-delay': '150', 'cf-aig-backoff': backoff });
    assert.equal(res.status, 200);
    const at = (await mock.requests()).map((r) => r.at);
    assert.equal(at.length, 4);
    const gaps = at.slice(1).map((t, i) => t - at[i]);
    gaps.forEach((gap, i) => {
      assert.ok(gap >= expected[i] - 5, `gap ${i} was ${gap} ms, expected ≥ ${expected[i]}`);
      assert.ok(gap < expected[i] + 250, `gap ${i} was ${gap} ms, expected about ${expected[i]}`);
    });
  });
}

test('Retry-After from the upstream is honoured when it fits the budget', async () => {
  const res = await chat({ ...script([429, 200]), 'x-mock-retry-after': '1', 'cf-aig-max-attempts': '2', 'cf-aig-retry-delay': '0' });
  assert.equal(res.status, 200);
  const [first, second] = await mock.requests();
  assert.ok(second.at - first.at >= 990, `waited ${second.at - first.at} ms`);
});

test('out-of-range or malformed retry headers are a 400 naming the header', async () => {
  for (const [name, value] of [['cf-aig-max-attempts', '6'], ['cf-aig-retry-delay', '5001'], ['cf-aig-backoff', 'random'], ['cf-aig-request-timeout', 'soon']]) {
    const res = await chat({ [name]: value });
    assert.equal(res.status, 400, name);
    const body = await res.json();
    assert.match(body.error.message, new RegExp(name), name);
  }
  assert.equal((await mock.requests()).length, 0);
});

test('cf-aig-request-timeout counts to the first byte: a slow head times out, a slow stream does not', async () => {
  const started = Date.now();
  const slow = await chat({ 'x-mock-delay-ms': '1500', 'cf-aig-request-timeout': '300' });
  assert.equal(slow.status, 504);
  assert.equal((await slow.json()).error.code, 'upstream_timeout');
  assert.ok(Date.now() - started < 1400, 'the gateway gave up at the timeout');

  const res = await chat({ 'x-mock-delay-ms': '150', 'x-mock-chunks': '5', 'cf-aig-request-timeout': '600' },
    { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(res.status, 200);
  const text = await res.text();
  assert.match(text, /\[DONE\]/, 'the stream took longer than the timeout and still completed');
});

test('a timed-out attempt is retried', async () => {
  const id = `t-${Math.random()}`;
  // The first request hangs past the timeout; the script makes the second answer at once.
  const res = await chat({ 'x-mock-script': id, 'x-mock-statuses': '200', 'x-mock-delay-ms': '800', 'cf-aig-request-timeout': '300', 'cf-aig-max-attempts': '2', 'cf-aig-retry-delay': '0' });
  assert.equal(res.status, 504, 'both attempts were slow');
  assert.equal((await mock.requests()).length, 2);
});

test('universal endpoint: steps run in order, cf-aig-step names the one that answered', async () => {
  const steps = [
    { provider: 'openai', endpoint: 'chat/completions', headers: { authorization: 'Bearer sk-o', 'x-mock-status': '503' }, query: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] } },
    { provider: 'anthropic', endpoint: 'v1/messages', headers: { 'x-api-key': 'sk-a', 'anthropic-version': '2023-06-01' }, query: { model: 'claude-haiku-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] } },
  ];
  const res = await fetch(base, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(steps) });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('cf-aig-step'), '1');
  assert.equal((await res.json()).type, 'message');
  const seen = await mock.requests();
  assert.deepEqual(seen.map((r) => r.path), ['/openai/v1/chat/completions', '/anthropic/v1/messages']);
  assert.equal(seen[0].key, 'sk-o');
  assert.equal(seen[1].key, 'sk-a', 'each step carries its own key and no other');
  assert.equal(seen[1].headers.authorization, undefined);
});

test('universal endpoint: step config sets retries; invalid bodies are 400 naming the step', async () => {
  const steps = [{ provider: 'groq', endpoint: 'chat/completions', headers: { ...script([500, 200]) }, config: { maxAttempts: 2, retryDelay: 0 }, query: { model: 'm', messages: [] } }];
  const res = await fetch(base, { method: 'POST', body: JSON.stringify(steps) });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('cf-aig-step'), '0');
  assert.equal((await mock.requests()).length, 2);
  const bad = await fetch(base, { method: 'POST', body: JSON.stringify([{ provider: 'openai', endpoint: 'chat/completions', query: {} }, { provider: 'nope', endpoint: 'x', query: {} }]) });
  assert.equal(bad.status, 400);
  assert.match((await bad.json()).error.message, /steps\[1\]\.provider/);
});

test('routes: targets are chosen by weight', async () => {
  const client = new OpenAI({ apiKey: 'sk', baseURL: `${base}/compat`, maxRetries: 0 });
  for (let i = 0; i < 200; i++) await client.chat.completions.create({ model: 'balanced', messages: [{ role: 'user', content: 'hi' }] });
  const counts = { openai: 0, groq: 0 };
  for (const r of await mock.requests()) counts[r.path.split('/')[1]]++;
  assert.equal(counts.openai + counts.groq, 200);
  // 3:1 → 150 expected; a binomial sd is about 6, so ±30 is a five-sigma band.
  assert.ok(Math.abs(counts.openai - 150) <= 30, `openai got ${counts.openai} of 200`);
});

test('routes: the fallback chain runs in order when targets fail, and cf-aig-step says which answered', async () => {
  const res = await fetch(`${base}/compat/chat/completions`, {
    method: 'POST', headers: { authorization: 'Bearer sk', 'content-type': 'application/json', 'x-mock-fail-provider': 'openai,anthropic' },
    body: JSON.stringify({ model: 'with-fallback', messages: [{ role: 'user', content: 'hi' }] }),
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('cf-aig-step'), '2');
  assert.deepEqual((await mock.requests()).map((r) => r.path), ['/openai/v1/chat/completions', '/anthropic/v1/messages', '/groq/v1/chat/completions']);
});

test('gateway token: required when set, never forwarded', async () => {
  const guarded = await startGateway(mock.url, { GATEWAY_TOKEN: 'gw-secret' });
  try {
    const url = `${guarded.url}/v1/acct/gw/openai/chat/completions`;
    const body = JSON.stringify({ model: 'm', messages: [] });
    const denied = await fetch(url, { method: 'POST', headers: { authorization: 'Bearer sk' }, body });
    assert.equal(denied.status, 401);
    const ok = await fetch(url, { method: 'POST', headers: { authorization: 'Bearer sk', 'cf-aig-authorization': 'Bearer gw-secret' }, body });
    assert.equal(ok.status, 200);
    const seen = (await mock.requests()).at(-1);
    assert.equal(seen.headers['cf-aig-authorization'], undefined);
    assert.equal(seen.key, 'sk');
  } finally {
    await guarded.close();
  }
});

test('key pools: a rejected key cools down, the other carries the load, then it recovers', async () => {
  const pooled = await startGateway(mock.url, {
    GATEWAY_TOKEN: 'gw-secret',
    KEY_POOLS: JSON.stringify({ openai: [{ secret: 'OPENAI_KEY_A' }, { secret: 'OPENAI_KEY_B' }] }),
    OPENAI_KEY_A: 'key-a', OPENAI_KEY_B: 'key-b', KEY_COOLDOWN_SECONDS: '1',
  });
  try {
    const client = new OpenAI({ apiKey: 'gw-secret', baseURL: `${pooled.url}/v1/acct/gw/openai`, maxRetries: 0, defaultHeaders: { 'x-mock-reject-key': 'key-a' } });
    const ask = () => client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }).then(() => 200, (e) => e.status);
    // Until key-a is drawn and refused, both keys are used.
    let statuses = [];
    for (let i = 0; i < 40 && !statuses.includes(401); i++) statuses.push(await ask());
    assert.ok(statuses.includes(401), 'key-a was drawn at least once');
    await mock.reset();
    // Cooling: every request now goes with key-b.
    for (let i = 0; i < 20; i++) assert.equal(await ask(), 200);
    assert.deepEqual([...new Set((await mock.requests()).map((r) => r.key))], ['key-b']);
    // After the cool-down key-a is drawn again.
    await new Promise((r) => setTimeout(r, 1100));
    await mock.reset();
    for (let i = 0; i < 40; i++) await ask();
    assert.ok((await mock.requests()).some((r) => r.key === 'key-a'), 'key-a came back after its cool-down');
    assert.ok((await mock.requests()).every((r) => r.headers.authorization !== 'Bearer gw-secret'), 'the gateway token was never forwarded');
  } finally {
    await pooled.close();
  }
});
