// OpenAI Responses API answers of the mock upstream (`.../responses`): the whole `response`
// object, or the typed event stream that ends with `response.completed` and no `[DONE]`, as
// platform.openai.com/docs/api-reference/responses-streaming describes it. A request offering
// function tools gets a call to one (a turn, see responsesTurn), and its `function_call_output`
// the answer `tool said: <output>`; with `reasoning`, a reasoning item comes first (its
// `encrypted_content` when `include` asks for it).
import { THINKING } from './mock-thinking.mjs';

/** The `encrypted_content` of the mock's reasoning items. */
export const ENCRYPTED_REASONING = Buffer.from('mock encrypted reasoning').toString('base64');

const RESPONSE_ID = 'resp_mock';
const ITEM_ID = 'msg_mock';

/** The `response` object, `status` and `output` as given. */
function responseObject(model, status, output, usage) {
  return {
    id: RESPONSE_ID, object: 'response', created_at: 1700000000, status, model, output,
    error: null, incomplete_details: null, instructions: null, parallel_tool_calls: true, tool_choice: 'auto', tools: [],
    usage,
  };
}

const usageFor = (n) => ({
  input_tokens: 5, input_tokens_details: { cached_tokens: 0 }, output_tokens: n,
  output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 5 + n,
});

const textOf = (n) => Array.from({ length: n }, (_, i) => `tok${i} `).join('');

function message(text, status) {
  return { id: ITEM_ID, type: 'message', status, role: 'assistant', content: text === null ? [] : [{ type: 'output_text', text, annotations: [] }] };
}

/**
 * What a request with tools asks of the mock: `{ call: {name, arguments}, reasoning }` (a call to
 * the function tool named `wanted`, else the first, with `args`) or `{ text, reasoning }` (after
 * a function call's output, which is the last input item but system ones); null when tools play
 * no part. `reasoning` is the reasoning item to answer first, or null.
 */
export function responsesTurn(payload, wanted, args) {
  const input = Array.isArray(payload.input) ? payload.input : [];
  const last = input.findLast((item) => !['system', 'developer'].includes(item?.role));
  const names = (payload.tools ?? []).filter((t) => t?.type === 'function').map((t) => t.name);
  const reasoning = payload.reasoning?.effort ? reasoningItem(payload, last?.type === 'function_call_output') : null;
  if (last?.type === 'function_call_output') {
    const output = typeof last.output === 'string' ? last.output : (last.output ?? []).map((p) => p.text ?? '').join('');
    return { text: `tool said: ${output}`, reasoning };
  }
  if (!names.length) return null;
  const name = names.includes(wanted) ? wanted : names[0];
  return { call: { type: 'function_call', id: 'fc_mock', call_id: 'call_mock1', name, arguments: JSON.stringify(args), status: 'completed' }, reasoning };
}

function reasoningItem(payload, after) {
  const item = { type: 'reasoning', id: 'rs_mock', summary: [{ type: 'summary_text', text: after ? THINKING.result : THINKING.call }] };
  if ((payload.include ?? []).includes('reasoning.encrypted_content')) item.encrypted_content = ENCRYPTED_REASONING;
  return item;
}

/** The output items of `turn`, done. */
function turnOutput(turn) {
  const last = turn.call ?? message(turn.text, 'completed');
  return turn.reasoning ? [turn.reasoning, last] : [last];
}

/**
 * A non-streamed Responses answer with `n` text tokens (or the text of `pieces`, an array of
 * strings), or the answer of a `turn` (responsesTurn).
 */
export function responsesBody(model, n, turn = null, pieces = null) {
  if (turn) return responseObject(model, 'completed', turnOutput(turn), usageFor(7));
  return responseObject(model, 'completed', [message(pieces?.join('') ?? textOf(n), 'completed')], usageFor(n));
}

/** The SSE events of a turn's answer: each item added and done, text and arguments in deltas. */
function turnEvents(model, turn) {
  let sequence = 0;
  const ev = (type, data) => `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...data })}\n\n`;
  const events = [
    ev('response.created', { response: responseObject(model, 'in_progress', [], null) }),
    ev('response.in_progress', { response: responseObject(model, 'in_progress', [], null) }),
  ];
  for (const [output_index, item] of turnOutput(turn).entries()) {
    const at = { item_id: item.id, output_index };
    if (item.type === 'reasoning') {
      events.push(ev('response.output_item.added', { output_index, item: { ...item, summary: [] } }));
      const text = item.summary[0].text;
      events.push(ev('response.reasoning_summary_part.added', { ...at, summary_index: 0, part: { type: 'summary_text', text: '' } }));
      events.push(ev('response.reasoning_summary_text.delta', { ...at, summary_index: 0, delta: text }));
      events.push(ev('response.reasoning_summary_text.done', { ...at, summary_index: 0, text }));
      events.push(ev('response.reasoning_summary_part.done', { ...at, summary_index: 0, part: { type: 'summary_text', text } }));
    } else if (item.type === 'function_call') {
      events.push(ev('response.output_item.added', { output_index, item: { ...item, arguments: '', status: 'in_progress' } }));
      for (const delta of [item.arguments.slice(0, 5), item.arguments.slice(5)]) events.push(ev('response.function_call_arguments.delta', { ...at, delta }));
      events.push(ev('response.function_call_arguments.done', { ...at, arguments: item.arguments }));
    } else {
      const text = item.content[0].text;
      events.push(ev('response.output_item.added', { output_index, item: message(null, 'in_progress') }));
      events.push(ev('response.content_part.added', { ...at, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } }));
      events.push(ev('response.output_text.delta', { ...at, content_index: 0, delta: text }));
      events.push(ev('response.output_text.done', { ...at, content_index: 0, text }));
      events.push(ev('response.content_part.done', { ...at, content_index: 0, part: { type: 'output_text', text, annotations: [] } }));
    }
    events.push(ev('response.output_item.done', { output_index, item }));
  }
  events.push(ev('response.completed', { response: responsesBody(model, 0, turn) }));
  return events;
}

/**
 * The SSE events (strings) of a streamed Responses answer with `n` text deltas (or one delta per
 * string of `pieces`), or of a `turn`.
 */
export function responsesEvents(model, n, turn = null, pieces = null) {
  if (turn) return turnEvents(model, turn);
  let sequence = 0;
  const ev = (type, data) => `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...data })}\n\n`;
  const at = { item_id: ITEM_ID, output_index: 0, content_index: 0 };
  const deltas = pieces ?? Array.from({ length: n }, (_, i) => `tok${i} `);
  const text = deltas.join('');
  const events = [
    ev('response.created', { response: responseObject(model, 'in_progress', [], null) }),
    ev('response.in_progress', { response: responseObject(model, 'in_progress', [], null) }),
    ev('response.output_item.added', { output_index: 0, item: message(null, 'in_progress') }),
    ev('response.content_part.added', { ...at, part: { type: 'output_text', text: '', annotations: [] } }),
  ];
  for (const delta of deltas) events.push(ev('response.output_text.delta', { ...at, delta }));
  events.push(
    ev('response.output_text.done', { ...at, text }),
    ev('response.content_part.done', { ...at, part: { type: 'output_text', text, annotations: [] } }),
    ev('response.output_item.done', { output_index: 0, item: message(text, 'completed') }),
    ev('response.completed', { response: responsesBody(model, n, null, pieces) }),
  );
  return events;
}
