// A scriptable stand-in for LLM providers, used by the end-to-end tests and the benchmark.
//
// Each provider is mounted under its own prefix (`/openai`, `/anthropic`, ...), which the gateway
// reaches through UPSTREAM_OVERRIDES. Routes, by the end of the path:
//   .../chat/completions   OpenAI Chat Completions, JSON or SSE (`"stream": true`)
//   .../v1/messages        Anthropic Messages, JSON or SSE
//   .../audio/speech       binary audio bytes (a deterministic pattern)
//   anything else          echo: the request as received (method, path, query, headers, body digest)
// Requests steer the mock with headers, which the gateway forwards like any client header:
//   x-mock-status: N        answer with status N and an error body in the provider's shape
//   x-mock-delay-ms: N      wait N ms before the response head and between SSE events
//   x-mock-chunks: N        number of content deltas in a stream (default 3)
//   x-mock-cut-after: N     destroy the socket after N SSE events (a stream cut mid-way)
//   x-mock-gate: ID         hold the final SSE events until POST /__release/ID
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

export async function startMockUpstream({ port = 0 } = {}) {
  const requests = [];
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
    if (url.pathname === '/__reset') { requests.length = 0; return json(res, 200, {}); }
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
    const status = Number(h('x-mock-status') ?? 200);
    const isAnthropic = url.pathname.endsWith('/v1/messages');
    const isChat = url.pathname.endsWith('/chat/completions');
    if (delay) await sleep(delay);

    if (status !== 200) {
      return json(res, status, isAnthropic ? anthropicError(status) : openAiError(status));
    }
    if (url.pathname.endsWith('/audio/speech')) {
      const bytes = audioBytes(Number(h('x-mock-bytes') ?? 65536));
      res.writeHead(200, { 'content-type': 'audio/mpeg', 'content-length': bytes.length });
      return res.end(bytes);
    }
    if (!isChat && !isAnthropic) return json(res, 200, { echo: record }, { 'x-mock-echo': '1' });

    let payload = {};
    try { payload = JSON.parse(body.toString('utf8') || '{}'); } catch { return json(res, 400, openAiError(400)); }
    const model = payload.model ?? 'mock-model';
    const n = Number(h('x-mock-chunks') ?? 3);
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
