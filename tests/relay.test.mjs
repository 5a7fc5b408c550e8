// src/js/relay.js in workerd, where the end-to-end tests cannot reach: a client that goes away.
// Miniflare does not pass a client's disconnect on to the Worker, so tests/support/relay-worker.mjs
// plays the client, cancelling its body while the provider is silent. (A body that keeps the
// provider's content-length goes into a native FixedLengthStream, which notices the client gone
// only at the next chunk: not tested, not promised.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startWorker, ROOT } from './support/gateway.mjs';

/** `onEnd`'s CLIENT_GONE (`BodyEnd` in src/body_stream.rs). */
const CLIENT_GONE = 3;

let worker;
before(async () => { worker = await startWorker({ script: path.join(ROOT, 'tests/support/relay-worker.mjs') }); });
after(async () => { await worker?.close(); });

for (const mode of ['relay', 'pass', 'collect']) {
  test(`${mode}: a client that goes away while the provider is silent cancels the provider at once`, async () => {
    const res = await fetch(`${worker.url}/client-gone?mode=${mode}`);
    assert.equal(res.status, 200, await res.clone().text());
    const { end, endCalls, providerCancelled, ms } = await res.json();
    assert.equal(end, CLIENT_GONE, 'the completion is told the client went away');
    assert.equal(endCalls, 1, 'and told once');
    assert.equal(providerCancelled, true, "the provider's body is cancelled");
    assert.ok(ms < 3000, `${ms} ms`);
  });
}
