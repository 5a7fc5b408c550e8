// The control plane's admin API end to end: gateways and virtual keys created, read, changed and
// removed through plain HTTP against the built Worker, kept in the `ControlPlane` Durable Object.
// Proxied requests with virtual keys are tested in virtual-keys.test.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMockUpstream } from './support/mock-upstream.mjs';
import { startGateway, ADMIN_TOKEN } from './support/gateway.mjs';

const PEPPER = 'pepper-c0ntrol-Xy7Qw3Lm9Rt2';

let mock, gw;
before(async () => {
  mock = await startMockUpstream();
  gw = await startGateway(mock.url, { VIRTUAL_KEY_PEPPER: PEPPER });
});
after(async () => { await gw?.close(); await mock?.close(); });

/** Every secret the gateway handed out, and every admin answer that was not a creation or rotation. */
const issuedSecrets = [];
const quietAnswers = [];

/** One admin call; answers `{ status, body, text, headers }`. `issues` marks a call that may show a secret. */
async function api(method, path, body, { token = ADMIN_TOKEN, issues = false, target = gw } = {}) {
  const headers = token ? { authorization: `Bearer ${token}` } : {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${target.url}${path}`, {
    method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  if (!issues) quietAnswers.push(`${method} ${path}: ${text}`);
  let parsed;
  try { parsed = JSON.parse(text); } catch { parsed = undefined; }
  return { status: res.status, body: parsed, text, headers: res.headers };
}

async function createKey(body) {
  const res = await api('POST', '/api/keys', body, { issues: true });
  assert.equal(res.status, 201, res.text);
  issuedSecrets.push(res.body.secret);
  return res.body;
}

test('gateways: create, list, get, patch, delete', async () => {
  const created = await api('POST', '/api/gateways', { id: 'prod', cache_ttl: 600, collect_logs: false });
  assert.equal(created.status, 201, created.text);
  assert.equal(created.headers.get('cache-control'), 'no-store');
  assert.equal(created.body.id, 'prod');
  assert.equal(created.body.defaults.cache_ttl, 600);
  assert.equal(created.body.defaults.collect_logs, false);

  assert.equal((await api('POST', '/api/gateways', { id: 'prod' })).status, 409);
  assert.equal((await api('POST', '/api/gateways', { id: 'alpha' })).status, 201);

  const listed = await api('GET', '/api/gateways');
  assert.equal(listed.status, 200);
  assert.deepEqual(listed.body.gateways.map((g) => g.id), ['alpha', 'prod']);

  const got = await api('GET', '/api/gateways/prod');
  assert.deepEqual(got.body, created.body);

  const patched = await api('PATCH', '/api/gateways/prod', { byok_only: true, cache_ttl: null });
  assert.equal(patched.status, 200, patched.text);
  assert.equal(patched.body.byok_only, true);
  assert.equal(patched.body.defaults.cache_ttl ?? null, null);
  assert.equal(patched.body.defaults.collect_logs, false);
  assert.deepEqual((await api('GET', '/api/gateways/prod')).body, patched.body);

  const deleted = await api('DELETE', '/api/gateways/alpha');
  assert.deepEqual([deleted.status, deleted.body], [200, { deleted: 'alpha' }]);
  assert.equal((await api('GET', '/api/gateways/alpha')).status, 404);
  assert.equal((await api('DELETE', '/api/gateways/alpha')).status, 404);
  assert.equal((await api('PATCH', '/api/gateways/alpha', {})).status, 404);
  assert.deepEqual((await api('GET', '/api/gateways')).body.gateways.map((g) => g.id), ['prod']);
});

test('bad bodies and unknown fields answer 400 naming the field', async () => {
  for (const [method, path, body, field] of [
    ['POST', '/api/gateways', { id: 'g1', nope: 1 }, 'nope'],
    ['POST', '/api/gateways', { id: 'bad id' }, 'id'],
    ['POST', '/api/gateways', { id: 'g1', cache_ttl: 'soon' }, 'cache_ttl'],
    ['POST', '/api/gateways', { id: 'g1', retry: { maxAttempts: 'x' } }, 'maxAttempts'],
    ['POST', '/api/keys', { name: 'k', hash: 'x' }, 'hash'],
    ['POST', '/api/keys', { name: 'k', models: 'openai/*' }, 'models'],
    ['PATCH', '/api/gateways/prod', { id: 'other' }, 'id'],
  ]) {
    const res = await api(method, path, body);
    assert.equal(res.status, 400, `${method} ${path} ${JSON.stringify(body)}: ${res.text}`);
    assert.match(res.body.error.message, new RegExp(`\\b${field}\\b`), res.text);
  }
  const notJson = await api('POST', '/api/gateways', 'not json');
  assert.equal(notJson.status, 400, notJson.text);
  assert.equal((await api('GET', '/api/gateways/bad.id')).status, 400);
  assert.equal((await api('PUT', '/api/gateways')).status, 405);
  assert.equal((await api('GET', '/api/keys/vk_0000000000000000')).status, 404);
  assert.equal((await api('POST', '/api/keys/vk_0000000000000000/rotate')).status, 404);
});

test('the admin token is required', async () => {
  for (const [method, path] of [['GET', '/api/gateways'], ['POST', '/api/gateways'], ['GET', '/api/keys'], ['POST', '/api/keys']]) {
    assert.equal((await api(method, path, method === 'POST' ? { id: 'x', name: 'x' } : undefined, { token: null })).status, 401);
    assert.equal((await api(method, path, undefined, { token: 'wrong-token' })).status, 401);
  }
  assert.equal((await api('GET', '/api/gateways/x')).status, 404);
});

test('virtual keys: create shows the secret once; get, list, patch, rotate, revoke never do', async () => {
  const created = await createKey({ name: 'app', owner: 'team-a', models: ['openai/*'], gateways: ['prod'] });
  const { key, secret } = created;
  assert.match(secret, /^aig_[0-9a-f]{64}$/);
  assert.match(key.id, /^vk_[0-9a-f]{16}$/);
  assert.equal(key.name, 'app');
  assert.deepEqual(key.models, ['openai/*']);
  assert.equal(key.revoked, false);
  for (const field of Object.keys(key)) assert.doesNotMatch(field, /hash|secret/, `key field ${field}`);

  const got = await api('GET', `/api/keys/${key.id}`);
  assert.equal(got.status, 200, got.text);
  assert.deepEqual(got.body, key);
  const listed = await api('GET', '/api/keys');
  assert.deepEqual(listed.body.keys.find((k) => k.id === key.id), key);

  const patched = await api('PATCH', `/api/keys/${key.id}`, { owner: 'team-b', metadata: { cost_center: 42 } });
  assert.equal(patched.status, 200, patched.text);
  assert.equal(patched.body.owner, 'team-b');
  assert.deepEqual(patched.body.metadata, { cost_center: 42 });
  assert.deepEqual(patched.body.models, ['openai/*']);

  const rotated = await api('POST', `/api/keys/${key.id}/rotate`, undefined, { issues: true });
  assert.equal(rotated.status, 200, rotated.text);
  issuedSecrets.push(rotated.body.secret);
  assert.equal(rotated.body.key.id, key.id);
  assert.match(rotated.body.secret, /^aig_[0-9a-f]{64}$/);
  assert.notEqual(rotated.body.secret, secret);
  assert.equal(typeof rotated.body.key.rotated_at, 'number');

  const revoked = await api('POST', `/api/keys/${key.id}/revoke`);
  assert.equal(revoked.status, 200, revoked.text);
  assert.equal(revoked.body.revoked, true);
  assert.equal((await api('GET', `/api/keys/${key.id}`)).body.revoked, true);
  const again = await api('POST', `/api/keys/${key.id}/rotate`, undefined, { issues: true });
  assert.equal(again.status, 409, again.text);
  quietAnswers.push(again.text);

  const second = await createKey({ name: 'other' });
  assert.notEqual(second.secret, secret);
  assert.notEqual(second.key.id, key.id);
  assert.deepEqual((await api('GET', '/api/keys')).body.keys.map((k) => k.id), [key.id, second.key.id]);
});

test('the records live in the ControlPlane Durable Object, with only a hash of the secret', async () => {
  const { key, secret } = await createKey({ name: 'durable' });
  await api('POST', '/api/gateways', { id: 'durable-gw', authentication: true });
  // Straight to the one object the Worker uses, past the Worker: what a new isolate would read.
  const namespace = await gw.mf.getDurableObjectNamespace('CONTROL');
  const stub = namespace.get(namespace.idFromName('control'));
  const run = async (sql) => {
    const res = await stub.fetch('https://control-plane/run', { method: 'POST', body: JSON.stringify({ statements: [[sql, []]] }) });
    assert.equal(res.status, 200, await res.clone().text());
    return (await res.json())[0];
  };
  const [row] = await run(`SELECT id, key_hash, record FROM virtual_keys WHERE id = '${key.id}'`);
  assert.deepEqual(JSON.parse(row.record), key);
  assert.match(row.key_hash, /^[0-9a-f]{64}$/);
  assert.notEqual(row.key_hash, secret.slice(4));
  assert.ok(!row.record.includes(secret.slice(4, 20)));
  const gateways = await run("SELECT id FROM gateways WHERE id = 'durable-gw'");
  assert.deepEqual(gateways, [{ id: 'durable-gw' }]);

  const later = await fetch(`${gw.url}/api/keys/${key.id}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  assert.deepEqual(await later.json(), key);
});

