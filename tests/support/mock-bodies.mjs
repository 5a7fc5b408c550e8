// Bodies the mock upstream generates piece by piece instead of holding them: answers of a chosen
// size (x-mock-body-bytes) in each route's normal shape, and a garbage event stream. Each returns
// { body, length }: `body` an async iterable of strings/Buffers, `length` its exact size in bytes
// when known up front (JSON), else undefined (event streams).

/** The size of the pieces a generated body is written in. */
const PIECE_BYTES = 64 * 1024;
/** The text each delta event of a sized stream carries. */
const DELTA_TEXT_BYTES = 1000;
/** The size of the one huge line of the garbage stream. */
export const GARBAGE_LINE_BYTES = 1024 * 1024;

// Plain ASCII that needs no JSON escaping.
const TEXT = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod ';

/** `n` bytes of `unit` (ASCII) repeated, in pieces of about PIECE_BYTES that each hold whole units. */
function* filler(n, unit = TEXT) {
  const block = unit.repeat(Math.max(1, Math.floor(PIECE_BYTES / unit.length)));
  for (let left = n; left > 0; left -= block.length) yield left >= block.length ? block : block.slice(0, left);
}

/**
 * A JSON document of about `total` bytes (exactly, unless `total` is below the document's
 * minimum): `prefix`, `fill` bytes of filler, then `suffix(tokens)`, where `tokens` is the size of
 * the filler in 4-byte tokens (what the usage at the end reports).
 */
function sizedJson(total, prefix, suffix, unit) {
  const overhead = (tokens) => Buffer.byteLength(prefix) + Buffer.byteLength(suffix(tokens));
  const tokens = Math.ceil(Math.max(0, total - overhead(0)) / 4);
  const fill = Math.max(0, total - overhead(tokens));
  const tail = suffix(tokens);
  async function* body() {
    yield prefix;
    yield* filler(fill, unit);
    yield tail;
  }
  return { body: body(), length: Buffer.byteLength(prefix) + fill + Buffer.byteLength(tail) };
}

/** A chat answer (`format` openai, anthropic or gemini) whose one text is as long as it takes. */
export function sizedChat(format, model, total) {
  const m = JSON.stringify(model);
  if (format === 'anthropic') {
    return sizedJson(total, `{"id":"msg_mock","type":"message","role":"assistant","model":${m},"content":[{"type":"text","text":"`,
      (t) => `"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":5,"output_tokens":${t}}}`);
  }
  if (format === 'gemini') {
    return sizedJson(total, '{"candidates":[{"content":{"role":"model","parts":[{"text":"',
      (t) => `"}]},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":9,"candidatesTokenCount":${t},"totalTokenCount":${9 + t}},"modelVersion":${m}}`);
  }
  return sizedJson(total, `{"id":"chatcmpl-mock","object":"chat.completion","created":1700000000,"model":${m},"choices":[{"index":0,"message":{"role":"assistant","content":"`,
    (t) => `"},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":${t},"total_tokens":${5 + t}}}`);
}

/** An embeddings answer (`format` openai or gemini) with one vector padded to `total` bytes. */
export function sizedEmbeddings(format, model, total) {
  // Numbers of 9 bytes each ("0.250000,"); the last one has no comma, and spaces make up the rest.
  const unit = '0.250000,';
  const prefix = format === 'gemini' ? '{"embeddings":[{"values":[' : '{"object":"list","data":[{"object":"embedding","index":0,"embedding":[';
  const suffix = format === 'gemini' ? ']}]}' : `]}],"model":${JSON.stringify(model)},"usage":{"prompt_tokens":2,"total_tokens":2}}`;
  const room = Math.max(3, total - prefix.length - suffix.length);
  const numbers = Math.floor((room - 3) / unit.length);
  const spaces = room - 3 - numbers * unit.length;
  async function* body() {
    yield prefix;
    yield* filler(numbers * unit.length, unit);
    yield `0.5${' '.repeat(spaces)}${suffix}`;
  }
  return { body: body(), length: prefix.length + room + suffix.length };
}

