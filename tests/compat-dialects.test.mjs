// The compat endpoint as real clients use it: what an Anthropic-speaking client (the SDK's
// structured outputs, Claude Code's system entries and token counts) or an OpenAI one (base64
// embeddings) asks of a provider speaking another API, against the mock upstream.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { jsonSchemaOutputFormat } from '@anthropic-ai/sdk/helpers/json-schema';
import { base64Vector, startMockUpstream, vectorFor } from './support/mock-upstream.mjs';
import { startGateway } from './support/gateway.mjs';
import { THINKING, THOUGHT_SIGNATURE } from './support/mock-thinking.mjs';

let mock, gw, anthropic;
before(async () => {
  mock = await startMockUpstream();
  gw = await startGateway(mock.url);
  anthropic = new Anthropic({ apiKey: 'sk-client', baseURL: `${gw.url}/v1/acct/gw/compat`, maxRetries: 0 });
});
after(async () => { await gw?.close(); await mock?.close(); });
beforeEach(() => mock.reset());

const lastRequest = async () => (await mock.requests()).at(-1);
const OTHER_PROVIDERS = [['openai', 'openai/gpt-4o-mini'], ['gemini', 'google-ai-studio/gemini-2.5-flash']];

for (const [label, model] of OTHER_PROVIDERS) {
  test(`anthropic SDK → compat/messages → ${label}: structured outputs parse`, async () => {
    const schema = { type: 'object', properties: { answer: { type: 'number' }, unit: { type: 'string', enum: ['cm', 'm'] } }, required: ['answer', 'unit'] };
    const message = await anthropic.messages.parse({
      model, max_tokens: 100, messages: [{ role: 'user', content: 'How long?' }],
      output_config: { format: jsonSchemaOutputFormat(schema) },
    });
    assert.deepEqual(message.parsed_output, { answer: 1.5, unit: 'cm' });
    const seen = (await lastRequest()).payload;
    if (label === 'openai') {
      assert.equal(seen.response_format.type, 'json_schema');
      assert.deepEqual(seen.response_format.json_schema.schema.required, ['answer', 'unit']);
    } else {
      assert.equal(seen.generationConfig.responseMimeType, 'application/json');
      assert.deepEqual(Object.keys(seen.generationConfig.responseSchema.properties), ['answer', 'unit']);
    }
  });
}

test('openai SDK → compat/embeddings: base64 vectors (the SDK\'s default) from every backend', async () => {
  const openai = new OpenAI({ apiKey: 'sk-client', baseURL: `${gw.url}/v1/acct/gw/compat`, maxRetries: 0 });
  const expected = (text) => Array.from(new Float32Array(vectorFor(text)));
  for (const [model, headers] of [
    ['google-ai-studio/gemini-embedding-001', {}],
    ['openai/text-embedding-3-small', {}],
    // A provider that ignores `encoding_format` and answers numbers.
    ['mistral/mistral-embed', { 'x-mock-float-embeddings': '1' }],
  ]) {
    // Without `encoding_format` the SDK asks for base64 and decodes it.
    const decoded = await openai.embeddings.create({ model, input: ['a', 'b'] }, { headers });
    assert.deepEqual(decoded.data.map((d) => d.embedding), [expected('a'), expected('b')], model);
    assert.equal((await lastRequest()).payload?.encoding_format ?? 'base64', 'base64');
    const raw = await openai.embeddings.create({ model, input: 'a', encoding_format: 'base64' }, { headers });
    assert.equal(raw.data[0].embedding, base64Vector(vectorFor('a')), model);
    const floats = await openai.embeddings.create({ model, input: 'a', encoding_format: 'float' }, { headers });
    assert.deepEqual(floats.data[0].embedding, vectorFor('a'), model);
  }
});

