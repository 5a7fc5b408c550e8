// What the benchmark (bench/run.mjs) and the profiler (bench/profile.mjs) set up in the gateway,
// so that a profile looks at the same request the benchmark measures.

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
