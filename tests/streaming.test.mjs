// Streams pass through as they come: never buffered; a cut stream ends with an explicit error
// event that SDKs raise on; a plugin that watches the stream does so on the side.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMockUpstream } from './support/mock-upstream.mjs';
import { startGateway } from './support/gateway.mjs';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';

let mock, gw;
before(async () => {
  mock = await startMockUpstream();
  gw = await startGateway(mock.url, { PLUGINS: 'access-log' });
});
after(async () => { await gw?.close(); await mock?.close(); });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function streamRequest(headers = {}) {
  return fetch(`${gw.url}/v1/acct/gw/openai/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk', ...headers },
    body: JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
  });
}

async function waitFor(predicate, what, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await predicate();
    if (value) return value;
    await sleep(20);
  }
  assert.fail(`timed out waiting for ${what}`);
}

test('the client reads the first chunk while the upstream still holds the last one', async () => {
  const gate = `gate-${Date.now()}`;
  const res = await streamRequest({ 'x-mock-gate': gate });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /text\/event-stream/);
  const reader = res.body.getReader();
  const first = await reader.read();
  assert.ok(!first.done);
  assert.match(new TextDecoder().decode(first.value), /^data: \{"id":"chatcmpl-mock"/);
  // The upstream is still holding the final events: the gateway did not wait for them.
  assert.equal(await mock.gateWaiting(gate), true);
  await mock.release(gate);
  let rest = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    rest += new TextDecoder().decode(value);
  }
  assert.match(rest, /data: \[DONE\]\n\n$/);
});

test('events arrive as the upstream sends them, not all at the end', async () => {
  const res = await streamRequest({ 'x-mock-delay-ms': '150', 'x-mock-chunks': '4' });
  const reader = res.body.getReader();
  const arrivals = [];
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
    arrivals.push(Date.now());
  }
  assert.match(text, /\[DONE\]/);
  // 8 events 150 ms apart: spread over about a second, so they cannot have come in one piece.
  assert.ok(arrivals.length >= 4, `only ${arrivals.length} reads`);
  assert.ok(arrivals.at(-1) - arrivals[0] >= 600, 'chunks arrived together: the stream was buffered');
});

test('a stream cut by the upstream ends with an explicit error event, not a silent truncation', async () => {
  const res = await streamRequest({ 'x-mock-cut-after': '2' });
  assert.equal(res.status, 200);
  const text = await res.text();
  assert.match(text, /"content":"tok0 "/, 'what came before the cut arrived');
  assert.doesNotMatch(text, /\[DONE\]/);
  assert.doesNotMatch(text, /"finish_reason":"stop"/);
  const last = text.trim().split('\n\n').at(-1);
  const error = JSON.parse(last.replace(/^data: /, ''));
  assert.equal(error.error.code, 'upstream_stream_error');
  assert.match(error.error.message, /broke mid-stream/);
});

test('the openai SDK raises on a cut stream instead of returning a truncated answer', async () => {
  const client = new OpenAI({ apiKey: 'sk-test', baseURL: `${gw.url}/v1/acct/gw/openai`, maxRetries: 0 });
  const stream = await client.chat.completions.create(
    { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] },
    { headers: { 'x-mock-cut-after': '3' } },
  );
  let text = '';
  await assert.rejects(async () => {
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
  }, /incomplete/);
  assert.equal(text, 'tok0 tok1 ', 'the deltas before the cut were delivered');
});

test('the anthropic SDK raises on a cut stream', async () => {
  const client = new Anthropic({ apiKey: 'sk-ant', baseURL: `${gw.url}/v1/acct/gw/anthropic`, maxRetries: 0 });
  const stream = client.messages.stream(
    { model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] },
    { headers: { 'x-mock-cut-after': '3' } },
  );
  await assert.rejects(() => stream.finalMessage(), /incomplete/);
});

test('a watching plugin sees every event, off the hot path, and notices a cut', async () => {
  const before = gw.logs.length;
  const res = await streamRequest({ 'x-mock-chunks': '3' });
  await res.text();
  const line = await waitFor(() => gw.logs.slice(before).find((l) => l.includes('ai-gateway access')), 'the access log line');
  const entry = JSON.parse(line.slice(line.indexOf('{')));
  // role chunk + 3 deltas + finish chunk + usage chunk + [DONE]
  assert.equal(entry.stream_events, 7);
  assert.equal(entry.stream_complete, true);
  assert.equal(entry.stream_done_marker, true);
  assert.equal(entry.provider, 'openai');
  assert.equal(entry.status, 200);

  const mark = gw.logs.length;
  const cut = await streamRequest({ 'x-mock-cut-after': '2' });
  await cut.text().catch(() => {});
  const cutLine = await waitFor(() => gw.logs.slice(mark).find((l) => l.includes('ai-gateway access')), 'the cut stream\'s log line');
  const cutEntry = JSON.parse(cutLine.slice(cutLine.indexOf('{')));
  assert.equal(cutEntry.stream_events, 2);
  assert.equal(cutEntry.stream_complete, false);
  assert.equal(cutEntry.stream_done_marker, null);
});

// A stream's end is judged by the API of the path, not by the provider: the `openai` provider
// serves Chat Completions (ends with [DONE]) and the Responses API (ends with response.completed).
test('a streamed Responses API call through the openai provider ends cleanly on response.completed', async () => {
  const client = new OpenAI({ apiKey: 'sk-test', baseURL: `${gw.url}/v1/acct/gw/openai`, maxRetries: 0 });
  const stream = await client.responses.create({ model: 'gpt-4.1-mini', input: 'hi', stream: true }, { headers: { 'x-mock-chunks': '4' } });
  const types = [];
  let text = '';
  for await (const event of stream) {
    types.push(event.type);
    if (event.type === 'response.output_text.delta') text += event.delta;
  }
  assert.equal(text, 'tok0 tok1 tok2 tok3 ');
  assert.equal(types.at(-1), 'response.completed', `events: ${types.join(', ')}`);
  assert.ok(!types.includes('error'), `events: ${types.join(', ')}`);

  // The helper that accumulates the answer gets the whole of it too.
  const final = await client.responses.stream({ model: 'gpt-4.1-mini', input: 'hi' }).finalResponse();
  assert.equal(final.output[0].content[0].text, 'tok0 tok1 tok2 ');
  assert.equal(final.status, 'completed');
});

test('a cut Responses API stream ends with an error event the openai SDK raises on', async () => {
  const client = new OpenAI({ apiKey: 'sk-test', baseURL: `${gw.url}/v1/acct/gw/openai`, maxRetries: 0 });
  const stream = await client.responses.create({ model: 'gpt-4.1-mini', input: 'hi', stream: true }, { headers: { 'x-mock-cut-after': '6' } });
  let text = '';
  await assert.rejects(async () => {
    for await (const event of stream) if (event.type === 'response.output_text.delta') text += event.delta;
  }, /broke mid-stream/);
  assert.equal(text, 'tok0 tok1 ', 'the deltas before the cut were delivered');
});

test('a Responses stream that ended properly is logged as complete and replayed from the cache', async () => {
  const body = JSON.stringify({ model: 'gpt-4.1-mini', input: `cache me ${Date.now()}`, stream: true });
  const send = () => fetch(`${gw.url}/v1/acct/gw/openai/responses`, {
    method: 'POST', body, headers: { 'content-type': 'application/json', authorization: 'Bearer sk', 'cf-aig-cache-ttl': '600' },
  });
  const mark = gw.logs.length;
  const first = await send();
  const firstText = await first.text();
  assert.doesNotMatch(firstText, /upstream_stream_error/);
  const line = await waitFor(() => gw.logs.slice(mark).find((l) => l.includes('ai-gateway access')), 'the access log line');
  assert.equal(JSON.parse(line.slice(line.indexOf('{'))).stream_complete, true);
  const second = await waitFor(async () => {
    const res = await send();
    const text = await res.text();
    return res.headers.get('cf-aig-cache-status') === 'HIT' && text;
  }, 'a cache hit');
  assert.equal(second, firstText);
});

test('streams of the other APIs end on their own terminal events, whichever provider serves them', async () => {
  const post = (path, payload) => fetch(`${gw.url}/v1/acct/gw/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk', 'x-api-key': 'sk', 'x-goog-api-key': 'k' },
    body: JSON.stringify(payload),
  });
  const chat = { model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] };
  const cases = [
    // Gemini's OpenAI-compatible endpoint ends with [DONE], not with a chunk carrying finishReason.
    ['google-ai-studio/v1beta/openai/chat/completions', chat, /data: \[DONE\]\n\n$/],
    ['google-ai-studio/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse', { contents: [{ parts: [{ text: 'hi' }] }] }, /"finishReason":"STOP"/],
    ['anthropic/v1/messages', { ...chat, max_tokens: 16 }, /event: message_stop\ndata: \{"type":"message_stop"\}\n\n$/],
  ];
  for (const [path, payload, end] of cases) {
    const res = await post(path, payload);
    assert.equal(res.status, 200, path);
    const text = await res.text();
    assert.match(text, end, path);
    assert.doesNotMatch(text, /upstream_stream_error/, path);
  }
});
