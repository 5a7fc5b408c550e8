// A scriptable stand-in for LLM providers, used by the end-to-end tests and the benchmark.
//
// Each provider is mounted under its own prefix (`/openai`, `/anthropic`, ...), which the gateway
// reaches through UPSTREAM_OVERRIDES. Routes, by the end of the path:
//   .../chat/completions   OpenAI Chat Completions, JSON or SSE (`"stream": true`)
//   .../v1/messages        Anthropic Messages, JSON or SSE
//   ...:generateContent / ...:streamGenerateContent   Gemini, JSON or SSE (`?alt=sse`)
//   .../embeddings, ...:batchEmbedContents             OpenAI / Gemini embeddings (deterministic vectors)
//   .../responses          OpenAI Responses API, JSON or its typed SSE events (`"stream": true`)
//   .../v1/messages/count_tokens, ...:countTokens       Anthropic / Gemini token counts: a quarter of
//                          the length of the JSON of `messages` / of the request, rounded up
//   .../audio/speech       binary audio bytes (a deterministic pattern)
//   anything else          echo: the request as received (method, path, query, headers, body digest)
// Chat routes and Responses answer with a call to the first tool when the request offers tools
// and the last message is not a tool result; after a tool result they answer `tool said: <result>`.
// A chat request asking for a JSON schema gets a JSON value of that shape (mock-schema.mjs). A
// request asking for reasoning gets thinking with its answer (mock-thinking.mjs): Gemini thought
// parts and a signed function call, OpenAI-compatible `reasoning_content`, Anthropic signed and
// redacted thinking; Responses (mock-responses.mjs) a reasoning item.
// Requests steer the mock with headers, which the gateway forwards like any client header:
//   x-mock-status: N        answer with status N (200 to 599) and an error body in the provider's shape
//   x-mock-delay-ms: N      wait N ms before the response head and between SSE events
//   x-mock-chunks: N        number of content deltas in a stream (default 3, at most 10000)
//   x-mock-tool: NAME       the offered tool the mock calls (default: the first offered)
//   x-mock-tool-args: J     the call's arguments, a JSON object (default {"city":"Paris"})
//   x-mock-reply-pieces: J  a JSON array of strings: the answer's text (chat, Messages, Responses), one stream event each
//   x-mock-openai-usage: strict  an OpenAI chat stream reports usage as OpenAI does: only when the
//                           request set `stream_options.include_usage`, then with `"usage":null` on
//                           every other chunk (by default the usage chunk is always sent)
// POST …/moderations answers OpenAI's moderation shape, flagging an input that mentions "attack".
//   x-mock-cut-after: N     destroy the socket after N SSE events (a stream cut mid-way)
//   x-mock-gate: ID         hold the final SSE events until POST /__release/ID
//   x-mock-script: ID + x-mock-statuses: 503,429,200
//                           the Nth request of script ID answers the Nth status (the last repeats)
//   x-mock-retry-after: V   send `retry-after: V` with error statuses
//   x-mock-reject-key: K    answer 401 when the request's key (any auth header) is K
//   x-mock-fail-provider: P1,P2 + x-mock-fail-status: N (default 503)
//                           answer N for requests under those provider prefixes only
//   x-mock-bytes: N         size of the audio answer (default 65536)
//   x-mock-float-embeddings: 1   OpenAI-shaped embeddings ignore `encoding_format: "base64"` and
//                           answer arrays of numbers, as some OpenAI-compatible providers do
//   x-mock-garbage: N       answer status N with a body in no API's format: cut-off JSON for a 2xx,
//                           a proxy's HTML error page otherwise
//   x-mock-echo: 1          answer the echo whatever the path, with the status asked for; an error
//                           message then names the request's key, as a careless provider might
// Sizes and the misbehaving upstream (the bodies are generated piece by piece, never held whole,
// and every write waits for 'drain'):
//   x-mock-body-bytes: N    the route's normal answer made about N bytes long: for chat JSON one
//                           text of the needed length with the usage after it (at the end of the
//                           object); for a stream, delta events of ~1 KB until N bytes, then the
//                           usual final usage event and terminal; for embeddings one vector
//                           padded to N bytes; for audio, N bytes (as x-mock-bytes)
//   x-mock-no-length: 1     no `content-length` on JSON answers: chunked encoding
//   x-mock-trickle-ms: N    write the body in small pieces with N ms between them
//   x-mock-trickle-bytes: N the size of those pieces (default 16)
//   x-mock-fault: short-body   `content-length` larger than the body sent: half the body goes
//                              out, then the socket is destroyed
//   x-mock-fault: bad-gzip     `content-encoding: gzip` on a body that is not gzipped
//   x-mock-fault: stall-body   the head and the first x-mock-stall-after-bytes bytes (default
//                              0) of the body, then nothing until the client goes away, or until
//                              x-mock-stall-ms ms when given (then the rest, normally)
//   x-mock-fault: stall-head   no answer at all until the client goes away (or x-mock-stall-ms)
//   x-mock-fault: garbage-sse  200 `text/event-stream`: one normal first event, then bytes that
//                              are not UTF-8, `data:` lines of broken JSON, a 1 MiB line, no
//                              terminal event, and a clean close
// Odd requests (a body that is not a JSON object, `messages` not an array, `dimensions: 1e9`, a
// body over 64 MiB, an unknown x-mock-fault, ...) get a 400 (413) in the provider's error shape;
// out-of-range sizes in headers are clamped.
// Control routes (not under a provider prefix): GET /__requests, POST /__reset, POST /__release/ID.
import http from 'node:http';
import { createHash } from 'node:crypto';
import { CUT, MAX_BODY_BYTES, MAX_WAIT_MS, faultsOf, intHeader, sendReply, sleep } from './mock-reply.mjs';
import { garbageStream, sizedChat, sizedEmbeddings, sizedStream } from './mock-bodies.mjs';
import { requestProblem } from './mock-requests.mjs';
import { responsesBody, responsesEvents, responsesTurn } from './mock-responses.mjs';
import { structuredAnswer } from './mock-schema.mjs';
import { THINKING, THOUGHT_SIGNATURE, anthropicThinkingBlocks, anthropicThinks, geminiThinks, openAiThinks } from './mock-thinking.mjs';

