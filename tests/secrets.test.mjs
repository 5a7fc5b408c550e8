// No secret reaches the request logs, their exports, or the worker's console: requests carry
// secrets every way a client, a route or the gateway itself can put them (headers, a universal
// step's `headers`, `?key=`, body fields, metadata, the gateway token, stored keys, keys echoed by
// the upstream or named in its errors), then every place a secret could come out is swept.
//
// SECRETS is the one list of secret values this suite uses: a feature that adds a way for a
// secret to travel (virtual keys, stored provider keys) adds its values there and its requests to
// REQUESTS, and the sweep covers them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMockUpstream } from './support/mock-upstream.mjs';
import { startGateway, ADMIN_TOKEN } from './support/gateway.mjs';

const SECRETS = {
  clientOpenAiKey: 'sk-proj-cl1entOpenai7Xq2mN4pRt',
  clientAnthropicKey: 'sk-ant-api03-cl1entAnthr0pic9Lw',
  clientGoogleKey: 'AIzaSyCl1entG00gleHeader5Hd8Tq',
  clientQueryKey: 'AIzaSyCl1entG00gleQuery2Pk4Tz',
  stepOpenAiKey: 'sk-proj-st3pOpenai8Fv1Qz3LmWs',
  stepAnthropicKey: 'sk-ant-api03-st3pAnthr0pic2Jx7',
  stepQueryKey: 'AIzaSySt3pG00gleQuery6Wb2Lm9Q',
  gatewayToken: 'gw-t0ken-6Ty3Vb8Nq1ZsKe4',
  pooledKey: 'sk-proj-p00ledStored4Hs9Kd2XeQ',
  routeKey: 'sk-ant-api03-r0uteStored7Gm3Pw',
  bodyApiKey: 'b0dyApiKey-9Ld4Fq7YsHn2Vc',
  bodyPassword: 'b0dyPassw0rd-3Ck8Mv5RaJt6',
  bodyClientSecret: 'b0dyCl1entSecret-5Nz1Ub8Ew',
  metadataKey: 'meta-ap1-key-1Qa5Zx8WcGv3',
  commentKey: 'sk-proj-c0mmentPasted0Rk2Yh7',
  virtualKeyPepper: 'vk-p3pper-Sw4Hd8Nq2LzTe6',
  storedAnthropicKey: 'sk-ant-api03-st0red1Conv3ntion8',
  // virtualKey: the secret of a virtual key, added by the test that creates it.
};
// A cut body may keep the start of a secret: its first characters count as a leak too.
const SECRET_PREFIX_CHARS = 14;

const LOG_BODY_MAX_BYTES = 4096;
const ROUTES = { 'keyed-route': { targets: [{ provider: 'anthropic', model: 'claude-haiku-4-5', key: 'ANTHROPIC_ROUTE_KEY' }] } };

let mock, gw, base;
before(async () => {
  mock = await startMockUpstream();
  gw = await startGateway(mock.url, {
    GATEWAY_TOKEN: SECRETS.gatewayToken,
    KEY_POOLS: JSON.stringify({ openai: [{ secret: 'OPENAI_POOL_KEY' }] }),
    OPENAI_POOL_KEY: SECRETS.pooledKey,
    ROUTES: JSON.stringify(ROUTES),
    ANTHROPIC_ROUTE_KEY: SECRETS.routeKey,
    VIRTUAL_KEY_PEPPER: SECRETS.virtualKeyPepper,
    ANTHROPIC_API_KEY: SECRETS.storedAnthropicKey,
    LOG_BODY_MAX_BYTES: String(LOG_BODY_MAX_BYTES),
    METRICS_DEBUG: 'true',
    PLUGINS: 'access-log',
  });
  base = `${gw.url}/v1/acct/gw`;
});
after(async () => { await gw?.close(); await mock?.close(); });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const gatewayAuth = { 'cf-aig-authorization': `Bearer ${SECRETS.gatewayToken}` };
const json = { 'content-type': 'application/json' };
const chatBody = (extra = {}) => JSON.stringify({
  model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'How many tokens does a bearer token cost? Is my password safe?' }], ...extra,
});
const step = (provider, endpoint, headers, query = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }) =>
  ({ provider, endpoint, headers: { 'content-type': 'application/json', ...headers }, query });

