// How the mock upstream thinks, when a request asks it to: Gemini (`thinkingConfig` with
// `includeThoughts`) answers with a thought part and signs its function call with
// THOUGHT_SIGNATURE; an OpenAI-compatible chat request with `reasoning_effort` gets
// `reasoning_content`, as DeepSeek-style servers send it. And what they refuse, as the real ones
// do: Gemini 3 a thinking request whose earlier function calls lost their signature; DeepSeek a
// history that sends `reasoning_content` back.

/** The signature the mock's Gemini puts on its function calls (base64, like Gemini's). */
export const THOUGHT_SIGNATURE = Buffer.from('mock thought signature').toString('base64');

/** The mock's thinking text, before a tool call or after a tool result. */
export const THINKING = { call: 'The user wants a tool: call it.', result: 'The tool answered: report it.' };

/** Whether a Gemini request asks to see thoughts. */
export const geminiThinks = (payload) => payload.generationConfig?.thinkingConfig?.includeThoughts === true;

/** Whether an OpenAI-compatible chat request asks for reasoning. */
export const openAiThinks = (payload) => payload.reasoning_effort !== undefined;

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