/** The largest request body the mock reads; beyond it only the size and digest are kept. */
const MAX_REQUEST_BYTES = 64 * 1024 * 1024;
/** The most content deltas a stream may ask for (x-mock-chunks). */
const MAX_CHUNKS = 10_000;

const AUDIO_PERIOD = 256;
export function audioBytes(n) {
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + 7) & 0xff;
  return out;
}

/** audioBytes(n), generated in pieces (the pattern repeats every 256 bytes). */
function audioAnswer(n) {
  const block = audioBytes(64 * AUDIO_PERIOD * 4);
  async function* body() {
    for (let left = n; left > 0; left -= block.length) yield left >= block.length ? block : block.subarray(0, left);
  }
  return { status: 200, headers: { 'content-type': 'audio/mpeg' }, body: body(), length: n };
}

function openAiError(status, message = `mock upstream error ${status}`) {
  return { error: { message, type: status === 429 ? 'rate_limit_error' : status < 500 ? 'invalid_request_error' : 'server_error', code: null } };
}

function anthropicError(status, message = `mock upstream error ${status}`) {
  return { type: 'error', error: { type: status === 429 ? 'rate_limit_error' : status < 500 ? 'invalid_request_error' : 'api_error', message } };
}

function geminiError(status, message = `mock upstream error ${status}`) {
  return { error: { code: status, message, status: status === 429 ? 'RESOURCE_EXHAUSTED' : status < 500 ? 'INVALID_ARGUMENT' : 'INTERNAL' } };
}

