// A misbehaving upstream (the mock's x-mock-fault modes, slow and huge bodies): what the client
// gets, and that the request's log entry records what the client saw. Written against the
// behaviour the gateway should have; the body idle timeout is UPSTREAM_IDLE_TIMEOUT_MS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMockUpstream } from './support/mock-upstream.mjs';
import { startGateway } from './support/gateway.mjs';
import { newTag, waitForTaggedLog } from './support/log-api.mjs';
import { GARBAGE_LINE_BYTES } from './support/mock-bodies.mjs';

const IDLE_TIMEOUT_MS = 1000;
const LOG_BODY_MAX_BYTES = 32 * 1024;
/** How long a client waits before the test calls it hung. */
const CLIENT_PATIENCE_MS = 15_000;
const TRUNCATION_MARKER = '…[truncated, original ';

let mock, gw;
before(async () => {
  mock = await startMockUpstream();
  // On workerd's own socket, as a client of a deployed Worker would be: Miniflare's entry worker
  // re-encodes responses (gzip, chunked) and ends a body that broke off as if it were complete.
  gw = await startGateway(
    mock.url,
    { UPSTREAM_IDLE_TIMEOUT_MS: String(IDLE_TIMEOUT_MS), LOG_BODY_MAX_BYTES: String(LOG_BODY_MAX_BYTES) },
    { direct: true },
  );
});
after(async () => { await gw?.close(); await mock?.close(); });

const CHAT = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] };