/** A body of `LOG_BODY_MAX_BYTES` cut `keep` characters into `secret`, where it follows `before`. */
function cutInside(before, secret, keep) {
  const head = `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"`;
  const padding = 'x'.repeat(LOG_BODY_MAX_BYTES - keep - head.length - before.length);
  return `${head}${padding}${before}${secret}"}]}`;
}

// Each request: its path under the gateway ('' is the universal endpoint), headers and body, the
// status it must get when that matters, and whether the upstream echoes it: the mock's echo hands
// the request's headers, keys included, back to the client, so only the logs of those are swept.
const REQUESTS = [
  { name: 'openai with Authorization', path: '/openai/chat/completions', headers: { ...gatewayAuth, authorization: `Bearer ${SECRETS.clientOpenAiKey}` }, body: chatBody() },
  { name: 'openai streamed', path: '/openai/chat/completions', headers: { ...gatewayAuth, authorization: `Bearer ${SECRETS.clientOpenAiKey}` }, body: chatBody({ stream: true, stream_options: { include_usage: true } }) },
  { name: 'anthropic with x-api-key', path: '/anthropic/v1/messages', headers: { ...gatewayAuth, 'x-api-key': SECRETS.clientAnthropicKey, 'anthropic-version': '2023-06-01' }, body: JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }) },
  { name: 'gemini with x-goog-api-key', path: '/google-ai-studio/v1beta/models/gemini-2.5-flash:generateContent', headers: { ...gatewayAuth, 'x-goog-api-key': SECRETS.clientGoogleKey }, body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }) },
  { name: 'gemini with ?key=', path: `/google-ai-studio/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse&key=${SECRETS.clientQueryKey}`, headers: gatewayAuth, body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }) },
  { name: 'credential fields in the body', path: '/openai/chat/completions', headers: { ...gatewayAuth, authorization: `Bearer ${SECRETS.clientOpenAiKey}` }, body: chatBody({ api_key: SECRETS.bodyApiKey, auth: { password: SECRETS.bodyPassword, client_secret: SECRETS.bodyClientSecret } }) },
  { name: 'the gateway token pasted in a prompt', path: '/openai/chat/completions', headers: { ...gatewayAuth, authorization: `Bearer ${SECRETS.clientOpenAiKey}` }, body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `is ${SECRETS.gatewayToken} a good token?` }] }) },
  { name: 'metadata naming a key', path: '/openai/chat/completions', headers: { ...gatewayAuth, authorization: `Bearer ${SECRETS.clientOpenAiKey}`, 'cf-aig-metadata': JSON.stringify({ user: 'ada', api_key: SECRETS.metadataKey }) }, body: chatBody() },
  { name: 'the client key echoed by the upstream', path: '/openai/v1/debug/echo', headers: { ...gatewayAuth, authorization: `Bearer ${SECRETS.clientOpenAiKey}` }, body: '{}', echoes: true },
  { name: 'the gateway token as the API key, a pooled key injected and echoed', path: '/openai/v1/debug/echo', headers: { authorization: `Bearer ${SECRETS.gatewayToken}` }, body: '{}', echoes: true },
  { name: "a route's stored key named in the provider's error", path: '/compat/chat/completions', headers: { ...gatewayAuth, 'x-mock-echo': '1', 'x-mock-status': '401' }, body: JSON.stringify({ model: 'keyed-route', messages: [{ role: 'user', content: 'hi' }] }), echoes: true },
  { name: "a route's stored key, answered", path: '/compat/chat/completions', headers: gatewayAuth, body: JSON.stringify({ model: 'keyed-route', messages: [{ role: 'user', content: 'hi' }] }) },
  {
    name: 'universal: step headers, the first step failing over',
    path: '', headers: { ...gatewayAuth, 'x-mock-fail-provider': 'openai' },
    body: JSON.stringify([step('openai', 'chat/completions', { authorization: `Bearer ${SECRETS.stepOpenAiKey}` }), step('anthropic', 'v1/messages', { 'x-api-key': SECRETS.stepAnthropicKey }, { model: 'claude-haiku-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] })]),
  },
  { name: 'universal: ?key= in a step endpoint', path: '', headers: gatewayAuth, body: JSON.stringify([step('google-ai-studio', `v1beta/models/gemini-2.5-flash:generateContent?key=${SECRETS.stepQueryKey}`, {}, { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] })]) },
  { name: 'universal: a step key echoed by the upstream', path: '', headers: gatewayAuth, body: JSON.stringify([step('openai', 'v1/debug/echo', { authorization: `Bearer ${SECRETS.stepOpenAiKey}` })]), echoes: true },
  { name: 'universal: a step key named in the provider error', path: '', headers: { ...gatewayAuth, 'x-mock-echo': '1', 'x-mock-status': '401' }, body: JSON.stringify([step('anthropic', 'v1/messages', { 'x-api-key': SECRETS.stepAnthropicKey })]), echoes: true },
  { name: 'universal: not JSON (cut short)', path: '', headers: gatewayAuth, body: JSON.stringify([step('openai', 'chat/completions', { authorization: `Bearer ${SECRETS.stepOpenAiKey}` })]).slice(0, -30), status: 400 },
  { name: 'universal: an invalid step after a keyed one', path: '', headers: gatewayAuth, body: JSON.stringify([step('openai', 'chat/completions', { 'x-api-key': SECRETS.stepOpenAiKey }), step('no-such-provider', 'x', { authorization: `Bearer ${SECRETS.stepAnthropicKey}` })]), status: 400 },
  { name: 'an upstream error', path: '/openai/chat/completions', headers: { ...gatewayAuth, authorization: `Bearer ${SECRETS.clientOpenAiKey}`, 'x-mock-status': '500' }, body: chatBody({ api_key: SECRETS.bodyApiKey }) },
  { name: 'a key refused by the upstream', path: '/anthropic/v1/messages', headers: { ...gatewayAuth, 'x-api-key': SECRETS.clientAnthropicKey, 'x-mock-reject-key': SECRETS.clientAnthropicKey }, body: JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 16, messages: [] }) },
  { name: 'body that is not JSON', path: '/openai/chat/completions', headers: { ...gatewayAuth, authorization: `Bearer ${SECRETS.clientOpenAiKey}` }, body: `{"model":"gpt-4o-mini","password":"${SECRETS.bodyPassword}",` },
  { name: 'a wrong gateway token', path: '/openai/chat/completions', headers: { 'cf-aig-authorization': 'Bearer wrong-token-0000', authorization: `Bearer ${SECRETS.clientOpenAiKey}` }, body: chatBody(), status: 401 },
  { name: 'a body cut inside a credential field', path: '/openai/chat/completions', headers: { ...gatewayAuth, authorization: `Bearer ${SECRETS.clientOpenAiKey}` }, body: cutInside('", "password": "', SECRETS.bodyPassword, 16) },
  { name: 'a body cut inside a known key', path: '/openai/chat/completions', headers: { ...gatewayAuth, authorization: `Bearer ${SECRETS.clientOpenAiKey}` }, body: cutInside(' my key is ', SECRETS.clientOpenAiKey, 20) },
];

