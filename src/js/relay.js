// The JavaScript side of sending an upstream body to the client (see src/body_stream.rs).
//
// A body the gateway passes on reaches the client chunk by chunk as the provider sends it, and the
// gateway's copy crosses into Wasm in batches (`onData(chunks)`, an array of the chunks read since
// the last call, about BATCH_BYTES in all; never joined here, which would only make garbage), so
// what a request holds is bounded whatever the body's size. A body the gateway rewrites
// (`relayBody`) goes through Wasm chunk by chunk instead. Every read is watched by an idle timer:
// a provider that sends nothing for `idleMs` is cancelled and the body ends as STALLED.
// `onEnd(end)` runs once, with how the body ended, and may return bytes to append before the
// client's body closes (an explicit error event).
//
// The client's body is a JavaScript stream the runtime pulls from (`pulled`), except when it must
// keep the provider's `content-length` (`pumped`, into a native `FixedLengthStream`). A pulled
// stream learns at once that the client went away (its `cancel` runs), and cancels the provider's
// body, even while the provider sends nothing: that is what stops a provider from generating an
// answer nobody reads. A native stream tells its writer only at the next write. Measured with
// bench/ab.mjs on the bench's 7-event stream: a guarded stream costs the same either way (+0.01
// of the floor worker's CPU, noise); a rewritten one pumped into an `IdentityTransformStream`
// cost 0.04 to 0.08 less, not worth a provider left generating (tests/relay.test.mjs).

/** How a body ended; the numbers are `BodyEnd`'s in src/body_stream.rs. */
const COMPLETE = 0;
const BROKEN = 1;
const STALLED = 2;
const CLIENT_GONE = 3;

/** The most bytes gathered before they cross into Wasm in one call. */
const BATCH_BYTES = 64 * 1024;

// Cancels `reader` once no chunk arrived for `idleMs`: one timer per idle period, re-armed from
// the time of the last chunk rather than reset on every chunk (a stream of small events would
// otherwise set and clear a timer per event).
function idleWatch(reader, idleMs) {
  const watch = { stalled: false, last: Date.now(), timer: undefined };
  if (!(idleMs > 0)) return watch;
  const check = () => {
    const idle = Date.now() - watch.last;
    if (idle >= idleMs) {
      watch.stalled = true;
      reader.cancel(new Error(`no data for ${idleMs} ms`)).catch(() => {});
    } else {
      watch.timer = setTimeout(check, idleMs - idle);
    }
  };
  watch.timer = setTimeout(check, idleMs);
  return watch;
}

function stop(watch) {
  if (watch.timer !== undefined) clearTimeout(watch.timer);
}

