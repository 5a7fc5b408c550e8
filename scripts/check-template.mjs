// Checks that the repository works as a C3 template (`npm create cloudflare@latest -- --template=…`)
// without reaching GitHub: C3 clones `github:<owner>/<repo>` with git (`--template-mode=git`), and
// a throwaway HOME's git configuration points that address at a bare clone of this checkout's HEAD.
// Then:
//   1. C3 runs to the end, non-interactively (no deploy, no git, no AGENTS.md);
//   2. the project it made is read by wrangler, as `wrangler deploy` would, and compared with this
//      repository's own configuration: the same entry point, build command, assets, variables,
//      Durable Objects and migrations, KV namespaces, Analytics Engine dataset (only what C3 is
//      known to change may differ: the name, compatibility flags, source maps, observability);
//   3. the project's Worker, as wrangler would run it (its compatibility flags included), serves a
//      chat completion through the mock upstream, the dashboard at /, and refuses /api without a
//      token. It runs this checkout's build/ (C3 copies sources, and the build is the same
//      sources'), so build first (npm run build).
// Not part of `npm test`: C3 runs `npm install` in the project it makes (about a minute, from the
// npm registry). Run it with `npm run check:template`. Needs Node 20 or later (create-cloudflare
// 2.67.4 is the newest that runs on Node 20; set C3_VERSION for another).
import { execFileSync, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { ROOT, ADMIN_TOKEN, overridesFor } from '../tests/support/gateway.mjs';
import { startMockUpstream } from '../tests/support/mock-upstream.mjs';
import { Miniflare } from 'miniflare';

const C3_VERSION = process.env.C3_VERSION || '2.67.4';
const TEMPLATE = 'github:ai-gateway-template-check/ai-gateway';
const run = promisify(execFile);
const step = (text) => console.log(`[check-template] ${text}`);

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-gateway-c3-'));
const home = path.join(work, 'home');
const bare = path.join(work, 'template.git');
const project = path.join(work, 'out', 'my-gateway');
fs.mkdirSync(home);
fs.mkdirSync(path.dirname(project));

/** How wrangler reads a configuration file (in a child process: loading wrangler changes globals). */
async function wranglerOptions(configPath) {
  const read = `import('wrangler').then((w) => console.log(JSON.stringify(w.unstable_getMiniflareWorkerOptions(${JSON.stringify(configPath)}))))`;
  const { stdout } = await run(process.execPath, ['-e', read], { cwd: ROOT, env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } });
  return JSON.parse(stdout.trim().split('\n').at(-1));
}