const received = []; // every response the test got: { name, status, headers, body, echoes }
async function call(url, init, { name, echoes = false }) {
  const res = await fetch(url, init);
  const body = await res.text();
  received.push({ name, status: res.status, headers: [...res.headers].map((h) => h.join(': ')).join('\n'), body, echoes });
  return { res, body };
}
const admin = (path, init = {}) => call(`${gw.url}${path}`, { ...init, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...init.headers } }, { name: `admin ${path}` });

/** The names of the secrets (or starts of secrets) that appear in `text`. */
function leaks(text) {
  return Object.entries(SECRETS).filter(([, s]) => text.includes(s) || text.includes(s.slice(0, SECRET_PREFIX_CHARS))).map(([name]) => name);
}

/** `{ where: [secret names] }` for every text of `texts` (`[where, text]` pairs) that leaks. */
function sweep(texts) {
  return Object.fromEntries(texts.map(([where, text]) => [where, leaks(text)]).filter(([, found]) => found.length));
}

const ids = new Map(); // log id -> request name
const entries = new Map(); // log id -> the entry as GET /api/logs/{id} first gave it
const byName = (name) => entries.get([...ids].find(([, n]) => n === name)[0]);

test('every request carrying a secret is answered and logged', async () => {
  for (const r of REQUESTS) {
    const { res, body } = await call(`${base}${r.path}`, { method: 'POST', headers: { ...json, ...r.headers }, body: r.body }, r);
    if (r.status) assert.equal(res.status, r.status, `${r.name}: ${body}`);
    const id = res.headers.get('cf-aig-log-id');
    assert.ok(id, `${r.name} is logged (status ${res.status}: ${body})`);
    ids.set(id, r.name);
  }
  const deadline = Date.now() + 10_000; // entries are written ~100 ms after their response
  for (const id of ids.keys()) {
    for (;;) {
      const { res, body } = await admin(`/api/logs/${id}`);
      if (res.status === 200) { entries.set(id, JSON.parse(body)); break; }
      assert.equal(res.status, 404, body);
      assert.ok(Date.now() < deadline, `the entry of ${ids.get(id)} was not written`);
      await sleep(50);
    }
  }
  // An admin pastes a key into a comment.
  const [firstId] = ids.keys();
  const patched = await admin(`/api/logs/${firstId}`, { method: 'PATCH', headers: json, body: JSON.stringify({ feedback: 1, comment: `rotated Bearer ${SECRETS.commentKey}` }) });
  assert.equal(patched.res.status, 200, patched.body);
});

