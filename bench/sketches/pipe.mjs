// The provider's body piped natively (`pipeTo`) into an IdentityTransformStream the client reads.
export default {
  async fetch(req, env, ctx) {
    const r = await fetch(`${env.UPSTREAM}/openai/v1/chat/completions`, { method: 'POST', headers: req.headers, body: req.body });
    const { readable, writable } = new IdentityTransformStream();
    ctx.waitUntil(r.body.pipeTo(writable, { preventClose: true }).then(() => writable.getWriter().close()));
    return new Response(readable, { status: r.status, headers: r.headers });
  },
};
