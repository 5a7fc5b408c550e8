// Limits that hold under concurrency, end to end: request, token and dollar limits of gateways
// and virtual keys, counted by one LimitCounter Durable Object per scope, against the mock.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startMockUpstream } from './support/mock-upstream.mjs';
import { startGateway, GATEWAY_BINDINGS } from './support/gateway.mjs';
import { adminApi, newTag, waitForTaggedLog } from './support/log-api.mjs';

const PEPPER = 'limits-pepper-3Hd8Lq';
// Daily windows: a test straddles a window's edge only if it runs across midnight UTC.
const DAY = 86_400;
const json = { 'content-type': 'application/json' };
const own = { authorization: 'Bearer sk-client-own' };
const chat = (content = 'hi', extra = {}) => ({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }], ...extra });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let mock, gw;
before(async () => {
  mock = await startMockUpstream();
  gw = await startGateway(mock.url, { VIRTUAL_KEY_PEPPER: PEPPER, STORED_GATEWAYS: 'true', OPENAI_API_KEY: 'sk-stored-limits' });
});
after(async () => { await gw?.close(); await mock?.close(); });

async function admin(target, method, path, body) {
  const res = await adminApi(target, path, { method, headers: body ? json : {}, body: body ? JSON.stringify(body) : undefined });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, text };
}

async function createGateway(id, limits, extra = {}, target = gw) {
  const res = await admin(target, 'POST', '/api/gateways', { id, limits, ...extra });
  assert.equal(res.status, 201, res.text);
}

async function post(gateway, headers, body, path = 'openai/chat/completions', target = gw) {
  const res = await fetch(`${target.url}/v1/acct/${gateway}/${path}`, { method: 'POST', headers: { ...json, ...headers }, body: JSON.stringify(body) });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** The usage API's meters of a scope, by name. */
async function usage(query) {
  const res = await admin(gw, 'GET', `/api/usage?${query}`);
  assert.equal(res.status, 200, res.text);
  return Object.fromEntries(res.body.meters.map((m) => [m.meter, m]));
}

/** Polls the usage API until `done(meters)` (settlements land after the response). */
async function usageWhen(query, done, what) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const meters = await usage(query);
    if (done(meters)) return meters;
    if (Date.now() > deadline) assert.fail(`${what}: ${JSON.stringify(meters)}`);
    await sleep(100);
  }
}

test('exactness: 50 parallel requests against a limit of 20 give exactly 20 answers, 30 refusals', async () => {
  await createGateway('rl', { requests: { limit: 20, interval: DAY } });
  const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => post('rl', own, chat(`parallel ${i}`))));
  const ok = answers.filter((a) => a.status === 200);
  const refused = answers.filter((a) => a.status === 429);
  assert.equal(ok.length, 20, answers.map((a) => a.status).join(','));
  assert.equal(refused.length, 30);
  for (const a of ok) {
    assert.equal(a.headers.get('x-ratelimit-limit-requests'), '20');
    assert.match(a.headers.get('x-ratelimit-remaining-requests'), /^\d+$/);
    assert.match(a.headers.get('x-ratelimit-reset-requests'), /^(\d+h)?(\d+m)?\d+s$/);
  }
  assert.deepEqual(ok.map((a) => Number(a.headers.get('x-ratelimit-remaining-requests'))).sort((x, y) => x - y), [...Array(20).keys()]);
  const error = JSON.parse(refused[0].text).error;
  assert.equal(error.type, 'rate_limit_exceeded');
  assert.match(error.message, /gateway "rl".*`requests`.*20 requests per 86400 s/);
  assert.ok(Number(refused[0].headers.get('retry-after')) > 0);
  assert.equal(refused[0].headers.get('x-ratelimit-remaining-requests'), '0');
  const meters = await usage('gateway=rl');
  assert.equal(meters.requests.used, 20);
});

