// The provider's body read chunk by chunk into one buffer before answering (the gateway's JSON
// path, without the copy into Wasm), with an idle timer set and cleared.
export default {
  async fetch(req, env) {
    const r = await fetch(`${env.UPSTREAM}/openai/v1/chat/completions`, { method: 'POST', headers: req.headers, body: req.body });
    const reader = r.body.getReader();
    const timer = setTimeout(() => reader.cancel(), 300000);
    const chunks = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
    clearTimeout(timer);
    const whole = new Uint8Array(size);
    let offset = 0;
    for (const chunk of chunks) {
      whole.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return new Response(whole, { status: r.status, headers: r.headers });
  },
};
