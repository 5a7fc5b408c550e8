// A JavaScript pull stream handing on each chunk of the provider's body (the gateway's rewrite
// relay, without the rewrite).
export default {
  async fetch(req, env) {
    const r = await fetch(`${env.UPSTREAM}/openai/v1/chat/completions`, { method: 'POST', headers: req.headers, body: req.body });
    const reader = r.body.getReader();
    const body = new ReadableStream({
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
    }, { highWaterMark: 0 });
    return new Response(body, { status: r.status, headers: r.headers });
  },
};
