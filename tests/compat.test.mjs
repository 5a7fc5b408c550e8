// The compat endpoint: one OpenAI-shaped (or Anthropic-shaped) API for every provider, with the
// official SDKs on the client side and the mock upstream speaking each provider's own format.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startMockUpstream } from './support/mock-upstream.mjs';
import { startGateway, ADMIN_TOKEN } from './support/gateway.mjs';

let mock, gw, openai, anthropic;
before(async () => {
  mock = await startMockUpstream();
  gw = await startGateway(mock.url, { COMPAT_ALIASES: JSON.stringify({ fast: 'groq/llama-3.1-8b-instant' }) });
  const baseURL = `${gw.url}/v1/acct/gw/compat`;
  openai = new OpenAI({ apiKey: 'sk-client', baseURL, maxRetries: 0 });
  anthropic = new Anthropic({ apiKey: 'sk-client', baseURL, maxRetries: 0 });
});
after(async () => { await gw?.close(); await mock?.close(); });
beforeEach(() => mock.reset());

const weather = {
  type: 'function',
  function: { name: 'get_weather', description: 'Weather of a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};
const lastRequest = async () => (await mock.requests()).at(-1);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The log entry `id`, once written (after the response, in waitUntil). */
async function logEntry(id) {
  for (let i = 0; i < 100; i++) {
    const res = await fetch(`${gw.url}/api/logs/${id}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    if (res.status === 200) return res.json();
    await sleep(50);
  }
  throw new Error(`log ${id} was not written`);
}

for (const [label, model, upstreamPath, keyHeader] of [
  ['anthropic', 'anthropic/claude-sonnet-4-5', '/anthropic/v1/messages', 'x-api-key'],
  ['gemini', 'google-ai-studio/gemini-2.5-flash', '/google-ai-studio/v1beta/models/gemini-2.5-flash:generateContent', 'x-goog-api-key'],
]) {
  test(`openai SDK → ${label}: a chat completion, translated both ways`, async () => {
    const completion = await openai.chat.completions.create({
      model,
      messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hi' }],
      temperature: 0.5,
    });
    assert.equal(completion.object, 'chat.completion');
    assert.equal(completion.choices[0].message.role, 'assistant');
    assert.equal(completion.choices[0].message.content, 'tok0 tok1 tok2 ');
    assert.equal(completion.choices[0].finish_reason, 'stop');
    assert.ok(completion.usage.prompt_tokens > 0);
    assert.equal(completion.usage.completion_tokens, 3);
    const seen = await lastRequest();
    assert.equal(seen.path, upstreamPath);
    assert.equal(seen.headers[keyHeader], 'sk-client', 'the client key, in the header the provider expects');
    assert.equal(seen.headers.authorization, undefined, 'no second copy of the key');
    if (label === 'anthropic') {
      assert.equal(seen.payload.system, 'Be brief.');
      assert.equal(seen.payload.max_tokens, 4096, 'the configured default max_tokens');
      assert.equal(seen.payload.model, 'claude-sonnet-4-5');
    } else {
      assert.deepEqual(seen.payload.systemInstruction.parts, [{ text: 'Be brief.' }]);
      assert.equal(seen.payload.generationConfig.temperature, 0.5);
    }
  });

  test(`openai SDK → ${label}: a streamed completion with usage`, async () => {
    const stream = await openai.chat.completions.create({
      model, stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }],
    });
    let text = '';
    let usage;
    let finish;
    for await (const chunk of stream) {
      assert.equal(chunk.object, 'chat.completion.chunk');
      text += chunk.choices[0]?.delta?.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    assert.equal(text, 'tok0 tok1 tok2 ');
    assert.equal(finish, 'stop');
    assert.equal(usage.completion_tokens, 3);
  });

  test(`openai SDK → ${label}: tool calls and tool results`, async () => {
    const first = await openai.chat.completions.create({ model, tools: [weather], messages: [{ role: 'user', content: 'Weather in Paris?' }] });
    const call = first.choices[0].message.tool_calls[0];
    assert.equal(first.choices[0].finish_reason, 'tool_calls');
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Paris' });
    const second = await openai.chat.completions.create({
      model, tools: [weather],
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        first.choices[0].message,
        { role: 'tool', tool_call_id: call.id, content: '{"temp":21}' },
      ],
    });
    assert.match(second.choices[0].message.content, /^tool said: .*21/);
    const seen = await lastRequest();
    if (label === 'anthropic') {
      const result = seen.payload.messages.at(-1).content[0];
      assert.equal(result.type, 'tool_result');
      assert.equal(result.tool_use_id, call.id);
    } else {
      const part = seen.payload.contents.at(-1).parts[0];
      assert.equal(part.functionResponse.name, 'get_weather', 'the function name is recovered from the history');
    }
  });

  test(`openai SDK → ${label}: streamed tool call arguments arrive as deltas`, async () => {
    const stream = await openai.chat.completions.create({ model, stream: true, tools: [weather], messages: [{ role: 'user', content: 'Weather?' }] });
    let name = '';
    let args = '';
    for await (const chunk of stream) {
      for (const call of chunk.choices[0]?.delta?.tool_calls ?? []) {
        name += call.function?.name ?? '';
        args += call.function?.arguments ?? '';
      }
    }
    assert.equal(name, 'get_weather');
    assert.deepEqual(JSON.parse(args), { city: 'Paris' });
  });

  test(`openai SDK → ${label}: provider errors keep their status, in OpenAI's shape`, async () => {
    await assert.rejects(
      openai.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] }, { headers: { 'x-mock-status': '429' } }),
      (err) => err instanceof OpenAI.RateLimitError && err.status === 429 && /mock upstream error 429/.test(err.message),
    );
  });
}

