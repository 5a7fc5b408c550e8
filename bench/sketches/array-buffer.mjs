// The provider's body read whole with one native `arrayBuffer()` before answering.
export default {
  async fetch(req, env) {
    const r = await fetch(`${env.UPSTREAM}/openai/v1/chat/completions`, { method: 'POST', headers: req.headers, body: req.body });
    return new Response(await r.arrayBuffer(), { status: r.status, headers: r.headers });
  },
};
