// OpenAI Responses API answers of the mock upstream (`.../responses`): the whole `response`
// object, or the typed event stream that ends with `response.completed` and no `[DONE]`, as
// platform.openai.com/docs/api-reference/responses-streaming describes it.

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

/** A non-streamed Responses answer with `n` text tokens. */
export function responsesBody(model, n) {
  return responseObject(model, 'completed', [message(textOf(n), 'completed')], usageFor(n));
}

/** The SSE events (strings) of a streamed Responses answer with `n` text deltas. */
export function responsesEvents(model, n) {
  let sequence = 0;
  const ev = (type, data) => `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...data })}\n\n`;
  const at = { item_id: ITEM_ID, output_index: 0, content_index: 0 };
  const text = textOf(n);
  const events = [
    ev('response.created', { response: responseObject(model, 'in_progress', [], null) }),
    ev('response.in_progress', { response: responseObject(model, 'in_progress', [], null) }),
    ev('response.output_item.added', { output_index: 0, item: message(null, 'in_progress') }),
    ev('response.content_part.added', { ...at, part: { type: 'output_text', text: '', annotations: [] } }),
  ];
  for (let i = 0; i < n; i++) events.push(ev('response.output_text.delta', { ...at, delta: `tok${i} ` }));
  events.push(
    ev('response.output_text.done', { ...at, text }),
    ev('response.content_part.done', { ...at, part: { type: 'output_text', text, annotations: [] } }),
    ev('response.output_item.done', { output_index: 0, item: message(text, 'completed') }),
    ev('response.completed', { response: responsesBody(model, n) }),
  );
  return events;
}
