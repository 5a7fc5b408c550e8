// The floor of a cache hit: the least a worker can do to answer from KV. It reads the value at
// `bench-json` or `bench-stream` (by the request's `stream` field) from its CACHE namespace (seeded by bench/run.mjs with the mock's own answer) and
// returns it. Under Miniflare, KV is simulated inside the same workerd process, so this worker's
// CPU per request shows what one simulated KV read costs; the gateway's hits pay the same.
export default {
  async fetch(request, env) {
    const stream = (await request.text()).includes('"stream":true');
    const value = await env.CACHE.get(stream ? 'bench-stream' : 'bench-json', 'arrayBuffer');
    if (value === null) return new Response('not seeded', { status: 500 });
    const type = stream ? 'text/event-stream' : 'application/json';
    return new Response(value, { headers: { 'content-type': type, 'cf-aig-cache-status': 'HIT' } });
  },
};