/** The events of a stream (`format` openai, anthropic or gemini) carrying about `total` bytes of text events. */
export function sizedStream(format, model, total, delayMs, sleep) {
  const text = TEXT.repeat(Math.ceil(DELTA_TEXT_BYTES / TEXT.length)).slice(0, DELTA_TEXT_BYTES);
  const base = { id: 'chatcmpl-mock', object: 'chat.completion.chunk', created: 1700000000, model };
  const data = (obj) => `data: ${JSON.stringify(obj)}\n\n`;
  const anth = (type, obj) => `event: ${type}\ndata: ${JSON.stringify({ type, ...obj })}\n\n`;
  const gem = (obj) => `data: ${JSON.stringify({ ...obj, modelVersion: model })}\r\n\r\n`;
  const candidate = (t, finishReason) => ({ content: { role: 'model', parts: [{ text: t }] }, ...(finishReason ? { finishReason } : {}), index: 0 });
  const first = {
    openai: [data({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] })],
    anthropic: [
      anth('message_start', { message: { id: 'msg_mock', type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 5, output_tokens: 1 } } }),
      anth('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
    ],
    gemini: [],
  }[format];
  const delta = {
    openai: data({ ...base, choices: [{ index: 0, delta: { content: text }, finish_reason: null }] }),
    anthropic: anth('content_block_delta', { index: 0, delta: { type: 'text_delta', text } }),
    gemini: gem({ candidates: [candidate(text)] }),
  }[format];
  const last = (tokens) => ({
    openai: [
      data({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }),
      data({ ...base, choices: [], usage: { prompt_tokens: 5, completion_tokens: tokens, total_tokens: 5 + tokens } }),
      'data: [DONE]\n\n',
    ],
    anthropic: [
      anth('content_block_stop', { index: 0 }),
      anth('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: tokens } }),
      anth('message_stop', {}),
    ],
    gemini: [gem({ candidates: [candidate('', 'STOP')], usageMetadata: { promptTokenCount: 9, candidatesTokenCount: tokens, totalTokenCount: 9 + tokens } })],
  }[format]);
  async function* body() {
    // Without a delay, events go out in pieces of about PIECE_BYTES; with one, one by one.
    let group = first.join('');
    let size = Buffer.byteLength(group);
    let deltas = 0;
    const flush = async function* (force) {
      if (group && (force || delayMs || group.length >= PIECE_BYTES)) {
        yield group;
        group = '';
        if (delayMs) await sleep(delayMs);
      }
    };
    while (size < total) {
      group += delta;
      size += delta.length;
      deltas++;
      yield* flush(false);
    }
    for (const e of last(Math.ceil((deltas * DELTA_TEXT_BYTES) / 4))) group += e;
    yield* flush(true);
  }
  return { body: body(), length: undefined };
}

/**
 * A stream that starts like `format`'s and turns to garbage: bytes that are not UTF-8, `data:`
 * lines of broken JSON, one line of GARBAGE_LINE_BYTES, odd fields, and no terminal event before
 * the connection closes cleanly.
 */
export function garbageStream(format, model) {
  async function* body() {
    yield format === 'anthropic'
      ? `event: message_start\ndata: ${JSON.stringify({ type: 'message_start', message: { id: 'msg_mock', type: 'message', role: 'assistant', model, content: [], usage: { input_tokens: 5, output_tokens: 1 } } })}\n\n`
      : `data: ${JSON.stringify({ id: 'chatcmpl-mock', object: 'chat.completion.chunk', created: 1700000000, model, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] })}\n\n`;
    yield Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0x80, 0x0a, 0x0a]);
    yield Buffer.concat([Buffer.from('data: '), Buffer.from([0xe2, 0x82, 0xf0, 0x9f, 0x98]), Buffer.from('\n\n')]);
    yield 'data: {"choices":[{"delta":{"content":"unterminated\n\n';
    yield 'data: {not json at all}\n\n';
    yield 'event: \u0000\u0001\nid: \nretry: soon\n: a comment\r\n\r\n';
    yield 'data: ';
    yield* filler(GARBAGE_LINE_BYTES, 'x');
    yield '\n\n';
    yield 'data: {"usage":{"prompt_tokens":"five"}}\n\n';
    yield 'data: [DON';
  }
  return { body: body(), length: undefined };
}
