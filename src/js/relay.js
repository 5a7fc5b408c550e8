// Relays a response body to the client from JavaScript, so that the bytes cross into Wasm only
// when the gateway must see them, and then in few, large calls.
//
// rewrite = false (observe): each chunk goes to the client as it is; a copy is gathered and handed
//   to `onChunk` whenever `batchBytes` have gathered, so reading a stream on the side costs a few
//   Wasm calls per response instead of a promise round trip per chunk.
// rewrite = true: each chunk goes through `onChunk`, and what it returns goes to the client
//   (translation between API formats).
// At the end `onEnd(rest, complete)` runs once (complete = false when the upstream broke or the
// client went away) and may return bytes to append, such as an explicit error event.
export function relayBody(body, rewrite, batchBytes, onChunk, onEnd) {
  const reader = body.getReader();
  let gathered = [];
  let size = 0;
  let ended = false;

  const take = () => {
    const out = new Uint8Array(size);
    let offset = 0;
    for (const chunk of gathered) {
      out.set(chunk, offset);
      offset += chunk.byteLength;
    }
    gathered = [];
    size = 0;
    return out;
  };
  const end = (controller, complete) => {
    ended = true;
    const tail = onEnd(take(), complete);
    if (controller) {
      if (tail && tail.byteLength) controller.enqueue(tail);
      controller.close();
    }
  };

  return new ReadableStream(
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
          const chunk = result.value;
          if (rewrite) {
            const out = onChunk(chunk);
            if (out && out.byteLength) return controller.enqueue(out);
            continue;
          }
          controller.enqueue(chunk);
          gathered.push(chunk.slice());
          size += chunk.byteLength;
          if (size >= batchBytes) onChunk(take());
          return;
        }
      },
      cancel(reason) {
        if (!ended) end(null, false);
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