function join(chunks, size) {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

// Writes `first` (chunks already read) and then the rest of `reader` into a `FixedLengthStream` of
// `length` bytes (the provider's `content-length`), each chunk as `each(chunk)` returns it: the
// client's response keeps that length, so a body that breaks off reaches the client as a
// connection that closed early, which every HTTP client reports, rather than as a chunked body
// that may look ended. Returns the client's stream and a promise that settles once `onEnd` has run.
function pumped(reader, watch, first, each, onEnd, length) {
  const { readable, writable } = new FixedLengthStream(length);
  const writer = writable.getWriter();
  const done = (async () => {
    let end = COMPLETE;
    let writing = false;
    try {
      for (const chunk of first) {
        writing = true;
        await writer.write(each(chunk));
        writing = false;
      }
      for (;;) {
        const { done: finished, value } = await reader.read();
        if (watch.stalled) {
          end = STALLED;
          break;
        }
        if (finished) break;
        watch.last = Date.now();
        writing = true;
        await writer.write(each(value));
        writing = false;
      }
    } catch {
      end = writing ? CLIENT_GONE : watch.stalled ? STALLED : BROKEN;
      reader.cancel().catch(() => {});
    }
    stop(watch);
    const tail = onEnd(end);
    // Queued, not awaited: the gateway's work is done once the provider's body ended, whether or
    // not the client reads what is left.
    if (tail && tail.byteLength) {
      writer.write(tail).catch(() => {});
      writer.close().catch(() => {});
    } else if (end === COMPLETE) {
      writer.close().catch(() => {});
    } else {
      // Nothing explains the cut to the client: break its body too, rather than end it cleanly
      // with a truncated document that could be taken for a whole one.
      writer.abort(new Error('the provider\'s response broke off')).catch(() => {});
    }
  })();
  return { readable, done };
}

// The client's stream of `first` (chunks already read) and then the rest of `reader`, each chunk
// as `each(chunk)` returns it (a chunk for which it returns nothing or no bytes is skipped), pulled
// by the runtime as the client reads. At the end `onEnd(end)` runs once and what it returns is
// appended; the client going away (the stream cancelled) ends it as CLIENT_GONE and cancels the
// provider's body at once. Returns the client's stream and a promise that settles once `onEnd` has
// run.
function pulled(reader, watch, first, each, onEnd) {
  let ended = false;
  let settle;
  const done = new Promise((resolve) => (settle = resolve));
  const end = (controller, how) => {
    ended = true;
    stop(watch);
    const tail = onEnd(how);
    settle();
    if (controller) {
      if (tail && tail.byteLength) controller.enqueue(tail);
      controller.close();
    }
  };
  let waiting = first.length ? [...first] : undefined;
  const readable = new ReadableStream(
    {
      async pull(controller) {
        while (waiting) {
          const out = each(waiting.shift());
          if (!waiting.length) waiting = undefined;
          if (out && out.byteLength) return controller.enqueue(out);
        }
        // Loops until something is enqueued: a pull that enqueues nothing is not called again.
        for (;;) {
          let result;
          try {
            result = await reader.read();
          } catch {
            if (ended) return;
            return end(controller, watch.stalled ? STALLED : BROKEN);
          }
          // Cancelled while reading: `cancel` has ended the body already.
          if (ended) return;
          if (watch.stalled) return end(controller, STALLED);
          if (result.done) return end(controller, COMPLETE);
          watch.last = Date.now();
          const out = each(result.value);
          if (out && out.byteLength) return controller.enqueue(out);
        }
      },
      cancel(reason) {
        if (!ended) end(null, CLIENT_GONE);
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  return { readable, done };
}

// Hands `reader`'s body on unchanged after `first`, the gateway's copy going to `onData` in
// batches of about BATCH_BYTES: into a `FixedLengthStream` when `length` >= 0, pulled otherwise.
function copying(reader, watch, first, onData, onEnd, length) {
  let batch = [];
  let size = 0;
  const each = (chunk) => {
    batch.push(chunk);
    size += chunk.byteLength;
    if (size >= BATCH_BYTES) {
      onData(batch);
      batch = [];
      size = 0;
    }
    return chunk;
  };
  const end = (how) => {
    if (size) onData(batch);
    return onEnd(how);
  };
  return length >= 0 ? pumped(reader, watch, first, each, end, length) : pulled(reader, watch, first, each, end);
}

// Passes a body on unchanged, keeping a copy for the gateway (see the top of this file); `length`
// as for `copying` (-1 for none).
export function passBody(body, onData, onEnd, idleMs, length) {
  const reader = body.getReader();
  return copying(reader, idleWatch(reader, idleMs), [], onData, onEnd, length);
}

// Reads a document (a JSON or text body) before answering: the client cannot use a part of one,
// and a body that breaks off before its end can still be answered with a proper error. Resolves to
// - `{ whole, done }` when the body ended within `wholeMax` bytes: `onData(whole)` and
//   `onEnd(COMPLETE)` have run;
// - `{ readable, done }` when it grew past `wholeMax` and `pass` is true: the rest is pumped as
//   `passBody` does, the client's stream starting with what was read;
// - `{ tooLarge: true }` when it grew past `wholeMax` and `pass` is false (the body is cancelled);
// - `{ failed: BROKEN | STALLED }` when it broke off or stalled before its end (nothing was handed
//   to the gateway: the client is to get an error instead).
export async function collectBody(body, onData, onEnd, idleMs, wholeMax, pass, length = -1) {
  const reader = body.getReader();
  const watch = idleWatch(reader, idleMs);
  const chunks = [];
  let size = 0;
  try {
    for (;;) {
      const { done: finished, value } = await reader.read();
      if (watch.stalled) break;
      if (finished) {
        stop(watch);
        const whole = join(chunks, size);
        onData([whole]);
        onEnd(COMPLETE);
        return { whole, done: Promise.resolve() };
      }
      watch.last = Date.now();
      chunks.push(value);
      size += value.byteLength;
      if (size > wholeMax) {
        if (pass) return copying(reader, watch, chunks, onData, onEnd, length);
        stop(watch);
        reader.cancel().catch(() => {});
        return { tooLarge: true };
      }
    }
  } catch {
    reader.cancel().catch(() => {});
  }
  stop(watch);
  return { failed: watch.stalled ? STALLED : BROKEN };
}

// Waits for the first bytes of `response`'s body (under the fetch's deadline, which aborts the read)
// and resolves to an equal response whose body starts with them: a provider that sends its head and
// then stalls can so be failed over while another attempt remains. The rest of the body is pulled
// through as the client reads it.
export async function withFirstChunk(response) {
  const reader = response.body.getReader();
  const first = await reader.read();
  let pending = first.done ? undefined : first.value;
  let finished = first.done;
  const body = new ReadableStream(
    {
      async pull(controller) {
        if (pending) {
          controller.enqueue(pending);
          pending = undefined;
          return;
        }
        if (finished) return controller.close();
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

// Reads a body whole for the gateway itself (a response it translates): `collectBody` without a
// client stream and without callbacks.
export function readWhole(body, idleMs, max) {
  return collectBody(body, () => {}, () => {}, idleMs, max, false);
}

// Relays a response body that the gateway rewrites (translation between API formats, a usage
// event hidden): each chunk goes through `onChunk`, a synchronous call into Wasm, and the client
// gets what it returns. At the end `onEnd(end)` runs once (BROKEN when the upstream broke,
// CLIENT_GONE when the client went away, STALLED after `idleMs` without data) and may return bytes
// to append, such as an explicit error event. Returns the client's stream and a promise that
// settles once `onEnd` has run.
export function relayBody(body, onChunk, onEnd, idleMs) {
  const reader = body.getReader();
  return pulled(reader, idleWatch(reader, idleMs), [], onChunk, onEnd);
}