test('openai SDK → an OpenAI-compatible provider: forwarded with only the model rewritten', async () => {
  const body = { model: 'groq/llama-3.3-70b-versatile', messages: [{ role: 'user', content: 'hi' }], seed: 7, logit_bias: { 50256: -100 } };
  const completion = await openai.chat.completions.create(body);
  assert.equal(completion.choices[0].message.content, 'tok0 tok1 tok2 ');
  const seen = await lastRequest();
  assert.equal(seen.path, '/groq/v1/chat/completions');
  assert.equal(seen.payload.model, 'llama-3.3-70b-versatile');
  assert.equal(seen.payload.seed, 7, 'fields the gateway does not know pass through');
  assert.deepEqual(seen.payload.logit_bias, { 50256: -100 });
  assert.equal(seen.headers.authorization, 'Bearer sk-client');
});

test('aliases from COMPAT_ALIASES name a provider and model', async () => {
  await openai.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] });
  const seen = await lastRequest();
  assert.equal(seen.path, '/groq/v1/chat/completions');
  assert.equal(seen.payload.model, 'llama-3.1-8b-instant');
});

test('every answer names the model as the client sent it; the log keeps the provider\'s', async () => {
  // Translated (→ Anthropic), whole: the log reads the provider's name, not the answer's.
  const translated = await openai.chat.completions.create({ model: 'anthropic/claude-sonnet-4-5', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
  assert.equal(translated.data.model, 'anthropic/claude-sonnet-4-5');
  assert.equal((await logEntry(translated.response.headers.get('cf-aig-log-id'))).model, 'claude-sonnet-4-5');
  // Forwarded (an alias to an OpenAI-compatible provider), whole and streamed.
  const forwarded = await openai.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
  assert.equal(forwarded.data.model, 'fast');
  assert.equal((await logEntry(forwarded.response.headers.get('cf-aig-log-id'))).model, 'llama-3.1-8b-instant');
  const chunks = [];
  for await (const chunk of await openai.chat.completions.create({ model: 'fast', stream: true, messages: [{ role: 'user', content: 'hi' }] })) chunks.push(chunk);
  assert.ok(chunks.length > 1 && chunks.every((c) => c.model === 'fast'), JSON.stringify(chunks.map((c) => c.model)));
  // Translated streams (→ Gemini) and forwarded Anthropic streams.
  const gemini = [];
  for await (const chunk of await openai.chat.completions.create({ model: 'google-ai-studio/gemini-2.5-flash', stream: true, messages: [{ role: 'user', content: 'hi' }] })) gemini.push(chunk.model);
  assert.ok(gemini.length > 1 && gemini.every((m) => m === 'google-ai-studio/gemini-2.5-flash'), JSON.stringify(gemini));
  const stream = anthropic.messages.stream({ model: 'anthropic/claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] });
  assert.equal((await stream.finalMessage()).model, 'anthropic/claude-sonnet-4-5');
  const message = await anthropic.messages.create({ model: 'google-ai-studio/gemini-2.5-flash', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(message.model, 'google-ai-studio/gemini-2.5-flash');
  // The Responses API, forwarded to OpenAI (whole and streamed) and translated.
  assert.equal((await openai.responses.create({ model: 'openai/gpt-5-mini', input: 'hi' })).model, 'openai/gpt-5-mini');
  const events = [];
  for await (const event of await openai.responses.create({ model: 'openai/gpt-5-mini', input: 'hi', stream: true })) {
    if (event.response) events.push(event.response.model);
  }
  assert.ok(events.length > 1 && events.every((m) => m === 'openai/gpt-5-mini'), JSON.stringify(events));
  assert.equal((await openai.responses.create({ model: 'fast', input: 'hi' })).model, 'fast');
});

test('anthropic SDK → compat/messages → an OpenAI-shaped provider', async () => {
  const message = await anthropic.messages.create({
    model: 'openai/gpt-4o-mini', max_tokens: 100, system: 'Be brief.', messages: [{ role: 'user', content: 'hi' }],
  });
  assert.equal(message.type, 'message');
  assert.equal(message.role, 'assistant');
  assert.equal(message.content[0].text, 'tok0 tok1 tok2 ');
  assert.equal(message.stop_reason, 'end_turn');
  assert.equal(message.usage.output_tokens, 3);
  const seen = await lastRequest();
  assert.equal(seen.path, '/openai/v1/chat/completions');
  assert.deepEqual(seen.payload.messages[0], { role: 'system', content: 'Be brief.' });
  assert.equal(seen.payload.max_tokens, 100);
  assert.equal(seen.headers.authorization, 'Bearer sk-client');
  assert.equal(seen.headers['x-api-key'], undefined);
});

test('anthropic SDK → compat/messages: a streamed message, events in Anthropic\'s shape', async () => {
  const stream = anthropic.messages.stream({ model: 'groq/llama-3.3-70b-versatile', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] });
  const events = [];
  stream.on('streamEvent', (e) => events.push(e.type));
  const message = await stream.finalMessage();
  assert.equal(message.content[0].text, 'tok0 tok1 tok2 ');
  assert.equal(message.stop_reason, 'end_turn');
  assert.equal(events[0], 'message_start');
  assert.ok(events.includes('content_block_delta'));
  assert.equal(events.at(-1), 'message_stop');
});

test('anthropic SDK → compat/messages: tool use round trip', async () => {
  const tools = [{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }];
  const first = await anthropic.messages.create({ model: 'openai/gpt-4o-mini', max_tokens: 100, tools, messages: [{ role: 'user', content: 'Weather?' }] });
  const use = first.content.find((b) => b.type === 'tool_use');
  assert.equal(first.stop_reason, 'tool_use');
  assert.equal(use.name, 'get_weather');
  assert.deepEqual(use.input, { city: 'Paris' });
  const second = await anthropic.messages.create({
    model: 'openai/gpt-4o-mini', max_tokens: 100, tools,
    messages: [
      { role: 'user', content: 'Weather?' },
      { role: 'assistant', content: first.content },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'sunny' }] },
    ],
  });
  assert.equal(second.content[0].text, 'tool said: sunny');
  const seen = await lastRequest();
  assert.deepEqual(seen.payload.messages.at(-1), { role: 'tool', tool_call_id: use.id, content: 'sunny' });
});

test('anthropic SDK → compat/messages: errors come back in Anthropic\'s shape', async () => {
  await assert.rejects(
    anthropic.messages.create({ model: 'openai/gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }, { headers: { 'x-mock-status': '503' } }),
    (err) => err instanceof Anthropic.APIError && err.status === 503 && err.error?.type === 'error',
  );
  await assert.rejects(
    anthropic.messages.create({ model: 'no-provider', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
    (err) => err.status === 400 && err.error?.error?.type === 'invalid_request_error',
  );
});

test('openai SDK → anthropic: an answer that is not JSON is a 502 upstream_invalid_response, and logged so', async () => {
  let error;
  await assert.rejects(
    openai.chat.completions.create({ model: 'anthropic/claude-sonnet-4-5', messages: [{ role: 'user', content: 'hi' }] }, { headers: { 'x-mock-garbage': '200' } }),
    (err) => { error = err; return err instanceof OpenAI.InternalServerError; },
  );
  assert.equal(error.status, 502);
  assert.equal(error.code, 'upstream_invalid_response');
  assert.equal(error.type, 'upstream_error');
  assert.match(error.message, /could not translate the provider's Anthropic answer \(HTTP 200\): upstream sent invalid JSON/);
  assert.doesNotMatch(error.message, /chatcmpl-mock/, 'nothing of the body is quoted');
  const entry = await logEntry(error.headers.get('cf-aig-log-id'));
  assert.equal(entry.status, 502);
  assert.equal(entry.success, false);
  assert.equal(entry.error, error.error.message);
});

test('anthropic SDK → compat/messages: an untranslatable answer is a 502 in Anthropic\'s shape', async () => {
  await assert.rejects(
    anthropic.messages.create({ model: 'openai/gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }, { headers: { 'x-mock-garbage': '200' } }),
    (err) => err instanceof Anthropic.InternalServerError && err.status === 502 && err.error?.type === 'error'
      && err.error.error.type === 'api_error' && /could not translate the provider's OpenAI answer/.test(err.error.error.message),
  );
});

test('openai SDK → anthropic: a proxy\'s HTML error page keeps its status and is described, not quoted', async () => {
  await assert.rejects(
    openai.chat.completions.create({ model: 'anthropic/claude-sonnet-4-5', messages: [{ role: 'user', content: 'hi' }] }, { headers: { 'x-mock-garbage': '503' } }),
    (err) => err.status === 503 && err.code === 'upstream_invalid_response'
      && /HTTP 503 with an HTML page titled "503 Bad Gateway"/.test(err.message) && !/nginx/.test(err.message),
  );
});

test('embeddings: OpenAI-compatible forwarded, Gemini translated', async () => {
  const viaOpenAi = await openai.embeddings.create({ model: 'openai/text-embedding-3-small', input: ['a', 'b'] });
  assert.equal(viaOpenAi.data.length, 2);
  assert.equal((await lastRequest()).path, '/openai/v1/embeddings');
  const viaGemini = await openai.embeddings.create({ model: 'google-ai-studio/gemini-embedding-001', input: ['a', 'b'] });
  assert.equal(viaGemini.data.length, 2);
  assert.deepEqual(viaGemini.data.map((d) => d.index), [0, 1]);
  assert.deepEqual(viaGemini.data[0].embedding, viaOpenAi.data[0].embedding, 'the same text, the same mock vector');
  assert.equal((await lastRequest()).path, '/google-ai-studio/v1beta/models/gemini-embedding-001:batchEmbedContents');
});

test('compat/models lists aliases and routable providers', async () => {
  const list = await openai.models.list();
  const ids = list.data.map((m) => m.id);
  assert.ok(ids.includes('fast'));
  assert.ok(ids.includes('anthropic/*'));
});

test('a model without a provider is a 400 that says what is expected', async () => {
  await assert.rejects(openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
    (err) => err.status === 400 && /\{provider\}\/\{model\}/.test(err.message));
});