/** A JSON answer. */
function jsonAnswer(status, body, headers = {}) {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

/** A stream of `events` (strings), each after the previous one and `delay` ms; see pace(). */
function sseAnswer(events, options) {
  return { status: 200, headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' }, body: pace(events, options) };
}

/**
 * Yields `events` with `delay` ms after each, CUT in place of event number `cutAfter`, and the
 * last two held until the gate `gateId` opens.
 */
async function* pace(events, { delay = 0, cutAfter = Infinity, gateId, gate } = {}) {
  for (let i = 0; i < events.length; i++) {
    if (i === cutAfter) {
      yield CUT;
      return;
    }
    if (gateId && i === events.length - 2) {
      const g = gate(gateId);
      g.waiting = true;
      await g.promise;
    }
    yield events[i];
    if (delay) await sleep(delay);
  }
}

function openAiEvents(model, chunks, pieces = null, usage = 'always') {
  const base = { id: 'chatcmpl-mock', object: 'chat.completion.chunk', created: 1700000000, model };
  // OpenAI with include_usage: `"usage":null` on every chunk but the usage chunk.
  const nullUsage = usage === 'asked' ? { usage: null } : {};
  const events = [{ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }], ...nullUsage }];
  const texts = pieces ?? Array.from({ length: chunks }, (_, i) => `tok${i} `);
  for (const text of texts) events.push({ ...base, choices: [{ index: 0, delta: { content: text }, finish_reason: null }], ...nullUsage });
  events.push({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], ...nullUsage });
  if (usage !== 'unasked') events.push({ ...base, choices: [], usage: { prompt_tokens: 5, completion_tokens: chunks, total_tokens: 5 + chunks } });
  return events.map((e) => `data: ${JSON.stringify(e)}\n\n`).concat('data: [DONE]\n\n');
}