test('anthropic SDK → compat/messages/count_tokens: Anthropic\'s count, Gemini\'s countTokens, or the estimate', async () => {
  const request = { system: 'Be brief.', messages: [{ role: 'user', content: 'How many tokens is this?' }] };
  const quarterOf = (value) => Math.ceil(JSON.stringify(value).length / 4);

  const viaAnthropic = await anthropic.messages.countTokens({ model: 'anthropic/claude-sonnet-4-5', ...request });
  let seen = await lastRequest();
  assert.equal(seen.path, '/anthropic/v1/messages/count_tokens');
  assert.equal(seen.payload.model, 'claude-sonnet-4-5');
  assert.equal(viaAnthropic.input_tokens, quarterOf(request.messages), 'the provider\'s own count');

  const viaGemini = await anthropic.messages.countTokens({ model: 'google-ai-studio/gemini-2.5-flash', ...request });
  seen = await lastRequest();
  assert.equal(seen.path, '/google-ai-studio/v1beta/models/gemini-2.5-flash:countTokens');
  assert.equal(seen.payload.generateContentRequest.systemInstruction.parts[0].text, 'Be brief.');
  assert.equal(viaGemini.input_tokens, quarterOf(seen.payload), 'Gemini\'s totalTokens');

  await mock.reset();
  const viaOpenAi = await anthropic.messages.countTokens({ model: 'openai/gpt-4o-mini', ...request });
  // The documented estimate: ⌈(9 + 24 characters) / 4⌉, and no upstream call.
  assert.equal(viaOpenAi.input_tokens, 9);
  assert.deepEqual(await mock.requests(), []);

  const res = await fetch(`${gw.url}/v1/acct/gw/compat/messages/count_tokens`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'sk' },
    body: JSON.stringify({ model: 'groq/llama-3.1-8b-instant', ...request }),
  });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { input_tokens: 9 });
});

for (const [label, model] of OTHER_PROVIDERS) {
  test(`anthropic SDK → compat/messages → ${label}: system entries inside messages, as Claude Code sends them`, async () => {
    const message = await anthropic.messages.create({
      model, max_tokens: 100, system: 'You are a coding agent.',
      messages: [
        { role: 'system', content: 'Skills: none.' },
        { role: 'user', content: 'hi' },
        { role: 'system', content: [{ type: 'text', text: '<system-reminder>Tokens left: 100.</system-reminder>' }] },
      ],
    });
    assert.equal(message.content[0].text, 'tok0 tok1 tok2 ');
    const seen = (await lastRequest()).payload;
    if (label === 'openai') {
      assert.deepEqual(seen.messages.map((m) => `${m.role}: ${m.content}`), [
        'system: You are a coding agent.', 'system: Skills: none.', 'user: hi',
        'system: <system-reminder>Tokens left: 100.</system-reminder>',
      ]);
    } else {
      assert.equal(seen.systemInstruction.parts[0].text, 'You are a coding agent.');
      assert.deepEqual(seen.contents, [{ role: 'user', parts: [
        { text: 'Skills: none.' }, { text: 'hi' }, { text: '<system-reminder>Tokens left: 100.</system-reminder>' },
      ] }]);
    }
  });
}

test('anthropic SDK → compat/messages: a bad role is refused in Anthropic\'s wording and type', async () => {
  await assert.rejects(
    anthropic.messages.create({ model: 'openai/gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user', content: 'a' }, { role: 'tool', content: 'b' }] }),
    (err) => err instanceof Anthropic.BadRequestError
      && err.error?.type === 'error' && err.error?.error?.type === 'invalid_request_error'
      && err.error?.error?.message === "messages.1.role: Input should be 'user' or 'assistant'",
  );
});

test('anthropic SDK → compat/messages → gemini: a coding agent\'s tool schemas are cleaned to what Gemini takes', async () => {
  // The JSON Schema features of Claude Code's built-in tools, and properties named like keywords.
  const input_schema = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    additionalProperties: false,
    properties: {
      command: { type: 'string', description: 'The command' },
      timeout: { type: 'number', exclusiveMinimum: 0, maximum: 600000 },
      env: { type: 'object', propertyNames: { pattern: '^[A-Z_]+$' }, additionalProperties: { type: 'string' } },
      mode: { const: 'run' },
      type: { type: 'string', enum: ['bash', 'sh'] },
      format: { type: ['string', 'null'] },
    },
    required: ['command'],
  };
  const message = await anthropic.messages.create({
    model: 'google-ai-studio/gemini-2.5-flash', max_tokens: 100,
    messages: [{ role: 'user', content: 'list files' }],
    tools: [{ name: 'Bash', description: 'Run a command', input_schema }, { name: 'Now', input_schema: { type: 'object', properties: {} } }],
  });
  assert.equal(message.stop_reason, 'tool_use');
  assert.equal(message.content.find((b) => b.type === 'tool_use').name, 'Bash');
  const [bash, now] = (await lastRequest()).payload.tools[0].functionDeclarations;
  assert.deepEqual(bash.parameters, {
    type: 'object',
    properties: {
      command: { type: 'string', description: 'The command' },
      timeout: { type: 'number', minimum: 0, maximum: 600000 },
      env: { type: 'object' },
      mode: { type: 'string', enum: ['run'] },
      type: { type: 'string', enum: ['bash', 'sh'] },
      format: { type: 'string', nullable: true },
    },
    required: ['command'],
  });
  assert.deepEqual(now, { name: 'Now' }, 'no parameters rather than an empty object, which Gemini refuses');
});