test('a virtual key is created, used, read, changed and revoked', async () => {
  // Created outside `call`: its answer is the one place the secret belongs. Every later answer
  // (kept in `received`) and the console are swept for it below.
  const res = await fetch(`${gw.url}/api/keys`, {
    method: 'POST', headers: { ...json, authorization: `Bearer ${ADMIN_TOKEN}` },
    body: JSON.stringify({ name: 'swept', provider_keys: ['OPENAI_POOL_KEY', 'ANTHROPIC_API_KEY'] }),
  });
  const created = await res.json();
  assert.equal(res.status, 201, JSON.stringify(created));
  SECRETS.virtualKey = created.secret;
  const id = created.key.id;
  // Used as the SDKs use it: the stored keys are injected (a pooled one, the conventional one).
  const used = [
    { name: 'a virtual key as the OpenAI API key', path: '/openai/chat/completions', headers: { authorization: `Bearer ${created.secret}` }, body: chatBody() },
    { name: 'a virtual key as x-api-key', path: '/anthropic/v1/messages', headers: { 'x-api-key': created.secret, 'anthropic-version': '2023-06-01' }, body: JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }) },
    { name: 'a virtual key, the stored key echoed', path: '/openai/v1/debug/echo', headers: { authorization: `Bearer ${created.secret}` }, body: '{}', echoes: true },
  ];
  for (const r of used) {
    const { res: answer, body } = await call(`${base}${r.path}`, { method: 'POST', headers: { ...json, ...r.headers }, body: r.body }, r);
    assert.equal(answer.status, 200, `${r.name}: ${body}`);
    assert.ok(!body.includes(created.secret), `${r.name}: the virtual key never reaches the provider`);
    const logId = answer.headers.get('cf-aig-log-id');
    for (const deadline = Date.now() + 10_000; ;) {
      const { res: found, body: entry } = await admin(`/api/logs/${logId}`);
      if (found.status === 200) { entries.set(logId, JSON.parse(entry)); break; }
      assert.ok(Date.now() < deadline, `the entry of ${r.name} was not written`);
      await sleep(50);
    }
    ids.set(logId, r.name);
    assert.equal(entries.get(logId).virtual_key_id, id);
  }
  for (const [path, init] of [[`/api/keys/${id}`], ['/api/keys'], [`/api/keys/${id}`, { method: 'PATCH', headers: json, body: '{"owner":"ops"}' }], [`/api/keys/${id}/revoke`, { method: 'POST' }], [`/api/keys/${id}/rotate`, { method: 'POST' }]]) {
    const answer = await admin(path, init);
    assert.equal(answer.res.status, path.endsWith('/rotate') ? 409 : 200, answer.body);
  }
});