test('the OpenAI SDK sees a 429 as its RateLimitError', async () => {
  await createGateway('rl-sdk', { requests: { limit: 1, interval: DAY } });
  const openai = new OpenAI({ apiKey: 'sk-client-own', baseURL: `${gw.url}/v1/acct/rl-sdk/openai`, maxRetries: 0 });
  await openai.chat.completions.create(chat());
  await assert.rejects(openai.chat.completions.create(chat()), (err) => err instanceof OpenAI.RateLimitError && /rl-sdk/.test(err.message));
});

test('token limits settle with the usage each dialect streams', async () => {
  const cases = [
    { name: 'openai', path: 'openai/chat/completions', body: chat('stream me', { stream: true, stream_options: { include_usage: true }, max_tokens: 50 }) },
    { name: 'anthropic', path: 'anthropic/v1/messages', headers: { 'anthropic-version': '2023-06-01' }, body: { model: 'claude-haiku-4-5', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'stream me' }] } },
    { name: 'gemini', path: 'google-ai-studio/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse', body: { contents: [{ role: 'user', parts: [{ text: 'stream me' }] }], generationConfig: { maxOutputTokens: 50 } } },
  ];
  for (const c of cases) {
    const id = `tok-${c.name}`;
    await createGateway(id, { tokens: [{ limit: 100000, window: 'day' }] });
    const { tag, header } = newTag(id);
    const res = await post(id, { ...own, ...c.headers, ...header }, c.body, c.path);
    assert.equal(res.status, 200, `${c.name}: ${res.text}`);
    assert.ok(res.headers.get('x-ratelimit-remaining-tokens'), c.name);
    const entry = await waitForTaggedLog(gw, tag);
    assert.equal(entry.tokens_estimated, false, `${c.name}: the stream reported its usage`);
    const used = entry.tokens_in + entry.tokens_out;
    assert.ok(used > 0, c.name);
    await usageWhen(`gateway=${id}`, (m) => m['tokens/day'].used === used && m['tokens/day'].reserved === 0,
      `${c.name}: ${used} tokens settled, nothing held`);
  }
});

test('reservations are released after an upstream 500 and a client that goes away mid-stream', async () => {
  await createGateway('release', { tokens: [{ limit: 100000, window: 'day' }] });
  const failed = await post('release', { ...own, 'x-mock-status': '500' }, chat('fail', { max_tokens: 5000 }));
  assert.equal(failed.status, 500);
  await usageWhen('gateway=release', (m) => m['tokens/day'].reserved === 0, 'the failed request holds nothing');
  assert.equal((await usage('gateway=release'))['tokens/day'].used, 0, 'and used nothing');

  const controller = new AbortController();
  const res = await fetch(`${gw.url}/v1/acct/release/openai/chat/completions`, {
    method: 'POST', signal: controller.signal, headers: { ...json, ...own, 'x-mock-chunks': '200', 'x-mock-delay-ms': '20' },
    body: JSON.stringify(chat('long', { stream: true, max_tokens: 5000 })),
  });
  const reader = res.body.getReader();
  await reader.read();
  controller.abort();
  const meters = await usageWhen('gateway=release', (m) => m['tokens/day'].reserved === 0 && m['tokens/day'].used > 0,
    'the abandoned stream settles what it streamed');
  assert.ok(meters['tokens/day'].used < 5000, `settled ${meters['tokens/day'].used}, not the reservation`);
});

test('a budget holds under 100 concurrent requests: settled spend stays within it', async () => {
  await createGateway('budget', { budgets: [{ usd: 0.25, window: 'day' }] });
  const cost = { 'cf-aig-custom-cost': JSON.stringify({ total_cost: 0.01 }) };
  const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => post('budget', { ...own, ...cost }, chat(`budget ${i}`))));
  const refused = answers.filter((a) => a.status === 429);
  assert.ok(refused.length > 0);
  assert.equal(JSON.parse(refused[0].text).error.type, 'budget_exceeded');
  const meters = await usageWhen('gateway=budget', (m) => m['budget/day'].reserved === 0, 'every request settled');
  const spent = meters['budget/day'].used;
  assert.ok(spent <= 0.25 + 1e-9 && spent > 0.15, `settled $${spent}`);
  assert.equal(answers.filter((a) => a.status === 200).length, Math.round(spent / 0.01));
  // A request whose worst case could never fit is refused at once, with no Retry-After.
  const huge = await post('budget', { ...own, 'cf-aig-custom-cost': JSON.stringify({ total_cost: 1 }) }, chat());
  assert.equal(huge.status, 429);
  assert.match(JSON.parse(huge.text).error.message, /can never/);
  assert.equal(huge.headers.get('retry-after'), null);
});

