// What the mock upstream accepts of a request body, route by route: anything else is a 400 in
// the provider's error shape (never a crash of the mock, never an allocation sized by the request).
// Gemini schemas (tool parameters, response schemas) may hold Gemini's Schema fields only, and
// OpenAI's reasoning models (o1, o3, o4-mini, gpt-5…) refuse `max_tokens`, as the real APIs do;
// thinking requests are checked as mock-thinking.mjs describes.
import { anthropicThinkingProblem, geminiThinkingProblem, openAiThinkingProblem } from './mock-thinking.mjs';

/** Largest `dimensions` / `outputDimensionality` of an embeddings request. */
export const MAX_DIMENSIONS = 8192;
/** Largest number of inputs of one embeddings request. */
export const MAX_INPUTS = 2048;
/** Largest `n` (choices) of a chat request, as OpenAI's. */
export const MAX_N = 128;

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const arrayOf = (v, check) => Array.isArray(v) && v.every(check);
const optional = (v, check) => v === undefined || check(v);
const intIn = (v, min, max) => Number.isInteger(v) && v >= min && v <= max;

const openAiTool = (t) => isObject(t) && isObject(t.function) && typeof t.function.name === 'string';
const anthropicBlock = (b) => isObject(b) && optional(b.content, (c) => typeof c === 'string' || arrayOf(c, isObject));
const anthropicMessage = (m) => isObject(m) && optional(m.content, (c) => typeof c === 'string' || arrayOf(c, anthropicBlock));
const geminiContent = (c) => isObject(c) && optional(c.parts, (p) => arrayOf(p, isObject));
const geminiTool = (t) => isObject(t) && optional(t.functionDeclarations, (d) => arrayOf(d, (f) => isObject(f) && typeof f.name === 'string'));

// Each route: [field, check, what the field must be].
const RULES = {
  chat: [
    ['messages', (v) => arrayOf(v, isObject), 'an array of objects'],
    ['tools', (v) => arrayOf(v, openAiTool), 'an array of {"type":"function","function":{"name":…}}'],
    ['n', (v) => intIn(v, 1, MAX_N), `an integer from 1 to ${MAX_N}`],
  ],
  anthropic: [
    ['messages', (v) => arrayOf(v, anthropicMessage), 'an array of messages whose content is a string or an array of blocks'],
    ['tools', (v) => arrayOf(v, (t) => isObject(t) && typeof t.name === 'string'), 'an array of {"name":…}'],
  ],
  gemini: [
    ['contents', (v) => arrayOf(v, geminiContent), 'an array of {"parts":[…]}'],
    ['tools', (v) => arrayOf(v, geminiTool), 'an array of {"functionDeclarations":[…]}'],
  ],
  embeddings: [
    ['input', (v) => typeof v === 'string' || (Array.isArray(v) && v.length <= MAX_INPUTS), `a string or an array of at most ${MAX_INPUTS} inputs`],
    ['dimensions', (v) => intIn(v, 1, MAX_DIMENSIONS), `an integer from 1 to ${MAX_DIMENSIONS}`],
  ],
  geminiEmbeddings: [
    ['requests', (v) => Array.isArray(v) && v.length <= MAX_INPUTS && v.every((r) => isObject(r)
      && optional(r.content, geminiContent) && optional(r.outputDimensionality, (d) => intIn(d, 1, MAX_DIMENSIONS))),
    `an array of at most ${MAX_INPUTS} requests ({"content":{"parts":[…]}, "outputDimensionality": 1 to ${MAX_DIMENSIONS}})`],
  ],
};

/** The fields of Gemini's `Schema` (ai.google.dev/api/caching#Schema): Gemini refuses any other. */
const GEMINI_SCHEMA_FIELDS = new Set(['type', 'format', 'title', 'description', 'nullable', 'enum', 'maxItems', 'minItems',
  'properties', 'required', 'minProperties', 'maxProperties', 'minLength', 'maxLength', 'pattern', 'example', 'anyOf',
  'propertyOrdering', 'default', 'items', 'minimum', 'maximum']);

/** The first field of `schema` (at `path`) that Gemini does not know, as Gemini words it; null when none. */
function geminiSchemaProblem(schema, path) {
  if (!isObject(schema)) return null;
  for (const [key, value] of Object.entries(schema)) {
    if (!GEMINI_SCHEMA_FIELDS.has(key)) return `Invalid JSON payload received. Unknown name "${key}" at '${path}': Cannot find field.`;
    const children = key === 'properties' && isObject(value) ? Object.entries(value).map(([name, v]) => [`${path}.properties[${name}].value`, v])
      : key === 'items' ? [[`${path}.items`, value]]
        : key === 'anyOf' && Array.isArray(value) ? value.map((v, i) => [`${path}.any_of[${i}]`, v]) : [];
    for (const [childPath, child] of children) {
      const problem = geminiSchemaProblem(child, childPath);
      if (problem) return problem;
    }
  }
  return null;
}

/** Gemini's refusal of the schemas of a generateContent body, or null. */
function geminiSchemasProblem(payload) {
  for (const [i, tool] of (payload.tools ?? []).entries()) {
    for (const [j, f] of (tool.functionDeclarations ?? []).entries()) {
      const problem = geminiSchemaProblem(f.parameters, `tools[${i}].function_declarations[${j}].parameters`);
      if (problem) return problem;
    }
  }
  return geminiSchemaProblem(payload.generationConfig?.responseSchema, 'generation_config.response_schema');
}

/** Why the mock refuses `payload` on route `route` (a key of RULES), or null when it accepts it. */
export function requestProblem(route, payload) {
  if (!isObject(payload)) return 'the request body must be a JSON object';
  for (const [field, check, what] of RULES[route] ?? []) {
    if (payload[field] !== undefined && !check(payload[field])) return `${field} must be ${what}`;
  }
  if (route === 'chat' && /^(o\d|gpt-5)/.test(String(payload.model)) && payload.max_tokens !== undefined) {
    // What OpenAI's reasoning models answer.
    return "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.";
  }
  if (route === 'chat') return openAiThinkingProblem(payload);
  if (route === 'anthropic' && Array.isArray(payload.messages)) return anthropicThinkingProblem(payload);
  return route === 'gemini' ? geminiSchemasProblem(payload) ?? geminiThinkingProblem(payload) : null;
}