function anthropicEvents(model, chunks, pieces = null) {
  const ev = (type, data) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  const out = [
    ev('message_start', { message: { id: 'msg_mock', type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 5, output_tokens: 1 } } }),
    ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
  ];
  for (const text of pieces ?? Array.from({ length: chunks }, (_, i) => `tok${i} `)) out.push(ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text } }));
  out.push(ev('content_block_stop', { index: 0 }));
  out.push(ev('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: chunks } }));
  out.push(ev('message_stop', {}));
  return out;
}

// What a chat request asks the mock to do with tools: call an offered tool (the one x-mock-tool
// names, else the first), or report the result of one. `null` when tools play no part. Trailing
// system messages (Claude Code's notes after a tool result, in place) do not hide the result.
function toolPlan(payload, format, wanted) {
  const messages = payload.messages ?? [];
  const last = format === 'openai' ? messages.findLast((m) => m?.role !== 'system' && m?.role !== 'developer') : messages.at(-1);
  if (format === 'openai' && last?.role === 'tool') return { result: textOfContent(last.content) };
  if (format === 'anthropic' && Array.isArray(last?.content)) {
    const block = last.content.find((b) => b.type === 'tool_result');
    if (block) return { result: textOfContent(block.content) };
  }
  const names = (payload.tools ?? []).map((t) => (format === 'openai' ? t.function?.name : t.name)).filter(Boolean);
  if (!names.length) return null;
  return { call: names.includes(wanted) ? wanted : names[0] };
}

/** The text of a tool result's content: a string, or text parts. */
function textOfContent(content) {
  return typeof content === 'string' ? content : (content ?? []).map((c) => c.text ?? '').join('');
}

/** The arguments of the mock's tool calls: x-mock-tool-args (JSON), else `{"city":"Paris"}`. */
function toolArgs(h) {
  const raw = h('x-mock-tool-args');
  return raw === undefined ? { city: 'Paris' } : JSON.parse(raw);
}

/** A JSON text in three pieces, as a stream sends a call's arguments. */
function piecesOf(text) {
  const third = Math.ceil(text.length / 3);
  return [text.slice(0, third), text.slice(third, 2 * third), text.slice(2 * third)].filter(Boolean);
}

function toolAnswer(payload, tool, isAnthropic, pacing, args) {
  const model = payload.model ?? 'mock-model';
  if (isAnthropic) {
    const thinking = anthropicThinks(payload) ? anthropicThinkingBlocks(Boolean(tool.call)) : [];
    const content = [...thinking, ...(tool.call
      ? [{ type: 'tool_use', id: 'toolu_mock1', name: tool.call, input: args }]
      : [{ type: 'text', text: `tool said: ${tool.result}` }])];
    const message = { id: 'msg_mock', type: 'message', role: 'assistant', model, content, stop_reason: tool.call ? 'tool_use' : 'end_turn', stop_sequence: null, usage: { input_tokens: 12, output_tokens: 7 } };
    if (!payload.stream) return jsonAnswer(200, message);
    const ev = (type, data) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
    const events = [ev('message_start', { message: { ...message, content: [], stop_reason: null, usage: { input_tokens: 12, output_tokens: 1 } } })];
    for (const [index, block] of content.entries()) {
      if (block.type === 'thinking') {
        events.push(ev('content_block_start', { index, content_block: { type: 'thinking', thinking: '', signature: '' } }));
        events.push(ev('content_block_delta', { index, delta: { type: 'thinking_delta', thinking: block.thinking } }));
        events.push(ev('content_block_delta', { index, delta: { type: 'signature_delta', signature: block.signature } }));
      } else if (block.type === 'redacted_thinking') {
        events.push(ev('content_block_start', { index, content_block: block }));
      } else if (block.type === 'tool_use') {
        events.push(ev('content_block_start', { index, content_block: { ...block, input: {} } }));
        for (const part of piecesOf(JSON.stringify(args))) events.push(ev('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: part } }));
      } else {
        events.push(ev('content_block_start', { index, content_block: { type: 'text', text: '' } }));
        events.push(ev('content_block_delta', { index, delta: { type: 'text_delta', text: block.text } }));
      }
      events.push(ev('content_block_stop', { index }));
    }
    events.push(ev('message_delta', { delta: { stop_reason: message.stop_reason, stop_sequence: null }, usage: { output_tokens: 7 } }));
    events.push(ev('message_stop', {}));
    return sseAnswer(events, pacing);
  }
  const call = { id: 'call_mock1', type: 'function', function: { name: tool.call, arguments: JSON.stringify(args) } };
  const message = tool.call ? { role: 'assistant', content: null, tool_calls: [call] } : { role: 'assistant', content: `tool said: ${tool.result}` };
  const thinking = openAiThinks(payload) ? (tool.call ? THINKING.call : THINKING.result) : null;
  if (thinking) message.reasoning_content = thinking;
  const finish = tool.call ? 'tool_calls' : 'stop';
  const usage = { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 };
  if (!payload.stream) return jsonAnswer(200, { id: 'chatcmpl-mock', object: 'chat.completion', created: 1700000000, model, choices: [{ index: 0, message, finish_reason: finish }], usage });
  const base = { id: 'chatcmpl-mock', object: 'chat.completion.chunk', created: 1700000000, model };
  const chunk = (delta, finish_reason = null) => `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, finish_reason }] })}\n\n`;
  const events = thinking ? [chunk({ role: 'assistant', content: null, reasoning_content: thinking })] : [];
  if (tool.call) {
    events.push(chunk({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: call.id, type: 'function', function: { name: tool.call, arguments: '' } }] }));
    for (const part of piecesOf(call.function.arguments)) events.push(chunk({ tool_calls: [{ index: 0, function: { arguments: part } }] }));
  } else {
    events.push(chunk({ role: 'assistant', content: `tool said: ${tool.result}` }));
  }
  events.push(chunk({}, finish));
  events.push(`data: ${JSON.stringify({ ...base, choices: [], usage })}\n\n`);
  events.push('data: [DONE]\n\n');
  return sseAnswer(events, pacing);
}

function geminiAnswer(payload, stream, n, model, pacing, wanted, args) {
  const last = payload.contents?.at(-1);
  const fnResponse = last?.parts?.find((p) => p.functionResponse)?.functionResponse;
  const declared = (payload.tools ?? []).flatMap((t) => t.functionDeclarations ?? []);
  const fn = declared.find((f) => f.name === wanted) ?? declared[0];
  const usage = { promptTokenCount: 9, candidatesTokenCount: n, totalTokenCount: 9 + n };
  const thinks = geminiThinks(payload);
  let parts;
  if (fnResponse) parts = [{ text: `tool said: ${JSON.stringify(fnResponse.response)}` }];
  else if (fn) parts = [{ functionCall: { name: fn.name, args }, ...(thinks ? { thoughtSignature: THOUGHT_SIGNATURE } : {}) }];
  else if (structuredAnswer(payload, 'gemini') !== null) parts = [{ text: structuredAnswer(payload, 'gemini') }];
  else parts = null;
  const candidate = (p, finishReason) => ({ content: { role: 'model', parts: p }, ...(finishReason ? { finishReason } : {}), index: 0 });
  if (thinks && (fn || fnResponse)) parts = [{ text: fnResponse ? THINKING.result : THINKING.call, thought: true }, ...parts];
  if (!stream) {
    const text = Array.from({ length: n }, (_, i) => `tok${i} `).join('');
    return jsonAnswer(200, { candidates: [candidate(parts ?? [{ text }], 'STOP')], usageMetadata: usage, modelVersion: model });
  }
  // A thought streams in a chunk of its own, before the answer.
  const chunks = parts ? parts.map((p) => [p]) : Array.from({ length: n }, (_, i) => [{ text: `tok${i} ` }]);
  const events = chunks.map((c, i) => {
    const lastChunk = i === chunks.length - 1;
    const data = { candidates: [candidate(c, lastChunk ? 'STOP' : undefined)], ...(lastChunk ? { usageMetadata: usage } : {}), modelVersion: model };
    return `data: ${JSON.stringify(data)}\r\n\r\n`;
  });
  return sseAnswer(events, pacing);
}

export function vectorFor(text, dims = 4) {
  const digest = createHash('sha256').update(String(text)).digest();
  return Array.from({ length: dims }, (_, i) => digest[i % digest.length] / 255);
}

/** The base64 of a vector's little-endian float32 bytes (OpenAI's `encoding_format: "base64"`). */
export function base64Vector(values) {
  return Buffer.from(new Float32Array(values).buffer).toString('base64');
}

function openAiEmbeddings(payload, honourBase64, spreadDimensions = 0) {
  const inputs = Array.isArray(payload.input) ? payload.input : [payload.input];
  const encode = honourBase64 && payload.encoding_format === 'base64' ? base64Vector : (v) => v;
  const vector = (t) => (spreadDimensions && !payload.dimensions ? spreadVectorFor(t, spreadDimensions) : vectorFor(t, payload.dimensions ?? 4));
  return { object: 'list', data: inputs.map((t, index) => ({ object: 'embedding', index, embedding: encode(vector(t)) })), model: payload.model, usage: { prompt_tokens: inputs.length * 2, total_tokens: inputs.length * 2 } };
}

function geminiEmbeddings(payload) {
  return { embeddings: (payload.requests ?? []).map((r) => ({ values: vectorFor(r.content?.parts?.map((p) => p.text).join('') ?? '', r.outputDimensionality ?? 4) })) };
}

/** Reads a request body: its size and digest, and its bytes up to MAX_REQUEST_BYTES (`null` beyond). */
async function readBody(req) {
  const hash = createHash('sha256');
  const chunks = [];
  let length = 0;
  for await (const c of req) {
    hash.update(c);
    length += c.length;
    if (length <= MAX_REQUEST_BYTES) chunks.push(c);
    else chunks.length = 0;
  }
  return { bytes: length <= MAX_REQUEST_BYTES ? Buffer.concat(chunks) : null, length, sha256: hash.digest('hex') };
}

/**
 * A vector of `dims` numbers in -1..1 drawn from the text's hashes: unrelated texts are nearly
 * orthogonal (cosine around 0 ± 0.03 at 1536 dimensions), as a real model's are, where
 * vectorFor's few positive numbers make any two texts look alike.
 */
export function spreadVectorFor(text, dims) {
  const values = [];
  for (let block = 0; values.length < dims; block++) {
    for (const byte of createHash('sha256').update(`${block}:${text}`).digest()) values.push((byte - 127.5) / 127.5);
  }
  return values.slice(0, dims);
}

/**
 * Starts the mock on `port` (0: any free one). The benchmark's stand-in for an embedding model:
 * `embeddingsDelayMs` makes every embeddings answer wait that long (on top of `x-mock-delay-ms`,
 * which the gateway's own embedding calls do not carry), and `embeddingDimensions`, when given,
 * makes OpenAI-shaped embeddings that many spread numbers (spreadVectorFor) unless the request
 * asks for `dimensions`.
 */
export async function startMockUpstream({ port = 0, embeddingsDelayMs = 0, embeddingDimensions = 0 } = {}) {
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

  // The answer to a request under a provider prefix, and how to misbehave while sending it.
  async function answer(req, url) {
    const body = await readBody(req);
    const record = {
      method: req.method, path: url.pathname, query: url.search, headers: req.headers,
      bodyLength: body.length, bodySha256: body.sha256, at: Date.now(),
      // The text of small bodies, for tests that check what reached the provider.
      bodyText: body.bytes && body.length <= 65536 ? body.bytes.toString('utf8') : undefined,
    };
    requests.push(record);

    const h = (name) => req.headers[name];
    const isAnthropic = url.pathname.endsWith('/v1/messages');
    const isCountTokens = url.pathname.endsWith('/v1/messages/count_tokens');
    const isChat = url.pathname.endsWith('/chat/completions');
    const isResponses = url.pathname.endsWith('/responses');
    const gemini = url.pathname.match(/:(generateContent|streamGenerateContent|batchEmbedContents|embedContent|countTokens)$/)?.[1];
    const error = (status, message) => jsonAnswer(status, isAnthropic || isCountTokens ? anthropicError(status, message) : gemini ? geminiError(status, message) : openAiError(status, message));
    const plain = { active: false };

    const faults = faultsOf(h);
    if (faults.error) return [error(400, faults.error), plain];
    const delay = intHeader(h('x-mock-delay-ms'), 0, 0, MAX_WAIT_MS);
    let status = h('x-mock-status') === undefined ? 200 : Number(h('x-mock-status'));
    if (h('x-mock-script')) {
      const statuses = String(h('x-mock-statuses') ?? '200').split(',').map(Number);
      const n = scripts.get(h('x-mock-script')) ?? 0;
      scripts.set(h('x-mock-script'), n + 1);
      status = statuses[Math.min(n, statuses.length - 1)];
    }
    if (!Number.isInteger(status) || status < 200 || status > 599) return [error(400, 'x-mock-status and x-mock-statuses must be statuses from 200 to 599'), plain];
    const key = (h('authorization') ?? '').replace(/^Bearer /i, '') || h('x-api-key') || h('x-goog-api-key') || h('api-key');
    if (h('x-mock-reject-key') && key === h('x-mock-reject-key')) status = 401;
    const provider = url.pathname.split('/')[1];
    if (String(h('x-mock-fail-provider') ?? '').split(',').includes(provider)) status = intHeader(h('x-mock-fail-status'), 503, 200, 599);
    record.key = key;
    record.status = status;
    if (delay) await sleep(delay);

    // --- fault mode: x-mock-garbage (an answer no translator can read) ---
    if (h('x-mock-garbage')) {
      const garbageStatus = intHeader(h('x-mock-garbage'), 200, 200, 599);
      record.status = garbageStatus;
      if (garbageStatus < 300) {
        return [{ status: garbageStatus, headers: { 'content-type': 'application/json' }, body: '{"id":"chatcmpl-mock","choices":[{"index":0,"message":' }, plain];
      }
      return [{ status: garbageStatus, headers: { 'content-type': 'text/html' }, body: `<html><head><title>${garbageStatus} Bad Gateway</title></head><body><center>nginx</center></body></html>` }, plain];
    }
    // --- end of fault mode: x-mock-garbage ---

    if (h('x-mock-echo')) {
      const echoError = { message: `mock upstream error ${status}: the key ${key} was refused`, type: 'invalid_request_error' };
      const echo = { ...record, bodyText: undefined };
      return [jsonAnswer(status, status === 200 ? { echo } : { error: echoError, echo }, { 'x-mock-echo': '1' }), plain];
    }
    if (status !== 200) {
      const extra = h('x-mock-retry-after') ? { 'retry-after': h('x-mock-retry-after') } : {};
      const reply = error(status, undefined);
      return [{ ...reply, headers: { ...reply.headers, ...extra } }, faults];
    }
    const bodyBytes = h('x-mock-body-bytes') === undefined ? undefined : intHeader(h('x-mock-body-bytes'), 0, 0, MAX_BODY_BYTES);
    if (faults.fault === 'garbage-sse') {
      return [{ status: 200, headers: { 'content-type': 'text/event-stream' }, ...garbageStream(isAnthropic ? 'anthropic' : 'openai', 'mock-model') }, faults];
    }
    if (url.pathname.endsWith('/audio/speech')) return [audioAnswer(bodyBytes ?? intHeader(h('x-mock-bytes'), 65536, 0, MAX_BODY_BYTES)), faults];
    if (url.pathname.endsWith('/moderations')) {
      // OpenAI's moderation API: an input mentioning "attack" is flagged for violence.
      const input = JSON.parse(body.bytes?.toString('utf8') || '{}').input ?? '';
      const flagged = String(input).includes('attack');
      return [jsonAnswer(200, { id: 'modr-mock', model: 'omni-moderation-latest', results: [{ flagged, categories: { violence: flagged, hate: false } }] }), faults];
    }
    const isEmbeddings = url.pathname.endsWith('/embeddings') || gemini === 'batchEmbedContents';
    if (!isChat && !isResponses && !isAnthropic && !isCountTokens && !gemini && !isEmbeddings) return [jsonAnswer(200, { echo: { ...record, bodyText: undefined } }, { 'x-mock-echo': '1' }), faults];

    if (body.bytes === null) return [error(413, `the request body exceeds the mock's limit of ${MAX_REQUEST_BYTES} bytes`), plain];
    let payload;
    try {
      payload = JSON.parse(body.bytes.toString('utf8') || '{}');
    } catch {
      return [error(400, 'the request body is not JSON'), plain];
    }
    record.payload = payload;
    const route = isEmbeddings ? (gemini ? 'geminiEmbeddings' : 'embeddings') : isAnthropic || isCountTokens ? 'anthropic' : gemini ? 'gemini' : isResponses ? 'responses' : 'chat';
    const problem = requestProblem(route, payload);
    if (problem) return [error(400, problem), plain];
    const model = gemini ? url.pathname.match(/models\/([^:/]+):/)?.[1] ?? 'gemini-mock' : payload.model ?? 'mock-model';
    const format = isAnthropic ? 'anthropic' : gemini ? 'gemini' : 'openai';
    const quarterOf = (value) => Math.ceil(JSON.stringify(value ?? null).length / 4);
    if (isCountTokens) return [jsonAnswer(200, { input_tokens: quarterOf(payload.messages) }), faults];
    if (gemini === 'countTokens') return [jsonAnswer(200, { totalTokens: quarterOf(payload), promptTokensDetails: [] }), faults];
    const sized = (made, contentType) => [{ status: 200, headers: { 'content-type': contentType }, ...made }, faults];

    if (isEmbeddings) {
      if (embeddingsDelayMs) await sleep(embeddingsDelayMs);
      if (bodyBytes !== undefined) return sized(sizedEmbeddings(format, model, bodyBytes), 'application/json');
      return [jsonAnswer(200, gemini ? geminiEmbeddings(payload) : openAiEmbeddings(payload, !h('x-mock-float-embeddings'), embeddingDimensions)), faults];
    }
    const n = intHeader(h('x-mock-chunks'), 3, 0, MAX_CHUNKS);
    const pacing = {
      delay, gateId: h('x-mock-gate'), gate,
      cutAfter: h('x-mock-cut-after') === undefined ? Infinity : intHeader(h('x-mock-cut-after'), Infinity, 0, MAX_CHUNKS + 8),
    };
    const stream = gemini ? gemini === 'streamGenerateContent' : Boolean(payload.stream);
    // x-mock-reply-pieces: a JSON array of strings, the answer's text (one stream event each).
    const pieces = h('x-mock-reply-pieces') ? JSON.parse(h('x-mock-reply-pieces')) : null;
    if (isResponses) {
      const turn = responsesTurn(payload, h('x-mock-tool'), toolArgs(h));
      if (turn) return [stream ? sseAnswer(responsesEvents(model, n, turn), pacing) : jsonAnswer(200, responsesBody(model, n, turn)), faults];
      return [stream ? sseAnswer(responsesEvents(model, n, null, pieces), pacing) : jsonAnswer(200, responsesBody(model, n, null, pieces)), faults];
    }
    const tool = gemini ? null : toolPlan(payload, format, h('x-mock-tool'));
    if (tool) return [toolAnswer(payload, tool, isAnthropic, pacing, toolArgs(h)), faults];
    if (bodyBytes !== undefined) {
      if (stream) return sized(sizedStream(format, model, bodyBytes, delay, sleep), 'text/event-stream');
      return sized(sizedChat(format, model, bodyBytes), 'application/json');
    }
    if (gemini) return [geminiAnswer(payload, stream, n, model, pacing, h('x-mock-tool'), toolArgs(h)), faults];
    if (!stream) {
      const text = pieces?.join('') ?? structuredAnswer(payload, format) ?? Array.from({ length: n }, (_, i) => `tok${i} `).join('');
      return [jsonAnswer(200, isAnthropic
        ? { id: 'msg_mock', type: 'message', role: 'assistant', model, content: [{ type: 'text', text }], stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 5, output_tokens: n } }
        : { id: 'chatcmpl-mock', object: 'chat.completion', created: 1700000000, model, choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }], usage: { prompt_tokens: 5, completion_tokens: n, total_tokens: 5 + n } }), faults];
    }
    const usage = h('x-mock-openai-usage') !== 'strict' ? 'always' : payload.stream_options?.include_usage ? 'asked' : 'unasked';
    return [sseAnswer(isAnthropic ? anthropicEvents(model, n, pieces) : openAiEvents(model, n, pieces, usage), pacing), faults];
  }

  async function handle(req, res) {
    const url = new URL(req.url, 'http://mock');
    if (url.pathname === '/__requests') return sendReply(res, jsonAnswer(200, requests));
    if (url.pathname === '/__reset') { requests.length = 0; scripts.clear(); return sendReply(res, jsonAnswer(200, {})); }
    if (url.pathname.startsWith('/__release/')) { gate(url.pathname.slice('/__release/'.length)).resolve(); return sendReply(res, jsonAnswer(200, {})); }
    if (url.pathname.startsWith('/__gate/')) return sendReply(res, jsonAnswer(200, { waiting: gate(url.pathname.slice('/__gate/'.length)).waiting }));
    const [reply, faults] = await answer(req, url);
    return sendReply(res, reply, faults);
  }

  const server = http.createServer((req, res) => {
    res.on('error', () => {});
    handle(req, res).catch((err) => {
      // A request the mock did not foresee: an error answer when the head has not gone out yet.
      if (process.env.AI_GATEWAY_TEST_VERBOSE) console.error('mock upstream:', err);
      if (res.headersSent) return res.socket?.destroy();
      sendReply(res, jsonAnswer(400, openAiError(400, `the mock upstream could not handle the request: ${err?.message}`))).catch(() => res.socket?.destroy());
    });
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

// `node tests/support/mock-upstream.mjs [port] [embeddings-delay-ms] [embedding-dimensions]` runs
// it standalone.
if (import.meta.url === `file://${process.argv[1]}`) {
  const [port, embeddingsDelayMs, embeddingDimensions] = [2, 3, 4].map((i) => Number(process.argv[i] ?? 0));
  const mock = await startMockUpstream({ port: process.argv[2] === undefined ? 9999 : port, embeddingsDelayMs, embeddingDimensions });
  console.log(`mock upstream on ${mock.url}`);
}
