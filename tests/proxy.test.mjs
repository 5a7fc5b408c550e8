// Provider proxying with raw fetch: path mapping, header rules, bodies byte for byte, errors.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startMockUpstream, audioBytes } from './support/mock-upstream.mjs';
import { startGateway } from './support/gateway.mjs';

let mock, gw, base;
before(async () => {
  mock = await startMockUpstream();
  gw = await startGateway(mock.url, { MAX_REQUEST_BODY_BYTES: String(1024 * 1024) });
  base = `${gw.url}/v1/acct123/my-gateway`;
});
after(async () => { await gw?.close(); await mock?.close(); });
beforeEach(() => mock.reset());

const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');

async function echo(path, init = {}) {
  const res = await fetch(`${base}${path}`, { method: 'POST', ...init });
  assert.equal(res.status, 200, `${path}: ${res.status}`);
  assert.equal(res.headers.get('x-mock-echo'), '1');
  return (await res.json()).echo;
}

test('each provider path maps to its upstream path, query kept', async () => {
  const cases = [
    ['/openai/echo/thing?a=1&b=two', '/openai/v1/echo/thing', '?a=1&b=two'],
    ['/openai/v1/echo', '/openai/v1/echo', ''],
    ['/anthropic/v1/echo', '/anthropic/v1/echo', ''],
    ['/groq/echo', '/groq/v1/echo', ''],
    ['/grok/echo', '/grok/v1/echo', ''],
    ['/grok/v1/echo', '/grok/v1/echo', ''],
    ['/deepseek/echo', '/deepseek/echo', ''],
    ['/perplexity-ai/echo', '/perplexity-ai/echo', ''],
    ['/google-ai-studio/v1beta/models/gemini-2.5-flash:batchGenerateContent?alt=sse', '/google-ai-studio/v1beta/models/gemini-2.5-flash:batchGenerateContent', '?alt=sse'],
    ['/huggingface/bigcode/starcoder', '/huggingface/bigcode/starcoder', ''],
    ['/azure-openai/my-res/my-deploy/echo?api-version=2024-10-21', '/azure-openai/my-res/my-deploy/echo', '?api-version=2024-10-21'],
    ['/workers-ai/@cf/meta/llama-3.1-8b-instruct', '/workers-ai/acct123/run/@cf/meta/llama-3.1-8b-instruct', ''],
    ['/workers-ai/v1/echo', '/workers-ai/acct123/v1/echo', ''],
    ['/replicate/predictions', '/replicate/v1/predictions', ''],
    ['/cohere/v2/echo', '/cohere/v2/echo', ''],
    ['/google-vertex-ai/v1/projects/p1/locations/europe-west4/publishers/google/models/gemini-2.5-pro:computeTokens', '/google-vertex-ai/europe-west4/v1/projects/p1/locations/europe-west4/publishers/google/models/gemini-2.5-pro:computeTokens', ''],
    ['/aws-bedrock/bedrock-runtime/us-east-1/model/us.anthropic.claude-haiku-4-5-20251001-v1:0/invoke', '/aws-bedrock/bedrock-runtime/us-east-1/model/us.anthropic.claude-haiku-4-5-20251001-v1:0/invoke', ''],
  ];
  for (const [path, upstreamPath, query] of cases) {
    const seen = await echo(path, { body: '{}' });
    assert.equal(seen.path, upstreamPath, path);
    assert.equal(seen.query, query, path);
  }
});

test('provider auth headers are forwarded; cf-aig-* and hop-by-hop headers are not', async () => {
  const seen = await echo('/anthropic/v1/echo', {
    headers: {
      'x-api-key': 'sk-ant-test', 'anthropic-version': '2023-06-01', authorization: 'Bearer sk-test',
      'cf-aig-cache-ttl': '600', 'cf-aig-metadata': '{"user":"u1"}', 'cf-aig-authorization': 'Bearer gw-token',
      'x-forwarded-for': '203.0.113.7', 'x-custom': 'kept', 'content-type': 'application/json',
    },
    body: '{"a":1}',
  });
  assert.equal(seen.headers['x-api-key'], 'sk-ant-test');
  assert.equal(seen.headers['anthropic-version'], '2023-06-01');
  assert.equal(seen.headers.authorization, 'Bearer sk-test');
  assert.equal(seen.headers['x-custom'], 'kept');
  assert.equal(seen.headers['content-type'], 'application/json');
  for (const name of Object.keys(seen.headers)) {
    assert.ok(!name.startsWith('cf-aig-'), `${name} leaked upstream`);
  }
  assert.equal(seen.headers['x-forwarded-for'], undefined);
  assert.equal(seen.headers['content-length'], '7');
});

