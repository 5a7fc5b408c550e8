// The semantic cache through the production bindings' glue: Workers AI embeds (`AI`) and Vectorize
// indexes (`VECTORIZE`), each a stand-in with the service's contract and limits
// (tests/support/fake-ai-bindings.mjs) loaded into the gateway's isolate, so that src/semantic.rs
// calls them as it calls the real ones. The local index (SEMANTIC_INDEX) is bound too: with both,
// Vectorize must be the one used. What each binding was called with is read from the
// `[fake-binding]` lines the stand-ins print.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startMockUpstream } from './support/mock-upstream.mjs';
import { waitForLogEntry } from './support/log-api.mjs';
import { startGateway, ADMIN_TOKEN, ROOT } from './support/gateway.mjs';

const CHAT = '/v1/acct/gw/openai/chat/completions';
const MODEL = '@cf/baai/bge-small-en-v1.5';

/** A gateway whose AI and VECTORIZE bindings are the stand-ins; `fail` makes one of them throw. */
function bindingsGateway(mockUrl, fail = '') {
  const binding = (kind) => ({ scriptName: 'fake-ai-bindings', bindings: { KIND: kind, FAIL: fail } });
  return startGateway(mockUrl, { SEMANTIC_EMBEDDER: 'workers-ai' }, {
    wrappedBindings: { AI: binding('ai'), VECTORIZE: binding('vectorize') },
    extraWorkers: [{ name: 'fake-ai-bindings', modules: true, scriptPath: path.join(ROOT, 'tests/support/fake-ai-bindings.mjs') }],
  });
}

let mock, gw;
before(async () => {
  mock = await startMockUpstream();
  gw = await bindingsGateway(mock.url);
});
after(async () => {
  await gw?.close();
  await mock?.close();
});

let counter = 0;
const system = () => `You are binding test assistant ${++counter}-${Date.now()}.`;
const body = (sys, question) => ({ model: 'gpt-4o-mini', messages: [{ role: 'system', content: sys }, { role: 'user', content: question }] });

