// How the mock upstream thinks, when a request asks it to: Gemini (`thinkingConfig` with
// `includeThoughts`) answers with a thought part and signs its function call with
// THOUGHT_SIGNATURE; an OpenAI-compatible chat request with `reasoning_effort` gets
// `reasoning_content`, as DeepSeek-style servers send it; Anthropic (`thinking` enabled or
// adaptive) a `thinking` block signed with ANTHROPIC_SIGNATURE before its answer, and a
// `redacted_thinking` block before a tool call. And what they refuse, as the real ones do:
// Gemini 3 a thinking request whose earlier function calls lost their signature; DeepSeek a
// history that sends `reasoning_content` back; Anthropic a thinking request whose last assistant
// turn called a tool without starting with its thinking, or whose thinking blocks were altered.

/** The signature the mock's Gemini puts on its function calls (base64, like Gemini's). */
export const THOUGHT_SIGNATURE = Buffer.from('mock thought signature').toString('base64');

/** The mock's thinking text, before a tool call or after a tool result. */
export const THINKING = { call: 'The user wants a tool: call it.', result: 'The tool answered: report it.' };

/** The signature the mock's Anthropic puts on its thinking blocks, bound to their text. */
export const anthropicSignature = (text) => Buffer.from(`mock anthropic signature of ${text}`).toString('base64');

/** The `data` of the mock's Anthropic `redacted_thinking` block. */
export const REDACTED_THINKING = Buffer.from('mock redacted thinking').toString('base64');

/** Whether a Gemini request asks to see thoughts. */
export const geminiThinks = (payload) => payload.generationConfig?.thinkingConfig?.includeThoughts === true;

/** Whether an OpenAI-compatible chat request asks for reasoning. */
export const openAiThinks = (payload) => payload.reasoning_effort !== undefined;

/** Whether an Anthropic request turns thinking on. */
export const anthropicThinks = (payload) => ['enabled', 'adaptive'].includes(payload.thinking?.type);

/** The thinking blocks the mock's Anthropic starts an answer with (`call`: before a tool call). */
export function anthropicThinkingBlocks(call) {
  const text = call ? THINKING.call : THINKING.result;
  const signed = { type: 'thinking', thinking: text, signature: anthropicSignature(text) };
  return call ? [signed, { type: 'redacted_thinking', data: REDACTED_THINKING }] : [signed];
}

/**
 * Why a thinking Anthropic refuses `payload`, in Anthropic's words, or null: a thinking block
 * whose signature does not match its text, or redacted thinking that is not the mock's; the last
 * assistant turn calling a tool without starting with thinking.
 */
export function anthropicThinkingProblem(payload) {
  if (!anthropicThinks(payload)) return null;
  const messages = payload.messages ?? [];
  for (const [i, m] of messages.entries()) {
    if (m?.role !== 'assistant' || !Array.isArray(m.content)) continue;
    for (const [j, b] of m.content.entries()) {
      if (b?.type === 'thinking' && b.signature !== anthropicSignature(b.thinking)) return `messages.${i}.content.${j}: Invalid \`signature\` in \`thinking\` block`;
      if (b?.type === 'redacted_thinking' && b.data !== REDACTED_THINKING) return `messages.${i}.content.${j}: Invalid \`data\` in \`redacted_thinking\` block`;
    }
  }
  const i = messages.findLastIndex((m) => m?.role === 'assistant');
  const last = messages[i];
  if (!Array.isArray(last?.content) || !last.content.some((b) => b?.type === 'tool_use')) return null;
  if (['thinking', 'redacted_thinking'].includes(last.content[0]?.type)) return null;
  return `messages.${i}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${last.content[0]?.type}\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block (preceeding the lastmost set of \`tool_use\` and \`tool_result\` blocks).`;
}

/** Why a thinking Gemini refuses `payload` (a model turn's function call without its signature), or null. */
export function geminiThinkingProblem(payload) {
  if (!geminiThinks(payload)) return null;
  for (const [i, content] of (payload.contents ?? []).entries()) {
    if (content?.role !== 'model') continue;
    for (const [j, part] of (content.parts ?? []).entries()) {
      if (part?.functionCall && part.thoughtSignature !== THOUGHT_SIGNATURE) {
        return `Function call is missing a thought_signature in functionCall parts. contents[${i}].parts[${j}]`;
      }
    }
  }
  return null;
}

/** Why a reasoning chat request is refused (`reasoning_content` sent back), or null. */
export function openAiThinkingProblem(payload) {
  if (!openAiThinks(payload)) return null;
  const i = (payload.messages ?? []).findIndex((m) => m?.reasoning_content !== undefined);
  return i < 0 ? null : `messages[${i}]: reasoning_content is not accepted in input messages`;
}
