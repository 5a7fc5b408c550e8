// Virtual keys and stored gateways on proxied requests, through the official SDKs: a virtual key
// is the SDK's API key (or sits in `cf-aig-authorization`), the gateway sends the stored provider
// key upstream, scopes refuse with 403, revocation and rotation take effect within their bound,
// and a gateway's stored settings apply to its requests only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startMockUpstream } from './support/mock-upstream.mjs';
import { startGateway, ADMIN_TOKEN } from './support/gateway.mjs';
import { adminApi, newTag, waitForTaggedLog } from './support/log-api.mjs';

const STORED = {
  OPENAI_API_KEY: 'sk-proj-st0redOpenai4Tb8Wq2Zx',
  ANTHROPIC_API_KEY: 'sk-ant-api03-st0redAnthr0pic6Yd',
  OPENAI_TEAM_KEY: 'sk-proj-t3amOpenai5Rk1Vy8Mc',
};
const PEPPER = 'vk-pepper-e2e-9Qs4Lp7Xc2';
/** Every secret value of this suite: none may come out of a log, an admin answer or an error. */
const SECRETS = [...Object.values(STORED), PEPPER, ADMIN_TOKEN];
/** Every text the gateway produced that is not a key's creation or rotation answer. */
const produced = [];
// The bound on how long an isolate may keep using what it read of a key (control::fresh).
const KEY_FRESH_MS = 5_000;

let mock, gw, base;
before(async () => {
  mock = await startMockUpstream();
  gw = await startGateway(mock.url, { VIRTUAL_KEY_PEPPER: PEPPER, STORED_GATEWAYS: 'true', ...STORED });
  base = (gateway) => `${gw.url}/v1/acct/${gateway}`;
  for (const gateway of [
    { id: 'locked', authentication: true },
    { id: 'byok-only', byok_only: true },
    { id: 'cached', cache_ttl: 600 },
    { id: 'team', provider_keys: { openai: 'OPENAI_TEAM_KEY' } },
  ]) {
    const res = await admin('POST', '/api/gateways', gateway);
    assert.equal(res.status, 201, res.text);
  }
});
after(async () => { await gw?.close(); await mock?.close(); });

