// The provider's body teed: one branch piped natively into the client's stream, the other read
// in batches of 64 KiB with a BYOB reader's `readAtLeast`.
export default {
  async fetch(req, env, ctx) {
    const r = await fetch(`${env.UPSTREAM}/openai/v1/chat/completions`, { method: 'POST', headers: req.headers, body: req.body });
    const [toClient, copy] = r.body.tee();
    const { readable, writable } = new IdentityTransformStream();
    const piped = toClient.pipeTo(writable, { preventClose: true, preventAbort: true });
    const reader = copy.getReader({ mode: 'byob' });
    ctx.waitUntil((async () => {
      let buffer = new ArrayBuffer(65536);
      for (;;) {
        const { done, value } = await reader.readAtLeast(65536, new Uint8Array(buffer));
        if (value) buffer = value.buffer;
        if (done) break;
      }
      await piped.catch(() => {});
      await writable.getWriter().close();
    })());
    return new Response(readable, { status: r.status, headers: r.headers });
  },
};
