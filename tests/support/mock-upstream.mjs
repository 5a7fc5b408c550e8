// A scriptable stand-in for LLM providers, used by the end-to-end tests and the benchmark.
//
// Each provider is mounted under its own prefix (`/openai`, `/anthropic`, ...), which the gateway
// reaches through UPSTREAM_OVERRIDES. Routes, by the end of the path:
//   .../chat/completions   OpenAI Chat Completions, JSON or SSE (`"stream": true`)
//   .../v1/messages        Anthropic Messages, JSON or SSE
//   ...:generateContent / ...:streamGenerateContent   Gemini, JSON or SSE (`?alt=sse`)
//   .../embeddings, ...:batchEmbedContents             OpenAI / Gemini embeddings (deterministic vectors)
//   .../audio/speech       binary audio bytes (a deterministic pattern)
//   anything else          echo: the request as received (method, path, query, headers, body digest)
// Chat routes answer with a call to the first tool when the request offers tools and the last
// message is not a tool result; after a tool result they answer `tool said: <result>`.
// Requests steer the mock with headers, which the gateway forwards like any client header:
//   x-mock-status: N        answer with status N and an error body in the provider's shape
//   x-mock-delay-ms: N      wait N ms before the response head and between SSE events
//   x-mock-chunks: N        number of content deltas in a stream (default 3)
//   x-mock-cut-after: N     destroy the socket after N SSE events (a stream cut mid-way)
//   x-mock-gate: ID         hold the final SSE events until POST /__release/ID
//   x-mock-script: ID + x-mock-statuses: 503,429,200
//                           the Nth request of script ID answers the Nth status (the last repeats)
//   x-mock-retry-after: V   send `retry-after: V` with error statuses
//   x-mock-reject-key: K    answer 401 when the request's key (any auth header) is K
//   x-mock-fail-provider: P1,P2 + x-mock-fail-status: N (default 503)
//                           answer N for requests under those provider prefixes only
//   x-mock-echo: 1          answer the echo whatever the path, with the status asked for; an error
//                           message then names the request's key, as a careless provider might
// Control routes (not under a provider prefix): GET /__requests, POST /__reset, POST /__release/ID.
import http from 'node:http';
import { createHash } from 'node:crypto';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function audioBytes(n) {
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + 7) & 0xff;
  return out;
}

function openAiError(status) {
  return { error: { message: `mock upstream error ${status}`, type: status === 429 ? 'rate_limit_error' : 'server_error', code: null } };
}

function anthropicError(status) {
  return { type: 'error', error: { type: status === 429 ? 'rate_limit_error' : 'api_error', message: `mock upstream error ${status}` } };
}

