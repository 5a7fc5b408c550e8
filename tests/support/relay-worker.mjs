// A Worker that runs src/js/relay.js's body modes in workerd, against a provider body made here,
// for what the end-to-end tests cannot reach: Miniflare does not pass a client's disconnect on to
// the Worker, so the client going away is played by cancelling the client's stream here.
//
//   GET /client-gone?mode=relay|pass|collect  → { end, endCalls, providerCancelled, ms }
//
// The provider sends one chunk and then nothing (an idle timeout of a minute is far away); the
// client reads that chunk and cancels its body. `end` is what `onEnd` was told (3: CLIENT_GONE),
// null when it was not called within 3 s, `endCalls` how often it was called (once is right); `providerCancelled` whether the provider's body was
// cancelled, which is what stops a provider from generating (and billing) an answer nobody reads.
import { collectBody, passBody, relayBody } from '../../src/js/relay.js';

const CHUNK = new TextEncoder().encode('data: {"choices":[{"delta":{"content":"hi"}}]}\n\n');

export default {
  async fetch(request) {
    const mode = new URL(request.url).searchParams.get('mode');
    let providerCancelled = false;
    const provider = new ReadableStream({
      start(controller) {
        controller.enqueue(CHUNK);
      },
      cancel() {
        providerCancelled = true;
      },
    });
    let end = null;
    let endCalls = 0;
    const onEnd = (how) => {
      endCalls++;
      end ??= how;
    };
    const started = Date.now();
    let client;
    if (mode === 'relay') client = relayBody(provider, (chunk) => chunk, onEnd, 60_000);
    else if (mode === 'pass') client = passBody(provider, () => {}, onEnd, 60_000, -1);
    // A document past its whole-body limit is passed on as it arrives (the limit here: 1 byte).
    else client = await collectBody(provider, () => {}, onEnd, 60_000, 1, true, -1);
    const reader = client.readable.getReader();
    await reader.read();
    await reader.cancel(new Error('the client went away'));
    await Promise.race([client.done, new Promise((resolve) => setTimeout(resolve, 3000))]);
    const ms = Date.now() - started;
    // Time for a second, wrong call of onEnd (the cancelled read ending too) to show.
    await new Promise((resolve) => setTimeout(resolve, 100));
    return Response.json({ end, endCalls, providerCancelled, ms });
  },
};
