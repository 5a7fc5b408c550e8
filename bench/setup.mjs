// What the benchmarks (bench/run.mjs, bench/ab.mjs) and the profiler (bench/profile.mjs) set up in
// the gateway and send it, so that a profile looks at the same request the benchmark measures.

/** The gateway's admin token and secrets for the virtual-key paths (gateway-vk, -lim, -grd). */
export const BENCH_SECRETS = { ADMIN_TOKEN: 'bench-admin-token', VIRTUAL_KEY_PEPPER: 'bench-pepper', OPENAI_API_KEY: 'sk-bench', STORED_GATEWAYS: 'true' };

/** The stored gateway of the gateway-grd path: the firewall, PII redaction and the model policy. */
export const GUARDED_GATEWAY = {
  id: 'guarded',
  plugins: [
    { name: 'model-policy', config: { deny: ['o3*'], max_tokens: 4096 } },
    { name: 'prompt-firewall', config: { block: { words: ['ignore previous instructions'], patterns: ['(?i)reveal.*system prompt'] } } },
    { name: 'pii-redaction' },
  ],
};

/**
 * The chat request's headers. `x-mock-openai-usage: strict`: the mock streams usage only when
 * asked, as OpenAI does, so the gateway's asking for it on the client's behalf (and hiding it) is
 * part of what is measured.
 */
export const BENCH_HEADERS = { authorization: 'Bearer sk-bench', 'content-type': 'application/json', 'x-mock-openai-usage': 'strict' };

/** The chat request's question. */
export const BENCH_MESSAGES = [{ role: 'user', content: 'Say hello in one short sentence.' }];

/**
 * The chat request's bodies, JSON and streamed. With `clientAsksUsage` the streaming client sets
 * `stream_options.include_usage` itself, so the gateway has nothing to hide and guards the stream
 * natively instead of relaying each chunk through Wasm.
 */
export function benchBodies({ clientAsksUsage = false } = {}) {
  return {
    json: Buffer.from(JSON.stringify({ model: 'm', messages: BENCH_MESSAGES })),
    stream: Buffer.from(JSON.stringify({ model: 'm', messages: BENCH_MESSAGES, stream: true,
      ...(clientAsksUsage ? { stream_options: { include_usage: true } } : {}) })),
  };
}