function openAiEvents(model, chunks) {
  const base = { id: 'chatcmpl-mock', object: 'chat.completion.chunk', created: 1700000000, model };
  const events = [{ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] }];
  for (let i = 0; i < chunks; i++) events.push({ ...base, choices: [{ index: 0, delta: { content: `tok${i} ` }, finish_reason: null }] });
  events.push({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
  events.push({ ...base, choices: [], usage: { prompt_tokens: 5, completion_tokens: chunks, total_tokens: 5 + chunks } });
  return events.map((e) => `data: ${JSON.stringify(e)}\n\n`).concat('data: [DONE]\n\n');
}

function anthropicEvents(model, chunks) {
  const ev = (type, data) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  const out = [
    ev('message_start', { message: { id: 'msg_mock', type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 5, output_tokens: 1 } } }),
    ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
  ];
  for (let i = 0; i < chunks; i++) out.push(ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: `tok${i} ` } }));
  out.push(ev('content_block_stop', { index: 0 }));
  out.push(ev('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: chunks } }));
  out.push(ev('message_stop', {}));
  return out;
}

// What a chat request asks the mock to do with tools: call the first offered tool, or report the
// result of one. `null` when tools play no part.
function toolPlan(payload, format) {
  const messages = payload.messages ?? [];
  const last = messages.at(-1);
  if (format === 'openai' && last?.role === 'tool') return { result: String(last.content) };
  if (format === 'anthropic' && Array.isArray(last?.content)) {
    const block = last.content.find((b) => b.type === 'tool_result');
    if (block) return { result: typeof block.content === 'string' ? block.content : block.content.map((c) => c.text).join('') };
  }
  const first = payload.tools?.[0];
  if (!first) return null;
  return { call: format === 'openai' ? first.function.name : first.name };
}

function toolResponse(res, payload, tool, isAnthropic) {
  const model = payload.model ?? 'mock-model';
  const args = { city: 'Paris' };
  if (isAnthropic) {
    const content = tool.call
      ? [{ type: 'tool_use', id: 'toolu_mock1', name: tool.call, input: args }]
      : [{ type: 'text', text: `tool said: ${tool.result}` }];
    const message = { id: 'msg_mock', type: 'message', role: 'assistant', model, content, stop_reason: tool.call ? 'tool_use' : 'end_turn', stop_sequence: null, usage: { input_tokens: 12, output_tokens: 7 } };
    if (!payload.stream) return json(res, 200, message);
    const ev = (type, data) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(ev('message_start', { message: { ...message, content: [], stop_reason: null, usage: { input_tokens: 12, output_tokens: 1 } } }));
    if (tool.call) {
      res.write(ev('content_block_start', { index: 0, content_block: { type: 'tool_use', id: 'toolu_mock1', name: tool.call, input: {} } }));
      for (const part of ['{"city"', ': "Par', 'is"}']) res.write(ev('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: part } }));
    } else {
      res.write(ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }));
      res.write(ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: `tool said: ${tool.result}` } }));
    }
    res.write(ev('content_block_stop', { index: 0 }));
    res.write(ev('message_delta', { delta: { stop_reason: message.stop_reason, stop_sequence: null }, usage: { output_tokens: 7 } }));
    res.write(ev('message_stop', {}));
    return res.end();
  }
  const call = { id: 'call_mock1', type: 'function', function: { name: tool.call, arguments: JSON.stringify(args) } };
  const message = tool.call ? { role: 'assistant', content: null, tool_calls: [call] } : { role: 'assistant', content: `tool said: ${tool.result}` };
  const finish = tool.call ? 'tool_calls' : 'stop';
  const usage = { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 };
  if (!payload.stream) return json(res, 200, { id: 'chatcmpl-mock', object: 'chat.completion', created: 1700000000, model, choices: [{ index: 0, message, finish_reason: finish }], usage });
  const base = { id: 'chatcmpl-mock', object: 'chat.completion.chunk', created: 1700000000, model };
  const chunk = (delta, finish_reason = null) => `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, finish_reason }] })}\n\n`;
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  if (tool.call) {
    res.write(chunk({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: call.id, type: 'function', function: { name: tool.call, arguments: '' } }] }));
    for (const part of ['{"city"', ': "Par', 'is"}']) res.write(chunk({ tool_calls: [{ index: 0, function: { arguments: part } }] }));
  } else {
    res.write(chunk({ role: 'assistant', content: `tool said: ${tool.result}` }));
  }
  res.write(chunk({}, finish));
  res.write(`data: ${JSON.stringify({ ...base, choices: [], usage })}\n\n`);
  res.write('data: [DONE]\n\n');
  return res.end();
}

function geminiError(status) {
  return { error: { code: status, message: `mock upstream error ${status}`, status: status === 429 ? 'RESOURCE_EXHAUSTED' : 'INTERNAL' } };
}

