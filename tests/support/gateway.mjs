// Starts the built Worker (build/index.js) in workerd through Miniflare, with every provider of
// the mock upstream wired in through UPSTREAM_OVERRIDES.
import { Miniflare } from 'miniflare';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const PROVIDERS_ON_MOCK = ['openai', 'anthropic', 'groq', 'mistral', 'google-ai-studio', 'deepseek', 'grok', 'openrouter', 'cerebras', 'perplexity-ai', 'cohere', 'huggingface', 'azure-openai', 'workers-ai', 'replicate', 'google-vertex-ai', 'aws-bedrock'];

/** The admin token every test gateway accepts (`Authorization: Bearer …` on /api/…). */
export const ADMIN_TOKEN = 'test-admin-token';

export function overridesFor(mockUrl) {
  const map = Object.fromEntries(PROVIDERS_ON_MOCK.map((id) => [id, `${mockUrl}/${id}`]));
  map['azure-openai'] = `${mockUrl}/azure-openai/{resource_name}/{deployment_name}`;
  map['workers-ai'] = `${mockUrl}/workers-ai/{account_id}`;
  map['google-vertex-ai'] = `${mockUrl}/google-vertex-ai/{region}`;
  map['aws-bedrock'] = `${mockUrl}/aws-bedrock/{service}/{region}`;
  return map;
}

/**
 * The gateway's bindings, mirroring wrangler.toml: the cache's KV namespace and coalescer, the log
 * shards, the control plane's object, the limiters, the semantic cache's local index, and the
 * metrics dataset.
 */
export const GATEWAY_BINDINGS = {
  kvNamespaces: ['CACHE'],
  durableObjects: {
    CACHE_COALESCER: 'CacheCoalescer', LOGS: { className: 'LogShard', useSQLite: true },
    CONTROL: { className: 'ControlPlane', useSQLite: true },
    LIMITER: { className: 'LimitCounter', useSQLite: true },
    SEMANTIC_INDEX: { className: 'SemanticIndex', useSQLite: true },
  },
  analyticsEngineDatasets: { METRICS: { dataset: 'ai_gateway' } },
};

/**
 * GATEWAY_BINDINGS less the bindings named in `names` (e.g. `['METRICS']`: the gateway without
 * Analytics Engine), for the benchmarks' variants.
 */
export function gatewayBindingsWithout(names) {
  const copy = structuredClone(GATEWAY_BINDINGS);
  for (const [kind, group] of Object.entries(copy)) {
    copy[kind] = Array.isArray(group)
      ? group.filter((name) => !names.includes(name))
      : Object.fromEntries(Object.entries(group).filter(([name]) => !names.includes(name)));
  }
  return copy;
}

/**
 * The dashboard's static assets, mirroring wrangler.toml's [assets]: the files scripts/build.sh
 * puts in build/dashboard, served for every path but those the Worker answers first (/v1/…,
 * /api/…). tests/dashboard.test.mjs checks that wrangler reads wrangler.toml to the same options.
 */
export const DASHBOARD_ASSETS = {
  directory: path.join(ROOT, 'build/dashboard'),
  routerConfig: { has_user_worker: true, static_routing: { user_worker: ['/v1/*', '/api/*'] } },
  assetConfig: { not_found_handling: 'none' },
};

/**
 * Starts a worker script under Miniflare; `vars` become plain-text bindings, `kvNamespaces`,
 * `durableObjects`, `analyticsEngineDatasets`, `queueProducers`, `queueConsumers` and `assets` are passed to Miniflare as they are (in memory, gone when the instance is). The worker's console
 * output is collected line by line in `logs` (and echoed when AI_GATEWAY_TEST_VERBOSE is set).
 * With `direct`, the returned URL is a socket of workerd that serves the worker itself, without
 * Miniflare's entry worker in front (the benchmark uses it to measure the worker alone).
 * `extraWorkers` are more Miniflare workers (each with a `name`) run beside it, e.g. to hold
 * Durable Object classes that the worker's bindings reach with `scriptName`, or the modules of
 * `wrappedBindings` (Miniflare's bindings made by a script's default export).
 */
export async function startWorker({
  script = path.join(ROOT, 'build/index.js'), vars = {}, direct = false, kvNamespaces = [], durableObjects = {}, analyticsEngineDatasets = {},
  queueProducers = {}, queueConsumers = {}, extraWorkers = [], wrappedBindings, assets,
} = {}) {
  const logs = [];
  const collect = (stream) => {
    let pending = '';
    stream.on('data', (chunk) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop();
      logs.push(...lines);
      if (process.env.AI_GATEWAY_TEST_VERBOSE) lines.forEach((l) => console.error(`[workerd] ${l}`));
    });
  };
  const worker = {
    scriptPath: script,
    modules: true,
    // Every .js module here is an ES module (src/js/relay.js, imported by a test's worker, too).
    modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }, { type: 'ESModule', include: ['**/*.js'] }],
    compatibilityDate: '2026-04-20',
    bindings: vars,
    kvNamespaces,
    durableObjects,
    analyticsEngineDatasets,
    queueProducers,
    queueConsumers,
    ...(wrappedBindings ? { wrappedBindings } : {}),
    ...(assets ? { assets } : {}),
    ...(direct ? { unsafeDirectSockets: [{ host: '127.0.0.1', port: 0 }] } : {}),
  };
  const shared = { host: '127.0.0.1', port: 0, handleRuntimeStdio: (stdout, stderr) => { collect(stdout); collect(stderr); } };
  const mf = new Miniflare(extraWorkers.length
    ? { ...shared, workers: [{ name: 'gateway', ...worker }, ...extraWorkers] }
    : { ...shared, ...worker });
  let url = await mf.ready;
  if (direct) url = await mf.unsafeGetDirectURL();
  return { url: url.origin, mf, logs, close: () => mf.dispose() };
}

/**
 * Starts the gateway against a mock upstream, with its bindings unless `options` replace them,
 * and with the dashboard's assets when `options.assets` is `DASHBOARD_ASSETS`.
 */
export async function startGateway(mockUrl, vars = {}, options = {}) {
  return startWorker({
    vars: { UPSTREAM_OVERRIDES: JSON.stringify(overridesFor(mockUrl)), ADMIN_TOKEN, ...vars },
    ...GATEWAY_BINDINGS,
    ...options,
  });
}
