// The OpenAI Responses API through the compat endpoint (`compat/responses`), driven by the
// official `openai` SDK: forwarded untranslated to OpenAI, which serves the API, and translated
// for Anthropic and Gemini models, whose upstream requests the mock records.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startMockUpstream } from './support/mock-upstream.mjs';
import { startGateway, ADMIN_TOKEN } from './support/gateway.mjs';

let mock, gw, client, base;
before(async () => {
  mock = await startMockUpstream();
  gw = await startGateway(mock.url, { COMPAT_ALIASES: JSON.stringify({ smart: 'anthropic/claude-sonnet-4-5' }) });
  base = `${gw.url}/v1/acct/gw/compat`;
  client = new OpenAI({ apiKey: 'sk-client', baseURL: base, maxRetries: 0 });
});
after(async () => { await gw?.close(); await mock?.close(); });
beforeEach(() => mock.reset());

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const lastRequest = async () => (await mock.requests()).at(-1);
const weather = {
  type: 'function', name: 'get_weather', description: 'Weather of a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

/** The log entry `id`, once written (after the response, in waitUntil). */
async function logEntry(id) {
  for (let i = 0; i < 100; i++) {
    const res = await fetch(`${gw.url}/api/logs/${id}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    if (res.status === 200) return res.json();
    await sleep(50);
  }
  throw new Error(`log ${id} was not written`);
}

const TRANSLATED = [
  ['anthropic', 'smart', '/anthropic/v1/messages', '/anthropic/v1/messages'],
  ['gemini', 'google-ai-studio/gemini-2.5-flash',
    '/google-ai-studio/v1beta/models/gemini-2.5-flash:generateContent',
    '/google-ai-studio/v1beta/models/gemini-2.5-flash:streamGenerateContent'],
];

/** What the upstream received of the instructions and the user's text, in its own shape. */
function promptSeen(label, payload) {
  if (label === 'anthropic') return [payload.system, payload.messages[0].content.map((block) => block.text).join('')];
  return [payload.systemInstruction.parts[0].text, payload.contents[0].parts[0].text];
}

/** The text of a response's message items (`finalResponse()` has no `output_text` without a text format). */
const textOf = (response) => response.output
  .filter((item) => item.type === 'message')
  .flatMap((item) => item.content.filter((c) => c.type === 'output_text').map((c) => c.text))
  .join('');

for (const [label, model, path, streamPath] of TRANSLATED) {
  test(`responses.create → ${label}: a response, translated both ways`, async () => {
    const { data: response, response: raw } = await client.responses
      .create({ model, instructions: 'Be brief.', input: 'hi', max_output_tokens: 50 })
      .withResponse();
    assert.equal(response.object, 'response');
    assert.equal(response.status, 'completed');
    assert.equal(response.output_text, 'tok0 tok1 tok2 ');
    assert.equal(response.usage.output_tokens, 3);
    const seen = await lastRequest();
    assert.equal(seen.path, path);
    assert.deepEqual(promptSeen(label, seen.payload), ['Be brief.', 'hi']);
    assert.equal(label === 'anthropic' ? seen.payload.max_tokens : seen.payload.generationConfig.maxOutputTokens, 50);
    const entry = await logEntry(raw.headers.get('cf-aig-log-id'));
    assert.equal(entry.tokens_out, 3);
    assert.ok(entry.tokens_in > 0, 'usage read from the answer');
    assert.ok(entry.cost > 0, `a cost for ${entry.provider}/${entry.model}: ${entry.cost}`);
    // The provider path it was sent to (the mock's path is the provider slug + that path).
    assert.equal(entry.endpoint, path.slice(path.indexOf('/', 1)));
  });

  test(`responses.create({stream: true}) → ${label}: typed events ending with response.completed`, async () => {
    const stream = await client.responses.create({ model, input: 'hi', stream: true });
    const types = [];
    let text = '';
    let completed;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.output_text.delta') text += event.delta;
      if (event.type === 'response.completed') completed = event.response;
    }
    assert.equal(types[0], 'response.created');
    assert.equal(types.at(-1), 'response.completed');
    assert.equal(text, 'tok0 tok1 tok2 ');
    assert.equal(completed.output[0].content[0].text, text);
    assert.equal(completed.usage.output_tokens, 3, 'a Responses stream always ends with its usage');
    assert.equal((await lastRequest()).path, streamPath);
  });

  test(`responses.stream(...).finalResponse() → ${label}`, async () => {
    const stream = client.responses.stream({ model, instructions: 'Be brief.', input: [{ role: 'user', content: 'hi' }] });
    let deltas = '';
    stream.on('response.output_text.delta', (event) => { deltas += event.delta; });
    const final = await stream.finalResponse();
    assert.equal(textOf(final), 'tok0 tok1 tok2 ');
    assert.equal(deltas, textOf(final));
    assert.equal(final.status, 'completed');
  });

  test(`a function-tool loop → ${label}: the call comes back, its output reaches the model in place`, async () => {
    const input = [{ role: 'user', content: 'Weather in Paris?' }];
    // The first turn streamed, accumulated by the SDK; the second plain.
    const first = await client.responses.stream({ model, input, tools: [weather] }).finalResponse();
    const call = first.output.find((item) => item.type === 'function_call');
    assert.ok(call, JSON.stringify(first.output));
    assert.equal(call.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.arguments), { city: 'Paris' });
    const firstSeen = (await lastRequest()).payload;
    if (label === 'anthropic') assert.equal(firstSeen.tools[0].input_schema.required[0], 'city');
    else assert.equal(firstSeen.tools[0].functionDeclarations[0].name, 'get_weather');

    const second = await client.responses.create({
      model, tools: [weather],
      input: [...input, ...first.output, { type: 'function_call_output', call_id: call.call_id, output: '{"temp":21}' }],
    });
    assert.equal(second.output_text, 'tool said: {"temp":21}');
    const seen = (await lastRequest()).payload;
    if (label === 'anthropic') {
      assert.deepEqual(seen.messages.map((m) => m.role), ['user', 'assistant', 'user']);
      assert.deepEqual(seen.messages[1].content[0], { type: 'tool_use', id: call.call_id, name: 'get_weather', input: { city: 'Paris' } });
      assert.deepEqual(seen.messages[2].content[0], { type: 'tool_result', tool_use_id: call.call_id, content: '{"temp":21}' });
    } else {
      assert.deepEqual(seen.contents.map((c) => c.role), ['user', 'model', 'user']);
      assert.deepEqual(seen.contents[1].parts[0].functionCall, { name: 'get_weather', args: { city: 'Paris' } });
      assert.deepEqual(seen.contents[2].parts[0].functionResponse, { name: 'get_weather', response: { temp: 21 } });
    }
  });
}

test('an openai/ model is forwarded to OpenAI\'s /v1/responses byte for byte but the model', async () => {
  const body = '{"model" : "openai/gpt-4.1-mini",  "input":"hi", "reasoning": {"effort":"low"}, "store": true, "metadata":{"k":"v"}}';
  const res = await fetch(`${base}/responses`, { method: 'POST', body, headers: { 'content-type': 'application/json', authorization: 'Bearer sk-client' } });
  assert.equal(res.status, 200);
  assert.equal((await res.json()).object, 'response');
  const seen = await lastRequest();
  assert.equal(seen.path, '/openai/v1/responses');
  assert.equal(seen.bodyText, body.replace('"openai/gpt-4.1-mini"', '"gpt-4.1-mini"'));

  const streamed = await client.responses.stream({ model: 'openai/gpt-4.1-mini', input: 'hi', previous_response_id: 'resp_1' }).finalResponse();
  assert.equal(textOf(streamed), 'tok0 tok1 tok2 ', 'OpenAI keeps the state: nothing is refused');
  assert.equal((await lastRequest()).payload.previous_response_id, 'resp_1');
});

test('a bad request is a 400 in OpenAI\'s shape, before any upstream call', async () => {
  await assert.rejects(
    client.responses.create({ model: 'smart', input: 42 }),
    (err) => err instanceof OpenAI.BadRequestError && err.status === 400 && /`input` must be a string or an array/.test(err.message)
      && err.error?.message === err.message.replace(/^400 /, ''),
  );
  await assert.rejects(
    client.responses.create({ model: 'smart', input: 'And Spain?', previous_response_id: 'resp_1' }),
    (err) => err.status === 400 && /no conversation state/.test(err.message) && /`store`/.test(err.message),
  );
  assert.deepEqual(await mock.requests(), []);
});

test('an upstream 429 is a 429 in OpenAI\'s shape', async () => {
  for (const [, model] of TRANSLATED) {
    await assert.rejects(
      client.responses.create({ model, input: 'hi' }, { headers: { 'x-mock-status': '429' } }),
      (err) => err instanceof OpenAI.RateLimitError && err.status === 429 && err.type === 'rate_limit_error',
    );
  }
});

test('a cut upstream stream makes the SDK raise, after the text that came', async () => {
  for (const [label, model] of TRANSLATED) {
    const stream = await client.responses.create({ model, input: 'hi', stream: true }, { headers: { 'x-mock-cut-after': '2', 'x-mock-chunks': '5' } });
    let text = '';
    await assert.rejects(async () => {
      for await (const event of stream) if (event.type === 'response.output_text.delta') text += event.delta;
    }, (err) => err instanceof OpenAI.APIError && err.code === 'upstream_stream_error', label);
    assert.ok(!text.includes('tok4'), `${label}: ${text}`);
    await assert.rejects(
      client.responses.stream({ model, input: 'hi' }, { headers: { 'x-mock-cut-after': '2' } }).finalResponse(),
      OpenAI.APIError,
    );
  }
});

test('a translated answer is cached and replayed as it was sent, JSON and stream', async () => {
  for (const stream of [false, true]) {
    const body = JSON.stringify({ model: 'google-ai-studio/gemini-2.5-flash', input: `cache me ${Date.now()}`, stream });
    const send = () => fetch(`${base}/responses`, {
      method: 'POST', body, headers: { 'content-type': 'application/json', authorization: 'Bearer sk', 'cf-aig-cache-ttl': '600' },
    });
    const first = await send();
    const firstText = await first.text();
    assert.match(firstText, stream ? /^event: response\.created\n/ : /"object":"response"/);
    let second;
    for (let i = 0; i < 50; i++) {
      const res = await send();
      const text = await res.text();
      if (res.headers.get('cf-aig-cache-status') === 'HIT') { second = text; break; }
      await sleep(50);
    }
    assert.equal(second, firstText, `stream: ${stream}`);
  }
});

test('a thinking model\'s reasoning reaches a Responses client as a reasoning item, whole and streamed', async () => {
  const { THINKING } = await import('./support/mock-thinking.mjs');
  const request = {
    model: 'google-ai-studio/gemini-2.5-flash', input: 'What is the weather in Paris?', tools: [weather], reasoning: { effort: 'low' },
  };
  const whole = await client.responses.create(request);
  assert.deepEqual(whole.output.map((item) => item.type), ['reasoning', 'function_call']);
  assert.equal(whole.output[0].summary.map((part) => part.text).join(''), THINKING.call);
  const seen = await lastRequest();
  assert.equal(seen.payload.generationConfig.thinkingConfig.includeThoughts, true, 'the effort reached Gemini');

  const stream = client.responses.stream(request);
  const deltas = [];
  stream.on('response.reasoning_summary_text.delta', (event) => deltas.push(event.delta));
  const streamed = await stream.finalResponse();
  assert.deepEqual(streamed.output.map((item) => item.type), ['reasoning', 'function_call']);
  assert.equal(deltas.join(''), THINKING.call);
});