/** A chat completion through the gateway, tagged for its log entry; `started` is when it was sent. */
async function chat(name, headers = {}, body = CHAT) {
  const { tag, header } = newTag(name);
  const started = Date.now();
  const res = await fetch(`${gw.url}/v1/acct/gw/openai/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test', ...header, ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(CLIENT_PATIENCE_MS),
  }).catch((err) => {
    if (err.name === 'TimeoutError') assert.fail(`the client hung: no answer within ${CLIENT_PATIENCE_MS} ms`);
    throw err;
  });
  return { res, tag, started };
}

/**
 * Reads the whole body: its bytes, the error that ended it early (null when it ended normally),
 * and when it ended. A body that never ends fails the test after CLIENT_PATIENCE_MS.
 */
async function readAll(res) {
  const chunks = [];
  let error = null;
  try {
    for await (const chunk of res.body) chunks.push(chunk);
  } catch (err) {
    error = err;
  }
  if (error?.name === 'TimeoutError') assert.fail(`the client hung: no end of the body within ${CLIENT_PATIENCE_MS} ms`);
  return { bytes: Buffer.concat(chunks), error, endedAt: Date.now() };
}

/** The events of an SSE text, the last one parsed when it is JSON. */
function lastEvent(text) {
  const events = text.split('\n\n').filter((e) => e.trim());
  const data = events.at(-1)?.split('\n').find((l) => l.startsWith('data: '))?.slice(6);
  try { return JSON.parse(data); } catch { return data; }
}

/**
 * The client saw a failure of a JSON answer: a 502/504 gateway error in the OpenAI shape when the
 * gateway had not sent the head yet, or a 200 whose body broke off. Returns what it saw.
 */
async function assertClientSawFailure(res, codes) {
  const body = await readAll(res);
  if (res.status === 200) {
    assert.ok(body.error, `a 200 whose body is complete (${body.bytes.length} bytes): the client cannot tell the answer is broken`);
    return { status: 200, body };
  }
  assert.ok([502, 504].includes(res.status), `status ${res.status}`);
  const error = JSON.parse(body.bytes).error;
  assert.ok(codes.includes(error.code), `error code ${error.code}, expected one of ${codes}`);
  assert.ok(error.message, 'the error says what happened');
  return { status: res.status, body };
}

/** The log entry records a failure, with the status the client saw and an error message. */
async function assertLoggedFailure(tag, status, res) {
  const entry = await waitForTaggedLog(gw, tag);
  assert.equal(entry.status, status, `the entry's status (${entry.status}) is the one the client saw`);
  assert.equal(entry.success, false, `the entry says success: ${JSON.stringify({ status: entry.status, error: entry.error })}`);
  assert.ok(typeof entry.error === 'string' && entry.error.length > 0, 'the entry has an error message');
  assert.equal(res.headers.get('cf-aig-log-id'), entry.id, 'the answer carries the id of its log entry');
  return entry;
}

for (const [fault, headers] of [
  ['short-body', {}],
  ['bad-gzip', {}],
  ['short-body', { 'x-mock-body-bytes': String(20 * 1024 * 1024) }],
  ['bad-gzip', { 'x-mock-body-bytes': String(20 * 1024 * 1024) }],
]) {
  const size = headers['x-mock-body-bytes'] ? '20 MiB JSON' : 'small JSON';
  test(`${fault} (${size}): the client sees a failure and the log records it, not a success`, async () => {
    const { res, tag } = await chat(fault, { 'x-mock-fault': fault, ...headers });
    const seen = await assertClientSawFailure(res, ['upstream_unreachable', 'upstream_invalid_response']);
    const entry = await assertLoggedFailure(tag, seen.status, res);
    if (seen.status !== 200) assert.equal(entry.error, JSON.parse(seen.body.bytes).error.message, 'the entry has the error the client got');
  });
}

test('stall-head: cf-aig-request-timeout answers 504 upstream_timeout on time, and the log says so', async () => {
  const { res, tag, started } = await chat('stall-head', { 'x-mock-fault': 'stall-head', 'cf-aig-request-timeout': '1000' });
  const elapsed = Date.now() - started;
  assert.equal(res.status, 504);
  assert.ok(elapsed >= 950 && elapsed < 3000, `answered after ${elapsed} ms`);
  const error = (await res.json()).error;
  assert.equal(error.code, 'upstream_timeout');
  const entry = await assertLoggedFailure(tag, 504, res);
  assert.equal(entry.error, error.message);
});

test('stall-body (JSON): the body idle timeout ends the request with an error; the log records it', async () => {
  const { res, tag, started } = await chat('stall-body-json', {
    'x-mock-fault': 'stall-body', 'x-mock-stall-after-bytes': '20', 'cf-aig-request-timeout': '1000',
  });
  const seen = await assertClientSawFailure(res, ['upstream_timeout', 'upstream_unreachable']);
  const elapsed = seen.body.endedAt - started;
  assert.ok(elapsed < IDLE_TIMEOUT_MS + 3000, `the failure came after ${elapsed} ms, idle timeout ${IDLE_TIMEOUT_MS} ms`);
  await assertLoggedFailure(tag, seen.status, res);
});

test('stall-body (JSON) with logs and metrics off: the idle timeout still ends the request', async (t) => {
  // Nothing needs the body here (no log, no metrics point): it is still watched for a stall.
  const bare = await startGateway(
    mock.url,
    { UPSTREAM_IDLE_TIMEOUT_MS: String(IDLE_TIMEOUT_MS), LOGS_ENABLED: 'false' },
    { direct: true, analyticsEngineDatasets: {} },
  );
  t.after(() => bare.close());
  const started = Date.now();
  const res = await fetch(`${bare.url}/v1/acct/gw/openai/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test', 'x-mock-fault': 'stall-body', 'x-mock-stall-after-bytes': '20' },
    body: JSON.stringify(CHAT),
    signal: AbortSignal.timeout(CLIENT_PATIENCE_MS),
  });
  const seen = await assertClientSawFailure(res, ['upstream_timeout', 'upstream_unreachable']);
  const elapsed = seen.body.endedAt - started;
  assert.ok(elapsed < IDLE_TIMEOUT_MS + 3000, `the failure came after ${elapsed} ms, idle timeout ${IDLE_TIMEOUT_MS} ms`);
  assert.equal(res.headers.get('cf-aig-log-id'), null, 'nothing was logged');
});

test('stall-body (SSE): after a few events the stream ends with the error event within about the idle timeout', async () => {
  const { res, tag, started } = await chat('stall-body-sse', { 'x-mock-fault': 'stall-body', 'x-mock-stall-after-bytes': '600', 'x-mock-chunks': '20' }, { ...CHAT, stream: true });
  assert.equal(res.status, 200);
  const { bytes, error, endedAt } = await readAll(res);
  assert.equal(error, null, 'the stream ends cleanly, with an event saying why');
  const text = bytes.toString();
  assert.match(text, /"content":"tok0 "/, 'the events before the stall arrived');
  assert.ok(bytes.length > 600, 'the bytes before the stall, and an end after them');
  assert.equal(lastEvent(text)?.error?.code, 'upstream_stream_error', `the stream ends with the error event, not: ${text.slice(-200)}`);
  const elapsed = endedAt - started;
  assert.ok(elapsed >= IDLE_TIMEOUT_MS - 100 && elapsed < IDLE_TIMEOUT_MS + 3000, `the stream ended after ${elapsed} ms`);
  await assertLoggedFailure(tag, 200, res);
});

test('garbage-sse: no crash; the client gets the bytes and a closing error event; the log records it', async () => {
  const { res, tag } = await chat('garbage-sse', { 'x-mock-fault': 'garbage-sse' }, { ...CHAT, stream: true });
  assert.equal(res.status, 200);
  const { bytes, error } = await readAll(res);
  assert.equal(error, null, 'the body ends cleanly');
  assert.ok(bytes.includes(Buffer.from([0xff, 0xfe])), 'the bytes pass unchanged, even those that are not UTF-8');
  assert.ok(bytes.length > GARBAGE_LINE_BYTES, `${bytes.length} bytes`);
  assert.equal(lastEvent(bytes.toString())?.error?.code, 'upstream_stream_error');
  await assertLoggedFailure(tag, 200, res);
  const after = await chat('after-garbage');
  assert.equal(after.res.status, 200, 'the gateway still answers');
  assert.equal((await after.res.json()).choices[0].message.content, 'tok0 tok1 tok2 ');
});

test('trickle: a slow but steady answer is not cut by the idle timeout (JSON and SSE)', async () => {
  // Pieces every quarter of the idle timeout; the ~270 bytes of the JSON answer and the ~1 KB of
  // the stream take about 11 pieces each, near three times the idle timeout in all.
  const trickle = { 'x-mock-trickle-ms': String(IDLE_TIMEOUT_MS / 4), 'x-mock-trickle-bytes': '24', 'cf-aig-request-timeout': String(IDLE_TIMEOUT_MS) };
  const json = await chat('trickle-json', trickle);
  assert.equal(json.res.status, 200);
  const answer = await readAll(json.res);
  assert.equal(answer.error, null);
  assert.ok(answer.endedAt - json.started > 2 * IDLE_TIMEOUT_MS, 'the answer took longer than the idle timeout in all');
  assert.equal(JSON.parse(answer.bytes).choices[0].message.content, 'tok0 tok1 tok2 ');
  const entry = await waitForTaggedLog(gw, json.tag);
  assert.equal(entry.success, true, entry.error);
  assert.equal(entry.tokens_out, 3);

  const sse = await chat('trickle-sse', { ...trickle, 'x-mock-trickle-bytes': '96' }, { ...CHAT, stream: true });
  const stream = await readAll(sse.res);
  assert.equal(stream.error, null);
  assert.ok(stream.endedAt - sse.started > 2 * IDLE_TIMEOUT_MS);
  assert.match(stream.bytes.toString(), /data: \[DONE\]\n\n$/, 'the stream ends normally, without an error event');
  assert.equal((await waitForTaggedLog(gw, sse.tag)).success, true);
});

for (const [shape, headers, stream] of [
  ['JSON with content-length', {}, false],
  ['JSON without content-length', { 'x-mock-no-length': '1' }, false],
  ['SSE stream', {}, true],
]) {
  test(`a 20 MiB answer (${shape}) is logged with the usage from its tail and a body cut to LOG_BODY_MAX_BYTES`, async () => {
    const size = 20 * 1024 * 1024;
    // A stream's client asks for usage: one that does not never sees it (the gateway hides the
    // usage it asks for on the client's behalf), and the test reads it from the bytes received.
    const asks = stream ? { stream_options: { include_usage: true } } : {};
    const { res, tag } = await chat(`huge-${shape}`, { 'x-mock-body-bytes': String(size), ...headers }, { ...CHAT, stream, ...asks });
    assert.equal(res.status, 200);
    const { bytes, error } = await readAll(res);
    assert.equal(error, null);
    assert.ok(bytes.length >= size, `${bytes.length} bytes`);
    const usage = [...bytes.subarray(-4096).toString().matchAll(/"usage":(\{[^}]*\})/g)].at(-1);
    const { completion_tokens: tokensOut, prompt_tokens: tokensIn } = JSON.parse(usage[1]);
    const entry = await waitForTaggedLog(gw, tag);
    assert.equal(entry.success, true, entry.error);
    assert.equal(entry.tokens_in, tokensIn, 'tokens in, from the usage at the end of the body');
    assert.equal(entry.tokens_out, tokensOut, 'tokens out, from the usage at the end of the body');
    assert.equal(entry.tokens_estimated, false);
    const stored = entry.response_body;
    assert.ok(stored.endsWith(`${TRUNCATION_MARKER}${bytes.length} bytes]`), `the stored body ends: ${stored.slice(-80)}`);
    assert.equal(Buffer.byteLength(stored.slice(0, stored.indexOf(TRUNCATION_MARKER))), LOG_BODY_MAX_BYTES);
    assert.ok(bytes.subarray(0, LOG_BODY_MAX_BYTES).toString() === stored.slice(0, stored.indexOf(TRUNCATION_MARKER)), 'the stored body is the head of the answer');
  });
}
