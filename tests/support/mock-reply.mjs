// How the mock upstream writes an answer, and how it misbehaves on request (see the header list
// at the top of mock-upstream.mjs). An answer is { status, headers, body, length }: `body` is a
// string, a Buffer, or an async iterable of strings/Buffers (which may yield CUT to break the
// connection there); `length` is its size in bytes when known. Every write waits for 'drain', and
// a generator stops as soon as the client went away, so the mock stays small whatever it sends.

/** Yielded by a body to destroy the socket at that point (a connection cut mid-body). */
export const CUT = Symbol('cut');

export const FAULTS = ['short-body', 'bad-gzip', 'stall-body', 'stall-head', 'garbage-sse'];

/** The largest body the mock generates (x-mock-body-bytes, x-mock-bytes) or offsets it accepts. */
export const MAX_BODY_BYTES = 1024 ** 3;
/** The longest wait the mock accepts (x-mock-delay-ms, x-mock-stall-ms). */
export const MAX_WAIT_MS = 600_000;
/** How many bytes short-body declares beyond what it has. */
const SHORT_BODY_MISSING = 1024;

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The integer value of header `raw`, `fallback` when absent or not a number, clamped to [min, max]. */
export function intHeader(raw, fallback, min, max) {
  const n = raw === undefined ? NaN : Math.floor(Number(raw));
  return Number.isFinite(n) ? Math.min(max, Math.max(min, n)) : fallback;
}

/**
 * The misbehaviour a request asks for, from its headers (`h(name)` reads one); `error` names a
 * header the mock cannot honour. `active` is false for the plain, well-behaved answer.
 */
export function faultsOf(h) {
  const fault = h('x-mock-fault');
  if (fault !== undefined && !FAULTS.includes(fault)) return { error: `x-mock-fault must be one of ${FAULTS.join(', ')}` };
  const faults = {
    fault,
    stallAfter: intHeader(h('x-mock-stall-after-bytes'), 0, 0, MAX_BODY_BYTES),
    stallMs: h('x-mock-stall-ms') === undefined ? undefined : intHeader(h('x-mock-stall-ms'), 0, 0, MAX_WAIT_MS),
    trickleMs: intHeader(h('x-mock-trickle-ms'), 0, 0, 60_000),
    trickleBytes: intHeader(h('x-mock-trickle-bytes'), 16, 1, 65536),
    noLength: h('x-mock-no-length') !== undefined && h('x-mock-no-length') !== '0',
  };
  faults.active = Boolean(fault || faults.trickleMs || faults.noLength);
  return faults;
}

/** Resolves true once the client went away (the response closed before it finished). */
function clientGone(res) {
  return new Promise((resolve) => {
    if (res.destroyed || res.writableFinished) return resolve(res.destroyed);
    res.once('close', () => resolve(true));
  });
}

/** Waits `ms` (forever when undefined) or until the client goes away; true when it went away. */
async function waitOrGone(res, ms) {
  let timer;
  const gone = clientGone(res);
  const elapsed = ms === undefined ? new Promise(() => {}) : new Promise((r) => { timer = setTimeout(() => r(false), ms); });
  try {
    return await Promise.race([gone, elapsed]);
  } finally {
    clearTimeout(timer);
  }
}

/** Writes `chunk`, waiting for 'drain' when the socket's buffer is full; false once the client is gone. */
export function write(res, chunk) {
  if (res.destroyed) return Promise.resolve(false);
  if (res.write(chunk)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok) => { res.off('drain', onDrain); res.off('close', onClose); resolve(ok); };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}

/** The body as a sequence of pieces. */
async function* piecesOf(body) {
  if (typeof body === 'string' || Buffer.isBuffer(body)) yield body;
  else if (body) yield* body;
}

/** The most of a stream short-body reads ahead to know its length. */
const SHORT_BODY_READ_AHEAD = 16 * 1024 * 1024;

/** Reads a generated body up to `max` bytes (short-body needs a length up front). */
async function collect(body, max) {
  const parts = [];
  let size = 0;
  for await (const piece of piecesOf(body)) {
    if (piece === CUT) break;
    parts.push(Buffer.from(piece));
    size += parts.at(-1).length;
    if (size >= max) break;
  }
  return Buffer.concat(parts).subarray(0, max);
}

/** Sends `answer` on `res` as `faults` ask (a plain answer when none). Never throws. */
export async function sendReply(res, answer, faults = { active: false }) {
  let { status, headers, body, length } = answer;
  if (!faults.active && (typeof body === 'string' || Buffer.isBuffer(body))) {
    res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body) });
    return res.end(body);
  }
  if (faults.fault === 'stall-head') {
    if (await waitOrGone(res, faults.stallMs)) return;
  }
  if (typeof body === 'string') body = Buffer.from(body);
  if (Buffer.isBuffer(body)) length = body.length;
  let limit = Infinity;
  const head = { ...headers };
  if (faults.fault === 'short-body') {
    if (length === undefined) {
      body = await collect(body, SHORT_BODY_READ_AHEAD);
      length = body.length;
    }
    limit = Math.floor(length / 2);
    head['content-length'] = length + SHORT_BODY_MISSING;
  } else if (length !== undefined && !faults.noLength) {
    head['content-length'] = length;
  }
  if (faults.fault === 'bad-gzip') head['content-encoding'] = 'gzip';
  res.writeHead(status, head);
  res.flushHeaders();

  const stallAt = faults.fault === 'stall-body' ? faults.stallAfter : Infinity;
  let sent = 0;
  let stalled = false;
  // Writes `buf` (trickled when asked); false once the client is gone.
  const send = async (buf) => {
    const step = faults.trickleMs ? faults.trickleBytes : buf.length;
    for (let at = 0; at < buf.length; at += step) {
      if (at > 0 || sent > 0) if (faults.trickleMs) await sleep(faults.trickleMs);
      if (!(await write(res, buf.subarray(at, at + step)))) return false;
    }
    sent += buf.length;
    return true;
  };
  for await (const piece of piecesOf(body)) {
    if (piece === CUT) {
      // Let what was written reach the peer first, then break the connection mid-body.
      await sleep(50);
      res.socket?.destroy();
      return;
    }
    let buf = Buffer.isBuffer(piece) ? piece : Buffer.from(piece);
    if (sent + buf.length > limit) buf = buf.subarray(0, limit - sent);
    if (!stalled && sent + buf.length >= stallAt) {
      const before = buf.subarray(0, stallAt - sent);
      if (before.length && !(await send(before))) return;
      stalled = true;
      if (await waitOrGone(res, faults.stallMs)) return;
      buf = buf.subarray(before.length);
    }
    if (buf.length && !(await send(buf))) return;
    if (sent >= limit) break;
  }
  if (faults.fault === 'stall-body' && !stalled) {
    // The body was shorter than the stall point: stall at its end, before closing.
    if (await waitOrGone(res, faults.stallMs)) return;
  }
  if (faults.fault === 'short-body') {
    await new Promise((r) => res.write('', r));
    await sleep(50);
    res.socket?.destroy();
    return;
  }
  res.end();
}