test('a revoked virtual key is refused without an echo of it', async () => {
  await sleep(5_000); // the bound on how long an isolate may keep using what it read of a key
  const r = { name: 'a revoked virtual key' };
  const { res } = await call(`${base}/openai/chat/completions`, { method: 'POST', headers: { ...json, authorization: `Bearer ${SECRETS.virtualKey}` }, body: chatBody() }, r);
  assert.equal(res.status, 401);
});

test('no secret in any log entry, list page or export', async () => {
  // The list (with and without bodies, following cursors), the exports, and each entry again.
  for (const query of ['limit=7', 'limit=7&bodies=true', 'format=jsonl&bodies=true&limit=100', 'format=csv&bodies=true&limit=100', 'format=jsonl&limit=1000', 'format=csv&limit=1000']) {
    let cursor;
    do {
      const { res, body } = await admin(`/api/logs?${query}${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(res.status, 200, body);
      cursor = query.includes('format=') ? res.headers.get('cf-aig-next-cursor') : JSON.parse(body).next_cursor;
    } while (cursor);
  }
  for (const id of ids.keys()) await admin(`/api/logs/${id}`);
  const adminReads = received.filter((r) => r.name.startsWith('admin '));
  assert.ok(adminReads.filter((r) => r.name.includes('format=')).every((r) => r.body.split('\n').length > ids.size), 'the exports hold every entry');
  assert.deepEqual(sweep([...entries].map(([id, e]) => [`entry of ${ids.get(id)}`, JSON.stringify(e)])), {});
  assert.deepEqual(sweep(adminReads.map((r) => [r.name, `${r.headers}\n${r.body}`])), {});
});

test('no secret in a response the gateway made', () => {
  // The mock's echo hands the request's keys back by design: those responses are swept only
  // through their log entries.
  const responses = received.filter((r) => !r.echoes && !r.name.startsWith('admin '));
  assert.deepEqual(sweep(responses.map((r) => [r.name, `${r.headers}\n${r.body}`])), {});
});

test('no secret on the worker console', async () => {
  await sleep(200); // the console lines of the last writes
  assert.ok(gw.logs.some((l) => l.includes('ai-gateway access')), 'the access-log plugin printed lines to sweep');
  assert.deepEqual(sweep(gw.logs.map((line, n) => [`console line ${n}`, line])), {});
});

test('the scrubbing replaces only the secrets: the rest of each entry is kept', () => {
  const universal = byName('universal: step headers, the first step failing over');
  assert.equal(JSON.parse(universal.request_body)[0].headers.authorization, '[REDACTED]');
  assert.equal(JSON.parse(universal.request_body)[1].headers['x-api-key'], '[REDACTED]');
  const fields = JSON.parse(byName('credential fields in the body').request_body);
  assert.equal(fields.api_key, '[REDACTED]');
  assert.deepEqual(fields.auth, { password: '[REDACTED]', client_secret: '[REDACTED]' });
  assert.equal(fields.messages[0].content, 'How many tokens does a bearer token cost? Is my password safe?');
  assert.deepEqual(byName('metadata naming a key').metadata, { user: 'ada', api_key: '[REDACTED]' });
  assert.match(byName("a route's stored key named in the provider's error").error, /the key \[REDACTED\] was refused/);
  assert.match(byName('a body cut inside a known key').request_body, /my key is \[REDACTED\]…\[truncated, original \d+ bytes\]$/);
  const [firstId] = ids.keys();
  const commented = received.findLast((r) => r.name === `admin /api/logs/${firstId}`);
  assert.equal(JSON.parse(commented.body).comment, 'rotated Bearer [REDACTED]');
});
