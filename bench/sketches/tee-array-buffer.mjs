// The provider's body teed: one branch returned to the client, the other read whole natively.
export default {
  async fetch(req, env, ctx) {
    const r = await fetch(`${env.UPSTREAM}/openai/v1/chat/completions`, { method: 'POST', headers: req.headers, body: req.body });
    const [toClient, copy] = r.body.tee();
    ctx.waitUntil(new Response(copy).arrayBuffer());
    return new Response(toClient, { status: r.status, headers: r.headers });
  },
};
