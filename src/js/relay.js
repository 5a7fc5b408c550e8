// Relays a response body that the gateway rewrites (translation between API formats): each chunk
// goes through `onChunk`, a synchronous call into Wasm, and the client gets what it returns. At the
// end `onEnd(complete)` runs once (complete = false when the upstream broke or the client went
// away) and may return bytes to append, such as an explicit error event. Only the gateway's own
// bytes cross into Wasm: bodies it passes on unchanged never come here (see src/body_stream.rs).
// Returns the client's stream and a promise that settles once `onEnd` has run.
export function relayBody(body, onChunk, onEnd) {
  const reader = body.getReader();
  let ended = false;
  let settle;
  const done = new Promise((resolve) => (settle = resolve));
  const end = (controller, complete) => {
    ended = true;
    const tail = onEnd(complete);
    settle();
    if (controller) {
      if (tail && tail.byteLength) controller.enqueue(tail);
      controller.close();
    }
  };
  const readable = new ReadableStream(
    {
      async pull(controller) {
        // Loops until something is enqueued: a pull that enqueues nothing is not called again.
        for (;;) {
          let result;
          try {
            result = await reader.read();
          } catch {
            return end(controller, false);
          }
          if (result.done) return end(controller, true);
          const out = onChunk(result.value);
          if (out && out.byteLength) return controller.enqueue(out);
        }
      },
      cancel(reason) {
        if (!ended) end(null, false);
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  return { readable, done };
}

// Passes a body on unchanged, keeping a copy for the gateway: a JavaScript loop reads the
// provider's stream and writes each chunk into an `IdentityTransformStream` (native) whose readable
// side is the client's body, so no chunk crosses into Wasm on its way. At the end `onEnd(copy,
// complete)` runs once with every byte read (complete = false when the upstream broke or the client
// went away) and may return bytes to append before the client's body closes (an error event).
// Returns the client's stream and a promise that settles once `onEnd` has run.
export function passBody(body, onEnd) {
  const { readable, writable } = new IdentityTransformStream();
  const writer = writable.getWriter();
  const done = (async () => {
    const reader = body.getReader();
    const chunks = [];
    let size = 0;
    let complete = true;
    try {
      for (;;) {
        const { done: end, value } = await reader.read();
        if (end) break;
        chunks.push(value);
        size += value.byteLength;
        await writer.write(value);
      }
    } catch {
      complete = false;
      reader.cancel().catch(() => {});
    }
    const copy = new Uint8Array(size);
    let offset = 0;
    for (const chunk of chunks) {
      copy.set(chunk, offset);
      offset += chunk.byteLength;
    }
    const tail = onEnd(copy, complete);
    // Queued, not awaited: the gateway's work is done once the provider's body ended, whether or
    // not the client reads what is left (a client that stopped at an error event never does).
    if (tail && tail.byteLength) writer.write(tail).catch(() => {});
    writer.close().catch(() => {});
  })();
  return { readable, done };
}
