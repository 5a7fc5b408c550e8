// The official SDKs pointed at the gateway: only the base URL changes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startMockUpstream } from './support/mock-upstream.mjs';
import { startGateway } from './support/gateway.mjs';

let mock, gw, openai, anthropic;
before(async () => {
  mock = await startMockUpstream();
  gw = await startGateway(mock.url);
  openai = new OpenAI({ apiKey: 'sk-test', baseURL: `${gw.url}/v1/acct/gw/openai`, maxRetries: 0 });
  anthropic = new Anthropic({ apiKey: 'sk-ant-test', baseURL: `${gw.url}/v1/acct/gw/anthropic`, maxRetries: 0 });
});
after(async () => { await gw?.close(); await mock?.close(); });

test('openai: chat completion', async () => {
  const completion = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(completion.object, 'chat.completion');
  assert.equal(completion.model, 'gpt-4o-mini');
  assert.equal(completion.choices[0].message.content, 'tok0 tok1 tok2 ');
  assert.equal(completion.usage.total_tokens, 8);
  const last = (await mock.requests()).at(-1);
  assert.equal(last.path, '/openai/v1/chat/completions');
  assert.equal(last.headers.authorization, 'Bearer sk-test');
});

test('openai: streamed chat completion', async () => {
  const stream = await openai.chat.completions.create({
    model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true },
  }, { headers: { 'x-mock-chunks': '5' } });
  let text = '';
  let usage;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta?.content ?? '';
    if (chunk.usage) usage = chunk.usage;
  }
  assert.equal(text, 'tok0 tok1 tok2 tok3 tok4 ');
  assert.equal(usage.completion_tokens, 5);
});

test('openai: upstream errors surface as the SDK\'s typed errors', async () => {
  await assert.rejects(
    openai.chat.completions.create({ model: 'm', messages: [] }, { headers: { 'x-mock-status': '429' } }),
    (err) => err instanceof OpenAI.RateLimitError && err.status === 429,
  );
  await assert.rejects(
    openai.chat.completions.create({ model: 'm', messages: [] }, { headers: { 'x-mock-status': '503' } }),
    (err) => err instanceof OpenAI.InternalServerError && err.status === 503,
  );
});

test('openai: gateway errors surface as the SDK\'s typed errors', async () => {
  const wrong = new OpenAI({ apiKey: 'sk', baseURL: `${gw.url}/v1/acct/gw/not-a-provider`, maxRetries: 0 });
  await assert.rejects(
    wrong.chat.completions.create({ model: 'm', messages: [] }),
    (err) => err instanceof OpenAI.BadRequestError && err.code === 'unknown_provider' && /valid providers/.test(err.message),
  );
});

test('anthropic: message', async () => {
  const message = await anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(message.type, 'message');
  assert.equal(message.content[0].text, 'tok0 tok1 tok2 ');
  assert.equal(message.usage.output_tokens, 3);
  const last = (await mock.requests()).at(-1);
  assert.equal(last.path, '/anthropic/v1/messages');
  // SDK versions differ in the header that carries the key (x-api-key, or Bearer in 1.x): both pass.
  const key = last.headers['x-api-key'] ?? last.headers.authorization?.replace(/^Bearer /, '');
  assert.equal(key, 'sk-ant-test');
  assert.ok(last.headers['anthropic-version']);
});

test('anthropic: streamed message', async () => {
  const stream = anthropic.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] }, { headers: { 'x-mock-chunks': '4' } });
  const deltas = [];
  stream.on('text', (t) => deltas.push(t));
  const final = await stream.finalMessage();
  assert.deepEqual(deltas, ['tok0 ', 'tok1 ', 'tok2 ', 'tok3 ']);
  assert.equal(final.stop_reason, 'end_turn');
  assert.equal(final.usage.output_tokens, 4);
});

test('anthropic: upstream errors surface as the SDK\'s typed errors', async () => {
  await assert.rejects(
    anthropic.messages.create({ model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'x' }] }, { headers: { 'x-mock-status': '529' } }),
    (err) => err instanceof Anthropic.APIError && err.status === 529,
  );
});

test('openai SDK against other providers: only the base URL (and Azure\'s query and key header) change', async () => {
  const cases = [
    [{ baseURL: `${gw.url}/v1/acct/gw/groq` }, '/groq/v1/chat/completions', ''],
    [{ baseURL: `${gw.url}/v1/acct/gw/grok/v1` }, '/grok/v1/chat/completions', ''],
    [{ baseURL: `${gw.url}/v1/acct/gw/deepseek` }, '/deepseek/chat/completions', ''],
    [{ baseURL: `${gw.url}/v1/acct123/gw/workers-ai/v1` }, '/workers-ai/acct123/v1/chat/completions', ''],
    [
      { baseURL: `${gw.url}/v1/acct/gw/azure-openai/my-resource/gpt-4o`, defaultQuery: { 'api-version': '2024-10-21' }, defaultHeaders: { 'api-key': 'azure-key' } },
      '/azure-openai/my-resource/gpt-4o/chat/completions',
      '?api-version=2024-10-21',
    ],
  ];
  for (const [options, path, query] of cases) {
    const client = new OpenAI({ apiKey: 'sk-test', maxRetries: 0, ...options });
    const completion = await client.chat.completions.create({ model: 'some-model', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(completion.choices[0].message.content, 'tok0 tok1 tok2 ');
    const last = (await mock.requests()).at(-1);
    assert.equal(last.path, path);
    assert.equal(last.query, query);
    if (options.defaultHeaders) assert.equal(last.headers['api-key'], 'azure-key');
  }
});
