// Variables as people write them: wrangler.toml [vars] with TOML tables and numbers, and .dev.vars
// with JSON over several lines. Each case is read by wrangler itself (the options `wrangler dev`
// gives Miniflare), then the gateway runs with those bindings against the mock upstream.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startMockUpstream } from './support/mock-upstream.mjs';
import { ADMIN_TOKEN, GATEWAY_BINDINGS, ROOT, startWorker } from './support/gateway.mjs';

let mock;
const dirs = [];
before(async () => { mock = await startMockUpstream(); });
after(async () => {
  await mock?.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** The bindings wrangler makes of `toml` (and of `devVars` as .dev.vars beside it). */
async function wranglerBindings(toml, devVars) {
  const dir = mkdtempSync(path.join(tmpdir(), 'ai-gateway-vars-'));
  dirs.push(dir);
  writeFileSync(path.join(dir, 'wrangler.toml'), `name = "vars-test"\nmain = "index.js"\ncompatibility_date = "2026-04-20"\n${toml}`);
  writeFileSync(path.join(dir, 'index.js'), 'export default {};\n');
  if (devVars !== undefined) writeFileSync(path.join(dir, '.dev.vars'), devVars);
  // In a child process: loading wrangler changes globals (fetch's dispatcher).
  const read = `import('wrangler').then((w) => console.log(JSON.stringify(w.unstable_getMiniflareWorkerOptions(${JSON.stringify(path.join(dir, 'wrangler.toml'))}).workerOptions.bindings)))`;
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', read], { cwd: ROOT });
  return JSON.parse(stdout.trim().split('\n').at(-1));
}

async function withGateway(bindings, run) {
  const gw = await startWorker({ vars: { ADMIN_TOKEN, ...bindings }, ...GATEWAY_BINDINGS });
  try {
    await run(gw);
  } finally {
    await gw.close();
  }
}

const compat = (gw, model, content = 'hi') => fetch(`${gw.url}/v1/acct/gw/compat/chat/completions`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test' },
  body: JSON.stringify({ model, messages: [{ role: 'user', content }] }),
});

test('[vars] may hold TOML tables and numbers: the Worker reads them as JSON and as numbers', async () => {
  const bindings = await wranglerBindings(`
[vars]
MAX_REQUEST_BODY_BYTES = 400

[vars.UPSTREAM_OVERRIDES]
groq = "${mock.url}/groq"

[vars.ROUTES.fast]
targets = [{ provider = "groq", model = "llama-3.1-8b-instant" }]

[vars.COMPAT_ALIASES]
quick = "groq/llama-3.3-70b-versatile"
`);
  assert.equal(typeof bindings.ROUTES, 'object', 'wrangler passes a table as an object, not as text');
  assert.equal(bindings.MAX_REQUEST_BODY_BYTES, 400);
  await withGateway(bindings, async (gw) => {
    mock.reset();
    const routed = await compat(gw, 'fast');
    assert.equal(routed.status, 200, await routed.clone().text());
    const aliased = await compat(gw, 'quick');
    assert.equal(aliased.status, 200, await aliased.clone().text());
    const seen = (await mock.requests()).map((r) => [r.path, JSON.parse(r.bodyText).model]);
    assert.deepEqual(seen, [
      ['/groq/v1/chat/completions', 'llama-3.1-8b-instant'],
      ['/groq/v1/chat/completions', 'llama-3.3-70b-versatile'],
    ]);
    const large = await compat(gw, 'fast', 'x'.repeat(500));
    assert.equal(large.status, 413, 'the numeric body limit applies');
  });
});

test('.dev.vars: JSON over several lines is read whole in single quotes, and cut without them', async () => {
  const routes = `{\n  "fast": {\n    "targets": [{"provider": "groq", "model": "llama-3.1-8b-instant"}]\n  }\n}`;
  const overrides = `UPSTREAM_OVERRIDES={"groq":"${mock.url}/groq"}\n`;

  const quoted = await wranglerBindings('', `${overrides}ROUTES='${routes}'\n`);
  await withGateway(quoted, async (gw) => {
    const res = await compat(gw, 'fast');
    assert.equal(res.status, 200, await res.clone().text());
  });

  const unquoted = await wranglerBindings('', `${overrides}ROUTES=${routes}\n`);
  assert.equal(unquoted.ROUTES, '{', 'dotenv ends an unquoted value at its line');
  await withGateway(unquoted, async (gw) => {
    const res = await compat(gw, 'fast');
    assert.equal(res.status, 500);
    const { error } = await res.json();
    assert.equal(error.code, 'gateway_misconfigured');
    assert.match(error.message, /^ROUTES ends before its JSON does: the value read is "\{"/);
    assert.match(error.message, /single quotes \(ROUTES='\{ on its first line, \}' on its last\)/);
  });
});

test('.dev.vars.example holds only the deployed secrets, empty and described: the Deploy button ships what it holds', async () => {
  // The Deploy to Cloudflare button deploys every uncommented entry of .dev.vars.example with the
  // value it has there (the deployer may accept it as is): local conveniences there would send a
  // deployed gateway's traffic to 127.0.0.1, a token there would be public.
  const example = await wranglerBindings('', readFileSync(path.join(ROOT, '.dev.vars.example'), 'utf8'));
  assert.deepEqual(Object.keys(example).sort(), ['ADMIN_TOKEN', 'VIRTUAL_KEY_PEPPER']);
  for (const [name, value] of Object.entries(example)) assert.equal(value, '', `${name} has no value to accept`);
  const described = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).cloudflare.bindings;
  for (const name of Object.keys(example)) assert.match(described[name]?.description ?? '', /openssl rand -hex 32/, `${name} is described`);

  // Deployed like that, the admin API is closed, not open.
  await withGateway(example, async (gw) => {
    const res = await fetch(`${gw.url}/api/logs`, { headers: { authorization: 'Bearer ' } });
    assert.equal(res.status, 401);
    assert.match((await res.json()).error.message, /the admin API is disabled/);
  });
});

test('examples/local.dev.vars, the README\'s try-it settings, reach the mock and open the admin API locally', async () => {
  const local = await wranglerBindings('', readFileSync(path.join(ROOT, 'examples/local.dev.vars'), 'utf8'));
  assert.match(local.UPSTREAM_OVERRIDES, /"openai":"http:\/\/127\.0\.0\.1:9999\/openai"/);
  const onThisMock = { ...local, UPSTREAM_OVERRIDES: local.UPSTREAM_OVERRIDES.replaceAll('http://127.0.0.1:9999', mock.url) };
  await withGateway(onThisMock, async (gw) => {
    const chat = await fetch(`${gw.url}/v1/acct/gw/openai/chat/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', messages: [] }),
    });
    assert.equal(chat.status, 200, await chat.clone().text());
    const logs = await fetch(`${gw.url}/api/logs`, { headers: { authorization: `Bearer ${local.ADMIN_TOKEN}` } });
    assert.equal(logs.status, 200);
  });
});
