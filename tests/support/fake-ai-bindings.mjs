// Stand-ins for the Workers AI (`AI`) and Vectorize (`VECTORIZE`) bindings, which Miniflare cannot
// run locally, loaded into the gateway's isolate as Miniflare "wrapped bindings" so that the
// Worker's own glue (src/semantic.rs: the calls, their arguments, the reading of the answers) runs
// for real. Each keeps the contract and the limits of the service it stands for, as documented:
// - AI.run(model, { text: [..] }) answers { shape: [n, 384], data: [[..]], pooling: 'mean' } for the
//   bge text-embedding models and throws for any other model or input. Its vectors are NOT a
//   model's: words hashed into 384 dimensions, so texts that share words are similar.
// - VECTORIZE.query(vector, { topK, filter, returnMetadata }) is an exact cosine search over what
//   upsert stored, filtered on metadata as Vectorize filters (equality on a metadata index);
//   topK above 20 with metadata, a vector of the wrong dimensions, or a filter on a property
//   without a metadata index throws, as Vectorize does. deleteByIds removes records.
// Every call is printed to the console as one `[fake-binding] {json}` line, which the test reads
// from the worker's collected output. The binding's `bindings.FAIL` (`"ai"` or `"vectorize"`)
// makes that binding throw on every call.

const DIMENSIONS = 384;
const MODELS = new Set(['@cf/baai/bge-small-en-v1.5', '@cf/baai/bge-base-en-v1.5']);
const MAX_TOP_K_WITH_METADATA = 20;
const METADATA_INDEXES = new Set(['partition']);

const records = new Map(); // id -> { id, values, metadata }

function report(binding, method, detail) {
  console.log(`[fake-binding] ${JSON.stringify({ binding, method, ...detail })}`);
}

function hashVector(text) {
  const v = new Float64Array(DIMENSIONS);
  for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    let h = 2166136261;
    for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), 16777619) >>> 0;
    v[h % DIMENSIONS] += 1;
  }
  const norm = Math.hypot(...v) || 1;
  return Array.from(v, (x) => x / norm);
}

function cosine(a, b) {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

function ai(fail) {
  return {
    async run(model, input) {
      report('AI', 'run', { model, input });
      if (fail) throw new Error('AI: 3040: capacity temporarily exceeded (fake)');
      if (!MODELS.has(model)) throw new Error(`AI: 5007: no such model ${model}`);
      if (!Array.isArray(input?.text) || input.text.some((t) => typeof t !== 'string')) throw new Error('AI: 5006: text must be an array of strings');
      return { shape: [input.text.length, DIMENSIONS], data: input.text.map(hashVector), pooling: 'mean' };
    },
  };
}

function vectorize(fail) {
  const check = (method) => { if (fail) throw new Error(`VECTORIZE_ERROR (code = 40006): ${method} failed (fake)`); };
  return {
    async query(vector, options = {}) {
      report('VECTORIZE', 'query', { dimensions: vector?.length, options });
      check('query');
      if (!Array.isArray(vector) || vector.length !== DIMENSIONS) throw new Error(`VECTORIZE_ERROR (code = 40012): query vector has ${vector?.length} dimensions, the index ${DIMENSIONS}`);
      const topK = options.topK ?? 5;
      const withMetadata = options.returnMetadata === 'all' || options.returnMetadata === true;
      if (withMetadata && topK > MAX_TOP_K_WITH_METADATA) throw new Error(`VECTORIZE_ERROR (code = 40025): topK must be at most ${MAX_TOP_K_WITH_METADATA} when returning metadata`);
      const filter = options.filter ?? {};
      for (const key of Object.keys(filter)) {
        if (!METADATA_INDEXES.has(key)) throw new Error(`VECTORIZE_ERROR (code = 40026): no metadata index on ${key}`);
      }
      const matches = [...records.values()]
        .filter((r) => Object.entries(filter).every(([k, want]) => r.metadata?.[k] === want))
        .map((r) => ({ id: r.id, score: cosine(vector, r.values), ...(withMetadata ? { metadata: r.metadata } : {}) }))
        .sort((a, b) => b.score - a.score)
        .slice(0, topK);
      return { count: matches.length, matches };
    },
    async upsert(vectors) {
      report('VECTORIZE', 'upsert', { ids: vectors.map((v) => v.id), metadata: vectors.map((v) => v.metadata), dimensions: vectors.map((v) => v.values.length) });
      check('upsert');
      for (const v of vectors) {
        if (v.values.length !== DIMENSIONS) throw new Error(`VECTORIZE_ERROR (code = 40012): vector ${v.id} has ${v.values.length} dimensions, the index ${DIMENSIONS}`);
        if (typeof v.id !== 'string' || v.id.length > 64) throw new Error('VECTORIZE_ERROR (code = 40008): an id is a string of at most 64 bytes');
        records.set(v.id, { id: v.id, values: [...v.values], metadata: v.metadata });
      }
      return { mutationId: `m-${records.size}` };
    },
    async deleteByIds(ids) {
      report('VECTORIZE', 'deleteByIds', { ids });
      check('deleteByIds');
      for (const id of ids) records.delete(id);
      return { mutationId: `d-${records.size}` };
    },
  };
}

/** Miniflare calls this with the wrapped binding's `bindings` and uses what it returns. */
export default function (env) {
  return env.KIND === 'ai' ? ai(env.FAIL === 'ai') : vectorize(env.FAIL === 'vectorize');
}