async function chat(payload, { url = gw.url, headers = {} } = {}) {
  const res = await fetch(`${url}${CHAT}`, {
    method: 'POST',
    headers: {
      authorization: 'Bearer sk-a', 'content-type': 'application/json',
      'cf-aig-cache-semantic': 'true', 'cf-aig-cache-semantic-threshold': '0.8', ...headers,
    },
    body: JSON.stringify(payload),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

const logEntry = (id, url = gw.url) => waitForLogEntry(url, id);

/** The calls the stand-ins saw, in order, from the worker's console lines. */
function calls(worker = gw, binding = undefined, method = undefined) {
  return worker.logs
    .filter((l) => l.includes('[fake-binding] '))
    .map((l) => JSON.parse(l.slice(l.indexOf('[fake-binding] ') + '[fake-binding] '.length)))
    .filter((c) => (!binding || c.binding === binding) && (!method || c.method === method));
}

/** Asks and waits for the answer's log entry (its vector is stored before the entry is). */
async function stored(payload, options) {
  const res = await chat(payload, options);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.headers.get('cf-aig-cache-status'), 'MISS');
  await logEntry(res.headers.get('cf-aig-log-id'), options?.url);
  return res;
}

test('Workers AI embeds and Vectorize finds the paraphrase, filtered on its partition', async () => {
  const sys = system();
  const before = calls().length;
  const first = await stored(body(sys, 'What is the capital of France?'));
  const again = await chat(body(sys, 'what is the capital city of France'));
  assert.equal(again.headers.get('cf-aig-cache-status'), 'HIT', again.text);
  assert.equal(again.headers.get('cf-aig-cache-match'), 'semantic');
  assert.equal(again.headers.get('cf-aig-cache-source-log-id'), first.headers.get('cf-aig-log-id'));
  assert.equal(again.text, first.text);

  const seen = calls().slice(before);
  const runs = seen.filter((c) => c.binding === 'AI');
  assert.deepEqual(runs.map((c) => c.model), [MODEL, MODEL]);
  assert.deepEqual(runs.map((c) => c.input), [{ text: ['what is the capital of france'] }, { text: ['what is the capital city of france'] }]);

  const [upsert] = seen.filter((c) => c.method === 'upsert');
  assert.equal(upsert.ids.length, 1);
  assert.match(upsert.ids[0], /^[0-9a-f]{64}$/);
  assert.deepEqual(upsert.dimensions, [384]);
  const partition = upsert.metadata[0].partition;
  assert.match(partition, /^[0-9a-f]{64}$/);
  assert.ok(upsert.metadata[0].expires_at_ms > Date.now());
  const queries = seen.filter((c) => c.method === 'query');
  assert.equal(queries.length, 2, 'one lookup per request');
  for (const q of queries) {
    assert.equal(q.dimensions, 384);
    assert.deepEqual(q.options.filter, { partition });
    assert.equal(q.options.returnMetadata, 'all');
    assert.ok(q.options.topK >= 1 && q.options.topK <= 20);
  }
});

test('another system prompt is another partition: Vectorize is asked with its filter and misses', async () => {
  const sys = system();
  await stored(body(sys, 'How many moons does Mars have?'));
  const before = calls().length;
  const other = await chat(body(system(), 'how many moons does Mars have'));
  assert.equal(other.headers.get('cf-aig-cache-status'), 'MISS');
  const [query] = calls().slice(before).filter((c) => c.method === 'query');
  const entry = await logEntry(other.headers.get('cf-aig-log-id'));
  assert.equal(JSON.parse(entry.cache_semantic).outcome, 'miss');
  assert.match(query.options.filter.partition, /^[0-9a-f]{64}$/);
});

test('a purged answer stops hitting, and its vector is deleted from Vectorize', async () => {
  const sys = system();
  const first = await stored(body(sys, 'Who painted the Mona Lisa?'));
  assert.equal((await chat(body(sys, 'who painted the Mona Lisa painting'))).headers.get('cf-aig-cache-match'), 'semantic');
  const [upsert] = calls(gw, 'VECTORIZE', 'upsert').filter((c) => c.metadata[0].partition && c.ids.length === 1).slice(-1);
  const purged = await fetch(`${gw.url}/api/gateways/gw/cache/purge`, {
    method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, body: JSON.stringify({ log_id: first.headers.get('cf-aig-log-id') }),
  });
  assert.equal(purged.status, 200);
  const after = await chat(body(sys, 'who painted the Mona Lisa painting'));
  assert.equal(after.headers.get('cf-aig-cache-status'), 'MISS');
  await logEntry(after.headers.get('cf-aig-log-id'));
  const deleted = calls(gw, 'VECTORIZE', 'deleteByIds').flatMap((c) => c.ids);
  assert.ok(deleted.includes(upsert.ids[0]), `the purged answer's vector ${upsert.ids[0]} was deleted (deleted: ${deleted.join(', ')})`);
});

for (const failing of ['ai', 'vectorize']) {
  test(`${failing === 'ai' ? 'Workers AI' : 'Vectorize'} failing: the provider answers and the log says why`, async () => {
    const local = await bindingsGateway(mock.url, failing);
    try {
      const res = await chat(body(system(), 'What is the boiling point of water?'), { url: local.url });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.headers.get('cf-aig-cache-status'), 'MISS');
      assert.equal(JSON.parse(res.text).object, 'chat.completion');
      const note = JSON.parse((await logEntry(res.headers.get('cf-aig-log-id'), local.url)).cache_semantic);
      assert.equal(note.outcome, 'error');
      assert.match(note.reason, failing === 'ai' ? /AI run: .*capacity temporarily exceeded/ : /VECTORIZE query: .*query failed/);
      assert.ok(calls(local, failing === 'ai' ? 'AI' : 'VECTORIZE').length >= 1);
    } finally {
      await local.close();
    }
  });
}