test('methods other than POST pass through', async () => {
  const res = await fetch(`${base}/openai/models`, { headers: { authorization: 'Bearer sk' } });
  assert.equal(res.status, 200);
  const { echo: seen } = await res.json();
  assert.equal(seen.method, 'GET');
  assert.equal(seen.path, '/openai/v1/models');
  const del = await fetch(`${base}/openai/files/file-1`, { method: 'DELETE' });
  assert.equal((await del.json()).echo.method, 'DELETE');
});

test('multipart uploads and binary bodies arrive byte for byte', async () => {
  const audio = audioBytes(300_000);
  const form = new FormData();
  form.append('model', 'whisper-1');
  form.append('file', new Blob([audio], { type: 'audio/mpeg' }), 'speech.mp3');
  const request = new Request(`${base}/openai/audio/transcriptions`, { method: 'POST', body: form });
  const sent = Buffer.from(await request.clone().arrayBuffer());
  const contentType = request.headers.get('content-type');
  const seen = await echo('/openai/audio/transcriptions', { body: sent, headers: { 'content-type': contentType } });
  assert.equal(seen.bodyLength, sent.length);
  assert.equal(seen.bodySha256, sha256(sent));
  assert.equal(seen.headers['content-type'], contentType);
});

test('binary responses stream back unchanged', async () => {
  const res = await fetch(`${base}/openai/audio/speech`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'x-mock-bytes': '500000' },
    body: JSON.stringify({ model: 'tts-1', input: 'hi', voice: 'alloy' }),
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'audio/mpeg');
  const body = Buffer.from(await res.arrayBuffer());
  assert.equal(sha256(body), sha256(audioBytes(500000)));
});

