// The least a Worker must do to watch a response body on its way: fetch `${UPSTREAM}${path}` and
// pump each chunk through JavaScript into an IdentityTransformStream whose readable side is the
// client's body, keeping nothing. The memory test measures the runtime's own cost of moving a big
// body with it, the floor any watching gateway sits on.
export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    const upstream = await fetch(`${env.UPSTREAM}${url.pathname}`, { method: request.method, headers: request.headers, body: request.body });
    const { readable, writable } = new IdentityTransformStream();
    const pump = (async () => {
      const writer = writable.getWriter();
      const reader = upstream.body.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          await writer.write(value);
        }
        await writer.close();
      } catch (err) {
        await writer.abort(err).catch(() => {});
      }
    })();
    ctx.waitUntil(pump);
    return new Response(readable, { status: upstream.status, headers: upstream.headers });
  },
};