let mf;
let mock;
try {
  if (!fs.existsSync(path.join(ROOT, 'build/index.js'))) throw new Error('build/index.js is missing: run npm run build first');
  step(`cloning HEAD into ${bare}`);
  execFileSync('git', ['clone', '--quiet', '--bare', ROOT, bare]);
  const [, owner, repo] = TEMPLATE.match(/^github:([^/]+)\/(.+)$/);
  fs.writeFileSync(path.join(home, '.gitconfig'), [
    `[url "${bare}"]`, `\tinsteadOf = git@github.com:${owner}/${repo}`, `\tinsteadOf = https://github.com/${owner}/${repo}`,
    '[user]', '\tname = template check', '\temail = template-check@example.invalid', '',
  ].join('\n'));

  step(`installing create-cloudflare@${C3_VERSION}`);
  const c3Dir = path.join(work, 'c3');
  execFileSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', c3Dir, `create-cloudflare@${C3_VERSION}`], { stdio: ['ignore', 'ignore', 'inherit'] });

  step(`running C3: ${TEMPLATE} into ${project}`);
  const started = Date.now();
  execFileSync(process.execPath, [path.join(c3Dir, 'node_modules/create-cloudflare/bin/c3.js'), path.basename(project),
    `--template=${TEMPLATE}`, '--template-mode=git', '--no-deploy', '--no-git', '--no-open', '--no-agents'], {
    cwd: path.dirname(project), stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, HOME: home, CI: 'true', CREATE_CLOUDFLARE_TELEMETRY_DISABLED: '1', WRANGLER_SEND_METRICS: 'false' },
  });
  step(`C3 finished in ${((Date.now() - started) / 1000).toFixed(0)} s`);

  // wrangler wants the assets directory to exist before it reads the configuration.
  fs.cpSync(path.join(ROOT, 'build'), path.join(project, 'build'), { recursive: true });
  step('comparing the configuration wrangler reads from both');
  const ours = await wranglerOptions(path.join(ROOT, 'wrangler.toml'));
  const theirs = await wranglerOptions(path.join(project, 'wrangler.toml'));
  const rel = (w, dir) => JSON.parse(JSON.stringify(w).replaceAll(dir, '<root>'));
  const [a, b] = [rel(ours.workerOptions, ROOT), rel(theirs.workerOptions, project)];
  // The asset server is told the Worker's compatibility flags, which C3 is known to change.
  for (const w of [a, b]) delete w.assets?.assetConfig?.compatibility_flags;
  for (const key of ['bindings', 'durableObjects', 'kvNamespaces', 'analyticsEngineDatasets', 'assets', 'compatibilityDate', 'queueProducers', 'queueConsumers']) {
    assert.deepEqual(b[key], a[key], `C3 changed ${key}`);
  }
  assert.equal(theirs.main?.replaceAll(project, '<root>'), ours.main?.replaceAll(ROOT, '<root>'), 'the entry point');
  const toml = fs.readFileSync(path.join(project, 'wrangler.toml'), 'utf8');
  assert.match(toml, /command = "bash scripts\/build\.sh --gateway-only"/, 'the build command');
  assert.match(toml, /new_sqlite_classes = \[ "LogShard" \]/, 'the Durable Object migrations');
  const changed = Object.keys({ ...a, ...b }).filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
  step(`what C3 changed in the Worker's options: ${changed.join(', ') || 'nothing'} (compatibility flags: ${JSON.stringify(b.compatibilityFlags ?? [])})`);
  const comments = (text) => text.split('\n').filter((l) => l.trim().startsWith('#')).length;
  step(`wrangler.toml comment lines: ${comments(fs.readFileSync(path.join(ROOT, 'wrangler.toml'), 'utf8'))} in the repository, ${comments(toml)} after C3`);

  step('running the project\'s Worker as wrangler would, against the mock upstream');
  mock = await startMockUpstream();
  const options = theirs.workerOptions;
  const pick = ['bindings', 'durableObjects', 'kvNamespaces', 'analyticsEngineDatasets', 'assets', 'compatibilityDate', 'compatibilityFlags'];
  mf = new Miniflare({
    ...Object.fromEntries(pick.filter((k) => options[k] !== undefined).map((k) => [k, options[k]])),
    host: '127.0.0.1', port: 0,
    scriptPath: theirs.main,
    modules: true,
    // Module names are relative to this; the default (the working directory) cannot reach /tmp.
    modulesRoot: path.dirname(theirs.main),
    modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
    bindings: { ...options.bindings, UPSTREAM_OVERRIDES: JSON.stringify(overridesFor(mock.url)), ADMIN_TOKEN },
  });
  const url = (await mf.ready).origin;
  const chat = await fetch(`${url}/v1/acct/gw/openai/chat/completions`, {
    method: 'POST', headers: { authorization: 'Bearer sk-test', 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-5-mini', messages: [{ role: 'user', content: 'Hello' }] }),
  });
  const answer = await chat.json();
  assert.equal(chat.status, 200, JSON.stringify(answer));
  assert.equal(answer.object, 'chat.completion');
  assert.match(chat.headers.get('cf-aig-log-id') ?? '', /^\w+/);
  const page = await fetch(`${url}/`);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<script type="module" src="app.js">/);
  assert.equal((await fetch(`${url}/api/logs`)).status, 401);
  step('the project C3 made serves the gateway, its dashboard and its admin API');
  step(`passed (project left in ${project} for a look; remove ${work} when done)`);
} catch (err) {
  console.error(`[check-template] FAILED: ${err.stack ?? err}`);
  console.error(`[check-template] files kept in ${work}`);
  process.exitCode = 1;
} finally {
  await mf?.dispose().catch(() => {});
  await mock?.close();
}