test('a spend rule split by a metadata value gives each value its own budget', async () => {
  await createGateway('teams', { spend_rules: [{ usd: 0.02, window: 'day', dimension: 'metadata.team', mode: 'split' }] });
  const as = (team) => ({ ...own, 'cf-aig-custom-cost': JSON.stringify({ total_cost: 0.01 }), 'cf-aig-metadata': JSON.stringify({ team }) });
  const red = [];
  for (let i = 0; i < 3; i++) red.push((await post('teams', as('red'), chat(`red ${i}`))).status);
  assert.deepEqual(red, [200, 200, 429]);
  assert.equal((await post('teams', as('blue'), chat('blue'))).status, 200);
  const meters = await usageWhen('gateway=teams', (m) => m['rule/0/red']?.used >= 0.02 - 1e-9, 'red spent its budget');
  assert.ok(meters['rule/0/blue'], JSON.stringify(meters));
});

test('cache hits count against request limits', async () => {
  await createGateway('rl-cache', { requests: { limit: 3, interval: DAY } }, { cache_ttl: 600 });
  const statuses = [];
  for (let i = 0; i < 4; i++) {
    const res = await post('rl-cache', own, chat('same question'));
    statuses.push(`${res.status} ${res.headers.get('cf-aig-cache-status')}`);
    await sleep(150); // the entry is stored after the first response
  }
  assert.deepEqual(statuses, ['200 MISS', '200 HIT', '200 HIT', '429 null']);
});

test('a virtual key\'s own limits, named in its refusal', async () => {
  const created = await admin(gw, 'POST', '/api/keys', { name: 'limited', provider_keys: ['OPENAI_API_KEY'], limits: { requests: { limit: 2, interval: DAY } } });
  assert.equal(created.status, 201, created.text);
  const key = { authorization: `Bearer ${created.body.secret}` };
  assert.equal((await post('gw', key, chat())).status, 200);
  assert.equal((await post('gw', key, chat())).status, 200);
  const third = await post('gw', key, chat());
  assert.equal(third.status, 429);
  assert.match(JSON.parse(third.text).error.message, new RegExp(`virtual key "${created.body.key.id}"`));
  const meters = await usage(`key=${created.body.key.id}`);
  assert.equal(meters.requests.used, 2);
  // Bad limits are refused naming the field.
  const bad = await admin(gw, 'PATCH', `/api/keys/${created.body.key.id}`, { limits: { tokens: [{ limit: 5, window: 'year' }] } });
  assert.equal(bad.status, 400);
  assert.match(bad.body.error.message, /limits\.tokens\[0\]\.window/);
});

test('a limiter that cannot be reached: fail open (and say so in the log) or fail closed', async () => {
  const { LIMITER: _, ...withoutLimiter } = GATEWAY_BINDINGS.durableObjects;
  const broken = await startGateway(mock.url, { STORED_GATEWAYS: 'true' }, { durableObjects: withoutLimiter });
  try {
    await createGateway('open', { requests: { limit: 5, interval: DAY } }, {}, broken);
    await createGateway('closed', { requests: { limit: 5, interval: DAY }, on_error: 'closed' }, {}, broken);
    const { tag, header } = newTag('fail-open');
    const open = await post('open', { ...own, ...header }, chat(), undefined, broken);
    assert.equal(open.status, 200, open.text);
    const entry = await waitForTaggedLog(broken, tag);
    assert.match(entry.limit_error, /LIMITER.*on_error: open/);
    const closed = await post('closed', own, chat(), undefined, broken);
    assert.equal(closed.status, 503, closed.text);
    assert.match(JSON.parse(closed.text).error.message, /on_error: closed/);
  } finally {
    await broken.close();
  }
});
