// A JavaScript loop reading each chunk of the provider's body and writing it into the client's
// stream (the gateway's guard pump, without the copy).
export default {
  async fetch(req, env, ctx) {
    const r = await fetch(`${env.UPSTREAM}/openai/v1/chat/completions`, { method: 'POST', headers: req.headers, body: req.body });
    const reader = r.body.getReader();
    const { readable, writable } = new IdentityTransformStream();
    const writer = writable.getWriter();
    ctx.waitUntil((async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        await writer.write(value);
      }
      await writer.close();
    })());
    return new Response(readable, { status: r.status, headers: r.headers });
  },
};