test('anthropic SDK → compat/messages → an OpenAI reasoning model: max_completion_tokens, not max_tokens', async () => {
  const message = await anthropic.messages.create({ model: 'openai/o4-mini', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(message.content[0].text, 'tok0 tok1 tok2 ');
  const seen = (await lastRequest()).payload;
  assert.equal(seen.max_completion_tokens, 100);
  assert.equal(seen.max_tokens, undefined);
});

const WEATHER = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };

for (const [label, model] of [['openai', 'openai/o4-mini'], ['gemini', 'google-ai-studio/gemini-2.5-flash']]) {
  for (const stream of [false, true]) {
    test(`anthropic SDK with thinking and a tool → compat/messages → ${label}${stream ? ', streamed' : ''}: a two-turn tool loop keeps the thinking`, async () => {
      const params = { model, max_tokens: 4000, thinking: { type: 'enabled', budget_tokens: 3000 }, tools: [{ name: 'weather', input_schema: WEATHER }] };
      const ask = (messages) => (stream
        ? anthropic.messages.stream({ ...params, messages }).finalMessage()
        : anthropic.messages.create({ ...params, messages }));
      const history = [{ role: 'user', content: 'Weather in Paris?' }];
      const first = await ask(history);
      assert.equal(first.stop_reason, 'tool_use');
      assert.deepEqual(first.content.map((b) => b.type), ['thinking', 'tool_use']);
      const [thinking, toolUse] = first.content;
      assert.equal(thinking.thinking, THINKING.call);
      assert.deepEqual(toolUse.input, { city: 'Paris' });
      // The SDK's tool loop: the answer's blocks as they came, then the tool's result.
      history.push({ role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUse.id, content: 'sunny' }] });
      const second = await ask(history);
      assert.equal(second.content.find((b) => b.type === 'thinking')?.thinking, THINKING.result);
      assert.match(second.content.find((b) => b.type === 'text').text, /^tool said: .*sunny/);

      const [asked, answered] = (await mock.requests()).map((r) => r.payload);
      if (label === 'gemini') {
        assert.deepEqual(asked.generationConfig.thinkingConfig, { thinkingBudget: 3000, includeThoughts: true });
        // The mock refuses a function call without its signature, as Gemini 3 does; checked here too.
        const call = answered.contents[1].parts.find((p) => p.functionCall);
        assert.equal(call.thoughtSignature, THOUGHT_SIGNATURE);
        assert.equal(answered.contents[1].parts.some((p) => p.thought), false, 'unsigned thought summaries are not sent back');
      } else {
        assert.equal(asked.reasoning_effort, 'low');
        assert.equal(asked.max_completion_tokens, 4000);
        // The mock refuses `reasoning_content` in the history, as DeepSeek does; checked here too.
        assert.equal(answered.messages[1].reasoning_content, undefined);
        assert.equal(answered.messages[1].tool_calls[0].id, 'call_mock1');
      }
    });
  }
}

for (const stream of [false, true]) {
  test(`openai SDK with reasoning_effort and a tool → compat/chat/completions → gemini${stream ? ', streamed' : ''}: the thought signature survives the tool loop`, async () => {
    const openai = new OpenAI({ apiKey: 'sk-client', baseURL: `${gw.url}/v1/acct/gw/compat`, maxRetries: 0 });
    const params = { model: 'google-ai-studio/gemini-2.5-flash', reasoning_effort: 'low', tools: [{ type: 'function', function: { name: 'weather', parameters: WEATHER } }] };
    const ask = (messages) => (stream
      ? openai.chat.completions.stream({ ...params, messages }).finalChatCompletion()
      : openai.chat.completions.create({ ...params, messages }));
    const history = [{ role: 'user', content: 'Weather in Paris?' }];
    const first = await ask(history);
    const message = first.choices[0].message;
    assert.equal(first.choices[0].finish_reason, 'tool_calls');
    assert.equal(message.reasoning_content, THINKING.call);
    const call = message.tool_calls[0];
    assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Paris' });
    history.push(message, { role: 'tool', tool_call_id: call.id, content: 'sunny' });
    const second = await ask(history);
    assert.match(second.choices[0].message.content, /^tool said: .*sunny/);
    const [asked, answered] = (await mock.requests()).map((r) => r.payload);
    assert.deepEqual(asked.generationConfig.thinkingConfig, { thinkingBudget: 2048, includeThoughts: true });
    assert.equal(answered.contents[1].parts.find((p) => p.functionCall).thoughtSignature, THOUGHT_SIGNATURE);
    assert.equal(answered.contents[2].parts[0].functionResponse.name, 'weather');
  });
}