async function geminiResponse(res, payload, stream, n, delay, model) {
  const last = payload.contents?.at(-1);
  const fnResponse = last?.parts?.find((p) => p.functionResponse)?.functionResponse;
  const fn = payload.tools?.[0]?.functionDeclarations?.[0];
  const usage = { promptTokenCount: 9, candidatesTokenCount: n, totalTokenCount: 9 + n };
  let parts;
  if (fnResponse) parts = [{ text: `tool said: ${JSON.stringify(fnResponse.response)}` }];
  else if (fn) parts = [{ functionCall: { name: fn.name, args: { city: 'Paris' } } }];
  else parts = null;
  const candidate = (p, finishReason) => ({ content: { role: 'model', parts: p }, ...(finishReason ? { finishReason } : {}), index: 0 });
  if (!stream) {
    const text = Array.from({ length: n }, (_, i) => `tok${i} `).join('');
    return json(res, 200, { candidates: [candidate(parts ?? [{ text }], 'STOP')], usageMetadata: usage, modelVersion: model });
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const chunks = parts ? [parts] : Array.from({ length: n }, (_, i) => [{ text: `tok${i} ` }]);
  for (let i = 0; i < chunks.length; i++) {
    const lastChunk = i === chunks.length - 1;
    const data = { candidates: [candidate(chunks[i], lastChunk ? 'STOP' : undefined)], ...(lastChunk ? { usageMetadata: usage } : {}), modelVersion: model };
    res.write(`data: ${JSON.stringify(data)}\r\n\r\n`);
    if (delay) await sleep(delay);
  }
  res.end();
}

function vectorFor(text, dims = 4) {
  const digest = createHash('sha256').update(String(text)).digest();
  return Array.from({ length: dims }, (_, i) => digest[i] / 255);
}

function openAiEmbeddings(payload) {
  const inputs = Array.isArray(payload.input) ? payload.input : [payload.input];
  return { object: 'list', data: inputs.map((t, index) => ({ object: 'embedding', index, embedding: vectorFor(t, payload.dimensions ?? 4) })), model: payload.model, usage: { prompt_tokens: inputs.length * 2, total_tokens: inputs.length * 2 } };
}

function geminiEmbeddings(payload) {
  return { embeddings: (payload.requests ?? []).map((r) => ({ values: vectorFor(r.content?.parts?.map((p) => p.text).join('') ?? '', r.outputDimensionality ?? 4) })) };
}

export async function startMockUpstream({ port = 0 } = {}) {
  const requests = [];
  const scripts = new Map(); // script id -> requests seen
  const gates = new Map(); // id -> { released, resolve }
  const gate = (id) => {
    if (!gates.has(id)) {
      let resolve;
      const promise = new Promise((r) => (resolve = r));
      gates.set(id, { promise, resolve, waiting: false });
    }
    return gates.get(id);
  };

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://mock');
    if (url.pathname === '/__requests') return json(res, 200, requests);
    if (url.pathname === '/__reset') { requests.length = 0; scripts.clear(); return json(res, 200, {}); }
    if (url.pathname.startsWith('/__release/')) { gate(url.pathname.slice('/__release/'.length)).resolve(); return json(res, 200, {}); }
    if (url.pathname.startsWith('/__gate/')) { return json(res, 200, { waiting: gate(url.pathname.slice('/__gate/'.length)).waiting }); }

    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = Buffer.concat(chunks);
    const record = {
      method: req.method, path: url.pathname, query: url.search, headers: req.headers,
      bodyLength: body.length, bodySha256: createHash('sha256').update(body).digest('hex'), at: Date.now(),
    };
    requests.push(record);

    const h = (name) => req.headers[name];
    const delay = Number(h('x-mock-delay-ms') ?? 0);
    let status = Number(h('x-mock-status') ?? 200);
    if (h('x-mock-script')) {
      const statuses = String(h('x-mock-statuses') ?? '200').split(',').map(Number);
      const n = scripts.get(h('x-mock-script')) ?? 0;
      scripts.set(h('x-mock-script'), n + 1);
      status = statuses[Math.min(n, statuses.length - 1)];
    }
    const key = (h('authorization') ?? '').replace(/^Bearer /i, '') || h('x-api-key') || h('x-goog-api-key') || h('api-key');
    if (h('x-mock-reject-key') && key === h('x-mock-reject-key')) status = 401;
    const provider = url.pathname.split('/')[1];
    if (String(h('x-mock-fail-provider') ?? '').split(',').includes(provider)) status = Number(h('x-mock-fail-status') ?? 503);
    record.key = key;
    record.status = status;
    const isAnthropic = url.pathname.endsWith('/v1/messages');
    const isChat = url.pathname.endsWith('/chat/completions');
    const gemini = url.pathname.match(/:(generateContent|streamGenerateContent|batchEmbedContents|embedContent)$/)?.[1];
    if (delay) await sleep(delay);

    if (h('x-mock-echo')) {
      const error = { message: `mock upstream error ${status}: the key ${key} was refused`, type: 'invalid_request_error' };
      return json(res, status, status === 200 ? { echo: record } : { error, echo: record }, { 'x-mock-echo': '1' });
    }
    if (status !== 200) {
      const extra = h('x-mock-retry-after') ? { 'retry-after': h('x-mock-retry-after') } : {};
      return json(res, status, isAnthropic ? anthropicError(status) : gemini ? geminiError(status) : openAiError(status), extra);
    }
    if (url.pathname.endsWith('/audio/speech')) {
      const bytes = audioBytes(Number(h('x-mock-bytes') ?? 65536));
      res.writeHead(200, { 'content-type': 'audio/mpeg', 'content-length': bytes.length });
      return res.end(bytes);
    }
    const isEmbeddings = url.pathname.endsWith('/embeddings') || gemini === 'batchEmbedContents';
    if (!isChat && !isAnthropic && !gemini && !isEmbeddings) return json(res, 200, { echo: record }, { 'x-mock-echo': '1' });

    let payload = {};
    try { payload = JSON.parse(body.toString('utf8') || '{}'); } catch { return json(res, 400, openAiError(400)); }
    record.payload = payload;
    if (isEmbeddings) return json(res, 200, gemini ? geminiEmbeddings(payload) : openAiEmbeddings(payload));
    const n = Number(h('x-mock-chunks') ?? 3);
    if (gemini) return geminiResponse(res, payload, gemini === 'streamGenerateContent', n, delay, url.pathname.match(/models\/([^:/]+):/)?.[1] ?? 'gemini-mock');
    const model = payload.model ?? 'mock-model';
    const tool = toolPlan(payload, isAnthropic ? 'anthropic' : 'openai');
    if (tool) return toolResponse(res, payload, tool, isAnthropic);
    if (!payload.stream) {
      const text = Array.from({ length: n }, (_, i) => `tok${i} `).join('');
      return json(res, 200, isAnthropic
        ? { id: 'msg_mock', type: 'message', role: 'assistant', model, content: [{ type: 'text', text }], stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 5, output_tokens: n } }
        : { id: 'chatcmpl-mock', object: 'chat.completion', created: 1700000000, model, choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }], usage: { prompt_tokens: 5, completion_tokens: n, total_tokens: 5 + n } });
    }

    const events = isAnthropic ? anthropicEvents(model, n) : openAiEvents(model, n);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const cutAfter = h('x-mock-cut-after') !== undefined ? Number(h('x-mock-cut-after')) : Infinity;
    const gateId = h('x-mock-gate');
    for (let i = 0; i < events.length; i++) {
      if (i === cutAfter) {
        // Let what was written reach the gateway first, then break the connection mid-stream.
        await sleep(50);
        res.socket.destroy();
        return;
      }
      if (gateId && i === events.length - 2) {
        const g = gate(gateId);
        g.waiting = true;
        await g.promise;
      }
      res.write(events[i]);
      if (delay) await sleep(delay);
    }
    res.end();
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    async requests() { return (await fetch(`${url}/__requests`)).json(); },
    async reset() { await fetch(`${url}/__reset`, { method: 'POST' }); },
    async release(id) { await fetch(`${url}/__release/${id}`, { method: 'POST' }); },
    async gateWaiting(id) { return (await (await fetch(`${url}/__gate/${id}`)).json()).waiting; },
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }),
  };
}

function json(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

// `node tests/support/mock-upstream.mjs [port]` runs it standalone.
if (import.meta.url === `file://${process.argv[1]}`) {
  const mock = await startMockUpstream({ port: Number(process.argv[2] ?? 9999) });
  console.log(`mock upstream on ${mock.url}`);
}
