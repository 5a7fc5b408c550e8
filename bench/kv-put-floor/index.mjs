// The floor of a cache miss that is stored: the least a worker can do to pass an answer through
// and keep it in KV. It forwards the request to UPSTREAM + its path, reads the answer whole,
// returns it, and writes it to its CACHE namespace under a key of its own, after the response
// (waitUntil), as the gateway stores a miss. Under Miniflare, KV is simulated inside the same
// workerd process, so this worker's CPU per request shows what one simulated KV write costs on
// top of a pass-through; the gateway's misses pay the same.
let written = 0;
export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    const upstream = await fetch(env.UPSTREAM + url.pathname, { method: 'POST', headers: request.headers, body: await request.arrayBuffer() });
    const body = await upstream.arrayBuffer();
    ctx.waitUntil(env.CACHE.put(`miss-${Date.now()}-${++written}`, body, { expirationTtl: 3600 }));
    return new Response(body, { status: upstream.status, headers: upstream.headers });
  },
};