async function admin(method, path, body) {
  const res = await adminApi(gw, path, {
    method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  const parsed = text ? JSON.parse(text) : undefined;
  if (!parsed?.secret) produced.push(`${method} ${path}: ${text}`);
  return { status: res.status, body: parsed, text };
}

async function createKey(fields) {
  const res = await admin('POST', '/api/keys', { name: 'app', ...fields });
  assert.equal(res.status, 201, res.text);
  SECRETS.push(res.body.secret);
  return { id: res.body.key.id, secret: res.body.secret };
}

/** A plain request through the gateway; its answer is kept for the sweep. */
async function post(url, headers, body) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  produced.push(`${url}: ${[...res.headers].join('\n')}\n${text}`);
  return { status: res.status, text, headers: res.headers, json: () => JSON.parse(text) };
}

const chat = (model = 'gpt-4o-mini') => ({ model, messages: [{ role: 'user', content: 'hi' }] });
const lastUpstream = async () => (await mock.requests()).at(-1);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Asserts no header of the upstream request carries a virtual key. */
function assertNoVirtualKeyUpstream(request) {
  const headers = JSON.stringify(request.headers);
  assert.ok(!/aig_[0-9a-f]{16}/.test(headers), `a virtual key reached the provider: ${headers}`);
}

test('openai SDK: the virtual key is the API key, the stored key goes upstream, the log names the key', async () => {
  const key = await createKey({ name: 'billing-app', provider_keys: ['OPENAI_API_KEY'] });
  const openai = new OpenAI({ apiKey: key.secret, baseURL: `${base('gw')}/openai`, maxRetries: 0 });
  const { tag, header } = newTag('vk-openai');
  const completion = await openai.chat.completions.create(chat(), { headers: header });
  assert.equal(completion.object, 'chat.completion');
  const upstream = await lastUpstream();
  assert.equal(upstream.headers.authorization, `Bearer ${STORED.OPENAI_API_KEY}`);
  assertNoVirtualKeyUpstream(upstream);
  const entry = await waitForTaggedLog(gw, tag);
  produced.push(JSON.stringify(entry));
  assert.equal(entry.virtual_key_id, key.id);
  assert.equal(entry.virtual_key_name, 'billing-app');
  const filtered = await admin('GET', `/api/logs?virtual_key=${key.id}`);
  assert.ok(filtered.body.entries.some((e) => e.id === entry.id), 'the log filter by key finds it');

  // Streams too.
  const stream = await openai.chat.completions.create({ ...chat(), stream: true });
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
  assert.ok(text.length > 0);
  assert.equal((await lastUpstream()).headers.authorization, `Bearer ${STORED.OPENAI_API_KEY}`);
});

test('anthropic SDK: the virtual key as x-api-key, on the provider route and through compat', async () => {
  const key = await createKey({ provider_keys: ['ANTHROPIC_API_KEY', 'OPENAI_API_KEY'] });
  const anthropic = new Anthropic({ apiKey: key.secret, baseURL: `${base('gw')}/anthropic`, maxRetries: 0 });
  const message = await anthropic.messages.create({ model: 'claude-haiku-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(message.type, 'message');
  let upstream = await lastUpstream();
  assert.equal(upstream.headers['x-api-key'], STORED.ANTHROPIC_API_KEY);
  assertNoVirtualKeyUpstream(upstream);

  // The Anthropic SDK on the compat endpoint, to an OpenAI model: re-keyed for OpenAI.
  const compat = new Anthropic({ apiKey: key.secret, baseURL: `${base('gw')}/compat`, maxRetries: 0 });
  const translated = await compat.messages.create({ model: 'openai/gpt-4o-mini', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(translated.type, 'message');
  upstream = await lastUpstream();
  assert.equal(upstream.path, '/openai/v1/chat/completions');
  assert.equal(upstream.headers.authorization, `Bearer ${STORED.OPENAI_API_KEY}`);
  assertNoVirtualKeyUpstream(upstream);
});

test('cf-aig-authorization: the virtual key beside the client\'s own provider key, or alone', async () => {
  const key = await createKey({ provider_keys: ['OPENAI_API_KEY'] });
  const own = 'sk-client-own-key-123';
  const openai = new OpenAI({
    apiKey: own, baseURL: `${base('gw')}/openai`, maxRetries: 0,
    defaultHeaders: { 'cf-aig-authorization': `Bearer ${key.secret}` },
  });
  await openai.chat.completions.create(chat());
  let upstream = await lastUpstream();
  assert.equal(upstream.headers.authorization, `Bearer ${own}`, 'the client\'s own key is used as sent');
  assert.equal(upstream.headers['cf-aig-authorization'], undefined);

  const alone = await post(`${base('gw')}/openai/chat/completions`, { 'cf-aig-authorization': `Bearer ${key.secret}` }, chat());
  assert.equal(alone.status, 200, alone.text);
  upstream = await lastUpstream();
  assert.equal(upstream.headers.authorization, `Bearer ${STORED.OPENAI_API_KEY}`);
  assertNoVirtualKeyUpstream(upstream);
});

test('a gateway names the stored key it spends for a provider', async () => {
  const key = await createKey({ provider_keys: ['OPENAI_TEAM_KEY'] });
  const openai = new OpenAI({ apiKey: key.secret, baseURL: `${base('team')}/openai`, maxRetries: 0 });
  await openai.chat.completions.create(chat());
  assert.equal((await lastUpstream()).headers.authorization, `Bearer ${STORED.OPENAI_TEAM_KEY}`);
  // The same key on a gateway that names none would spend OPENAI_API_KEY, which it may not.
  const elsewhere = new OpenAI({ apiKey: key.secret, baseURL: `${base('gw')}/openai`, maxRetries: 0 });
  await assert.rejects(elsewhere.chat.completions.create(chat()), (err) => err.status === 403 && /OPENAI_API_KEY/.test(err.message));
});

test('scopes: a model, a gateway or a stored key outside the key\'s rules is a 403 naming the rule', async () => {
  const key = await createKey({ models: ['gpt-4o*', 'anthropic/*'], gateways: ['gw', 'cached'], provider_keys: ['OPENAI_API_KEY'] });
  const openai = new OpenAI({ apiKey: key.secret, baseURL: `${base('gw')}/openai`, maxRetries: 0 });
  await openai.chat.completions.create(chat('gpt-4o-mini'));
  await assert.rejects(openai.chat.completions.create(chat('o3')), (err) => {
    assert.ok(err instanceof OpenAI.PermissionDeniedError, String(err));
    assert.match(err.message, /`models` rule/);
    assert.match(err.message, /openai\/o3/);
    assert.doesNotMatch(err.message, /gpt-4o\*/, 'the refusal does not list what the key may do');
    return true;
  });
  // Through compat, the provider/model pattern decides.
  const before = (await mock.requests()).length;
  const refused = await post(`${base('gw')}/compat/chat/completions`, { authorization: `Bearer ${key.secret}` }, chat('mistral/mistral-large'));
  assert.equal(refused.status, 403, refused.text);
  assert.equal((await mock.requests()).length, before, 'a refused request never reaches the provider');
  // The anthropic models are allowed, but not the stored Anthropic key.
  const anthropic = new Anthropic({ apiKey: key.secret, baseURL: `${base('gw')}/anthropic`, maxRetries: 0 });
  await assert.rejects(
    anthropic.messages.create({ model: 'claude-haiku-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }),
    (err) => err instanceof Anthropic.PermissionDeniedError && /`provider_keys` rule/.test(err.message) && /ANTHROPIC_API_KEY/.test(err.message),
  );
  // Another gateway.
  const elsewhere = new OpenAI({ apiKey: key.secret, baseURL: `${base('other')}/openai`, maxRetries: 0 });
  await assert.rejects(elsewhere.chat.completions.create(chat()), (err) => err.status === 403 && /`gateways` rule/.test(err.message));
  // A cached answer is no way around a scope.
  const cachedOk = await post(`${base('cached')}/openai/chat/completions`, { authorization: `Bearer ${key.secret}` }, chat('gpt-4o'));
  assert.equal(cachedOk.status, 200, cachedOk.text);
  const narrow = await createKey({ models: ['claude-*'], provider_keys: ['OPENAI_API_KEY'] });
  const again = await post(`${base('cached')}/openai/chat/completions`, { authorization: `Bearer ${narrow.secret}` }, chat('gpt-4o'));
  assert.equal(again.status, 403, again.text);
});

test('authentication: unknown keys are 401; a gateway that requires it refuses anonymous requests', async () => {
  const unknown = new OpenAI({ apiKey: `aig_${'ab'.repeat(32)}`, baseURL: `${base('gw')}/openai`, maxRetries: 0 });
  await assert.rejects(unknown.chat.completions.create(chat()), (err) => err instanceof OpenAI.AuthenticationError);
  const anonymous = await post(`${base('locked')}/openai/chat/completions`, { authorization: 'Bearer sk-client' }, chat());
  assert.equal(anonymous.status, 401, anonymous.text);
  assert.match(anonymous.text, /virtual key/);
  const key = await createKey({ provider_keys: ['OPENAI_API_KEY'] });
  const allowed = await post(`${base('locked')}/openai/chat/completions`, { authorization: `Bearer ${key.secret}` }, chat());
  assert.equal(allowed.status, 200, allowed.text);
  // The open gateway still serves requests that bring their own key.
  const open = await post(`${base('gw')}/openai/chat/completions`, { authorization: 'Bearer sk-client' }, chat());
  assert.equal(open.status, 200, open.text);
});

test('byok_only: a request that brings its own provider key is refused; the stored key is spent', async () => {
  const key = await createKey({ provider_keys: ['OPENAI_API_KEY'] });
  const withOwn = await post(`${base('byok-only')}/openai/chat/completions`,
    { 'cf-aig-authorization': `Bearer ${key.secret}`, authorization: 'Bearer sk-client-own' }, chat());
  assert.equal(withOwn.status, 403, withOwn.text);
  assert.match(withOwn.text, /byok_only/);
  const stored = await post(`${base('byok-only')}/openai/chat/completions`, { authorization: `Bearer ${key.secret}` }, chat());
  assert.equal(stored.status, 200, stored.text);
  assert.equal((await lastUpstream()).headers.authorization, `Bearer ${STORED.OPENAI_API_KEY}`);
});

test('settings: the gateway\'s cache TTL applies to it alone; key beats gateway, header beats key', async () => {
  const cacheStatus = async (gateway, headers, content) => {
    const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content }] };
    const first = await post(`${base(gateway)}/openai/chat/completions`, headers, body);
    const second = await post(`${base(gateway)}/openai/chat/completions`, headers, body);
    assert.equal(second.status, 200, second.text);
    return [first.headers.get('cf-aig-cache-status'), second.headers.get('cf-aig-cache-status')];
  };
  const own = { authorization: 'Bearer sk-client' };
  assert.deepEqual(await cacheStatus('cached', own, 'settings 1'), ['MISS', 'HIT']);
  assert.deepEqual((await cacheStatus('gw', own, 'settings 2')).map((s) => s ?? null), [null, null], 'the other gateway does not cache');
  const noCache = await createKey({ cache_ttl: 0, provider_keys: ['OPENAI_API_KEY'] });
  const asKey = { authorization: `Bearer ${noCache.secret}` };
  assert.deepEqual((await cacheStatus('cached', asKey, 'settings 3')).map((s) => s ?? null), [null, null], 'the key\'s 0 beats the gateway\'s 600');
  assert.deepEqual(await cacheStatus('cached', { ...asKey, 'cf-aig-cache-ttl': '120' }, 'settings 4'), ['MISS', 'HIT'], 'the header beats the key');
});

test('rotate and revoke: the new secret works at once, old and revoked ones stop within the bound', async () => {
  const key = await createKey({ provider_keys: ['OPENAI_API_KEY'] });
  const send = (secret) => post(`${base('gw')}/openai/chat/completions`, { authorization: `Bearer ${secret}` }, chat());
  assert.equal((await send(key.secret)).status, 200); // this isolate now remembers the key
  const rotated = await admin('POST', `/api/keys/${key.id}/rotate`);
  assert.equal(rotated.status, 200, rotated.text);
  SECRETS.push(rotated.body.secret);
  assert.equal((await send(rotated.body.secret)).status, 200, 'the new secret works at once');

  const other = await createKey({ provider_keys: ['OPENAI_API_KEY'] });
  assert.equal((await send(other.secret)).status, 200);
  const revoked = await admin('POST', `/api/keys/${other.id}/revoke`);
  assert.equal(revoked.status, 200, revoked.text);
  await sleep(KEY_FRESH_MS);
  const old = await send(key.secret);
  assert.equal(old.status, 401, `the replaced secret: ${old.text}`);
  const gone = await send(other.secret);
  assert.equal(gone.status, 401, `the revoked key: ${gone.text}`);
  assert.match(gone.text, /revoked/);
  assert.equal((await send(rotated.body.secret)).status, 200);
});

test('GATEWAYS_STRICT: a gateway never created is a 404 naming it', async () => {
  const strict = await startGateway(mock.url, { GATEWAYS_STRICT: 'true' });
  try {
    const create = await fetch(`${strict.url}/api/gateways`, {
      method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: '{"id":"known"}',
    });
    assert.equal(create.status, 201);
    const unknown = await fetch(`${strict.url}/v1/acct/nope/openai/chat/completions`, {
      method: 'POST', headers: { authorization: 'Bearer sk-client', 'content-type': 'application/json' }, body: JSON.stringify(chat()),
    });
    assert.equal(unknown.status, 404);
    assert.match((await unknown.json()).error.message, /"nope"/);
    const known = await fetch(`${strict.url}/v1/acct/known/openai/chat/completions`, {
      method: 'POST', headers: { authorization: 'Bearer sk-client', 'content-type': 'application/json' }, body: JSON.stringify(chat()),
    });
    assert.equal(known.status, 200);
  } finally {
    await strict.close();
  }
});

test('no secret of this suite in a log entry, an admin answer, an error or the console', async () => {
  await sleep(300); // the last entries are written after their responses
  for (const query of ['format=jsonl&bodies=true&limit=1000', 'limit=200&bodies=true']) produced.push((await admin('GET', `/api/logs?${query}`)).text);
  produced.push((await admin('GET', '/api/keys')).text, (await admin('GET', '/api/gateways')).text);
  const leaks = produced.flatMap((text, n) => SECRETS.filter((s) => text.includes(s)).map((s) => `text ${n} holds ${s.slice(0, 8)}…`));
  assert.deepEqual(leaks, []);
  const console = gw.logs.flatMap((line) => SECRETS.filter((s) => line.includes(s)).map((s) => `console holds ${s.slice(0, 8)}…`));
  assert.deepEqual(console, []);
});