test('creating a key without the pepper is refused, and nothing is stored', async () => {
  const bare = await startGateway(mock.url, { VIRTUAL_KEY_PEPPER: '' });
  try {
    const res = await api('POST', '/api/keys', { name: 'no-pepper' }, { target: bare });
    assert.equal(res.status, 500, res.text);
    assert.match(res.body.error.message, /VIRTUAL_KEY_PEPPER/);
    assert.deepEqual((await api('GET', '/api/keys', undefined, { target: bare })).body.keys, []);
  } finally {
    await bare.close();
  }
});

test('no answer but creation and rotation shows a secret, and none shows the pepper', async () => {
  assert.ok(issuedSecrets.length >= 4, `secrets issued: ${issuedSecrets.length}`);
  assert.ok(quietAnswers.length > 20, `answers checked: ${quietAnswers.length}`);
  for (const answer of quietAnswers) {
    for (const secret of issuedSecrets) {
      assert.ok(!answer.includes(secret.slice(4, 20)), `a secret leaked into ${answer}`);
    }
    assert.ok(!answer.includes(PEPPER), `the pepper leaked into ${answer}`);
  }
  assert.ok(!gw.logs.some((line) => line.includes(PEPPER) || issuedSecrets.some((s) => line.includes(s.slice(4, 20)))));
});