test('upstream errors pass through with their status and body', async () => {
  const res = await fetch(`${base}/openai/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'x-mock-status': '429' }, body: '{"model":"m"}',
  });
  assert.equal(res.status, 429);
  assert.deepEqual(await res.json(), { error: { message: 'mock upstream error 429', type: 'rate_limit_error', code: null } });
});

function assertGatewayError(status, code, body) {
  assert.equal(typeof body.error?.message, 'string');
  assert.equal(body.error.code, code);
  assert.ok(['invalid_request_error', 'upstream_error', 'api_error'].includes(body.error.type));
  return status;
}

test('unknown provider is a 400 listing valid providers', async () => {
  const res = await fetch(`${base}/not-a-provider/chat/completions`, { method: 'POST', body: '{}' });
  assert.equal(res.status, 400);
  assert.match(res.headers.get('content-type'), /application\/json/);
  const body = await res.json();
  assertGatewayError(400, 'unknown_provider', body);
  assert.match(body.error.message, /not-a-provider/);
  assert.match(body.error.message, /openai/);
  assert.match(body.error.message, /azure-openai/);
});

test('malformed paths are 404', async () => {
  for (const path of ['/', '/v1', '/v1/acct', '/v1/acc%2Ft/gw/', '/v2/acct/gw/openai/chat/completions', '/favicon.ico']) {
    const res = await fetch(`${gw.url}${path}`, { method: 'POST', body: '{}' });
    assert.equal(res.status, 404, path);
    assertGatewayError(404, 'not_found', await res.json());
  }
});

test('path parameters that would change the upstream host are rejected', async () => {
  const res = await fetch(`${base}/azure-openai/evil.example.com/dep/chat/completions`, { method: 'POST', body: '{}' });
  assert.equal(res.status, 400);
  assertGatewayError(400, 'invalid_request', await res.json());
  assert.equal((await mock.requests()).length, 0);
});

test('bodies over the limit are 413, with or without content-length', async () => {
  const big = Buffer.alloc(1024 * 1024 + 1, 0x61);
  const res = await fetch(`${base}/openai/chat/completions`, { method: 'POST', body: big });
  assert.equal(res.status, 413);
  assertGatewayError(413, 'payload_too_large', await res.json());

  const chunked = new ReadableStream({
    start(controller) {
      for (let i = 0; i < 40; i++) controller.enqueue(new Uint8Array(64 * 1024));
      controller.close();
    },
  });
  const res2 = await fetch(`${base}/openai/chat/completions`, { method: 'POST', body: chunked, duplex: 'half' });
  assert.equal(res2.status, 413);
  assertGatewayError(413, 'payload_too_large', await res2.json());
  assert.equal((await mock.requests()).length, 0, 'nothing reached the upstream');

  const small = new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode('{"ok":true}')); c.close(); } });
  const res3 = await fetch(`${base}/openai/echo`, { method: 'POST', body: small, duplex: 'half' });
  assert.equal(res3.status, 200);
  assert.equal((await res3.json()).echo.bodyLength, 11);
});

test('an unreachable upstream is a 502', async () => {
  const closed = await startMockUpstream();
  const deadUrl = closed.url;
  await closed.close();
  const other = await startGateway(deadUrl);
  try {
    const res = await fetch(`${other.url}/v1/a/g/openai/chat/completions`, { method: 'POST', body: '{}' });
    assert.equal(res.status, 502);
    const body = await res.json();
    assertGatewayError(502, 'upstream_unreachable', body);
    assert.equal(body.error.type, 'upstream_error');
    const host = new URL(deadUrl).host;
    assert.match(body.error.message, new RegExp(`: the connection to ${host} was refused or lost: check that the provider listens there$`));
  } finally {
    await other.close();
  }
});

test('a provider host that does not resolve is a 502 naming the host, not an internal error', async () => {
  // .invalid never resolves (RFC 6761); workerd reports the failed lookup only as "internal error".
  const other = await startGateway('http://no-such-host.invalid');
  try {
    const res = await fetch(`${other.url}/v1/a/g/openai/chat/completions`, { method: 'POST', body: '{}' });
    assert.equal(res.status, 502);
    const body = await res.json();
    assertGatewayError(502, 'upstream_unreachable', body);
    assert.match(body.error.message, /^could not reach the provider at http:\/\/no-such-host\.invalid\/openai\/v1\/chat\/completions: the name no-such-host\.invalid could not be resolved \(DNS lookup failed; the runtime says only "internal error; reference = \w+"\): check the host name and the network$/);
  } finally {
    await other.close();
  }
});

test('a provider that does not speak TLS on an https URL is a 502 that names the handshake', async () => {
  // The mock speaks plain HTTP: an https URL to it fails in the TLS handshake, which workerd
  // reports exactly as it reports a failed lookup.
  const host = new URL(mock.url).host;
  const other = await startGateway(mock.url.replace('http://', 'https://'));
  try {
    const res = await fetch(`${other.url}/v1/a/g/openai/chat/completions`, { method: 'POST', body: '{}' });
    assert.equal(res.status, 502);
    const body = await res.json();
    assertGatewayError(502, 'upstream_unreachable', body);
    assert.match(body.error.message, new RegExp(`: the name ${host.replace('.', '\\.')} could not be resolved, or its TLS handshake failed \\(the runtime says only "internal error; reference = \\w+"\\): check the host name, that it serves HTTPS on that port, and the network$`));
  } finally {
    await other.close();
  }
});

test('invalid configuration answers 500 with the reason, never proxies', async () => {
  const cases = [
    [{ UPSTREAM_OVERRIDES: '{"nope":"http://x"}' }, /UPSTREAM_OVERRIDES names unknown provider "nope"/],
    [{ MAX_REQUEST_BODY_BYTES: 'lots' }, /MAX_REQUEST_BODY_BYTES/],
    [{ PLUGINS: 'access-log, no-such-plugin' }, /unknown plugin "no-such-plugin"; known plugins: .*access-log/],
  ];
  for (const [vars, message] of cases) {
    const bad = await startGateway(mock.url, vars);
    try {
      const res = await fetch(`${bad.url}/v1/a/g/openai/chat/completions`, { method: 'POST', body: '{}' });
      assert.equal(res.status, 500);
      const body = await res.json();
      assertGatewayError(500, 'gateway_misconfigured', body);
      assert.match(body.error.message, message);
    } finally {
      await bad.close();
    }
  }
  assert.equal((await mock.requests()).length, 0);
});
