// Structured answers of the mock upstream: when a chat request asks for a JSON schema (OpenAI
// `response_format` json_schema, Gemini `responseMimeType: application/json` with a schema), the
// mock answers a JSON value of that schema's shape instead of its usual `tok0 tok1 …` text.

/** A value of `schema`'s shape: the first enum value, or a fixed value per type; every property filled. */
export function sampleOf(schema) {
  if (!schema || typeof schema !== 'object') return null;
  if (Array.isArray(schema.enum) && schema.enum.length) return schema.enum[0];
  if ('const' in schema) return schema.const;
  const variants = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(variants) && variants.length) return sampleOf(variants[0]);
  const type = String(Array.isArray(schema.type) ? schema.type[0] : schema.type ?? (schema.properties ? 'object' : 'string')).toLowerCase();
  switch (type) {
    case 'object': return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([k, v]) => [k, sampleOf(v)]));
    case 'array': return [sampleOf(schema.items ?? {})];
    case 'integer': return 1;
    case 'number': return 1.5;
    case 'boolean': return true;
    case 'null': return null;
    default: return 'text';
  }
}

/** The JSON text a chat request (`format` openai or gemini) asks to be answered with, or null. */
export function structuredAnswer(payload, format) {
  if (format === 'openai' && payload.response_format?.type === 'json_schema') {
    return JSON.stringify(sampleOf(payload.response_format.json_schema?.schema));
  }
  const config = payload.generationConfig ?? {};
  if (format === 'gemini' && config.responseMimeType === 'application/json') {
    return JSON.stringify(sampleOf(config.responseSchema ?? config.responseJsonSchema ?? { type: 'object' }));
  }
  return null;
}
