// The dashboard in a real browser: headless Chromium (playwright-core) against the built Worker,
// which serves the dashboard's static assets and answers /v1/… and /api/… itself, after traffic
// through the gateway. The tests run in order on one page, as a person would use it; each page is
// saved as a screenshot at desktop and phone width under target/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { startMockUpstream } from './support/mock-upstream.mjs';
import { startGateway, ADMIN_TOKEN, DASHBOARD_ASSETS, ROOT } from './support/gateway.mjs';
import { adminApi } from './support/log-api.mjs';
import { cachedCall, sendTraffic, TRAFFIC_VARS } from './support/dashboard-traffic.mjs';
import { CHROMIUM, DESKTOP, PHONE, launchBrowser, screenshot } from './support/browser.mjs';

let mock, gw, browser, context, page, traffic;
/** Every URL the browser asked for, whatever the page. */
const requested = [];

before(async () => {
  assert.ok(existsSync(path.join(DASHBOARD_ASSETS.directory, 'index.html')), 'build the dashboard first: bash scripts/build.sh');
  assert.ok(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM}: run scripts/setup.sh (it installs Debian's chromium)`);
  mock = await startMockUpstream();
  gw = await startGateway(mock.url, TRAFFIC_VARS, { assets: DASHBOARD_ASSETS });
  traffic = await sendTraffic(gw);
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: DESKTOP, acceptDownloads: true });
  context.setDefaultTimeout(10_000);
  context.on('request', (r) => requested.push(r.url()));
  page = await context.newPage();
});
after(async () => { await browser?.close(); await gw?.close(); await mock?.close(); });

async function api(pathAndQuery, init = {}) {
  const res = await adminApi(gw, pathAndQuery, init);
  assert.equal(res.status, 200, `${pathAndQuery}: ${await res.clone().text()}`);
  return res.json();
}

/** Goes to a hash route of the dashboard and waits for its content. */
async function open(hash, ready) {
  const url = `${gw.url}/${hash}`;
  // Going to the address the page is at would change nothing: load it again instead.
  if (page.url() === url) await page.reload();
  else await page.goto(url);
  await page.locator(ready).first().waitFor();
}

/** Screenshots of the current page at desktop and phone width (then back to desktop). */
async function shots(name) {
  await screenshot(page, `${name}-desktop`);
  await page.setViewportSize(PHONE);
  await page.waitForTimeout(150);
  await screenshot(page, `${name}-phone`);
  await page.setViewportSize(DESKTOP);
}

const rowIds = () => page.locator('table.logs tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.logId));

test('wrangler.toml serves what the tests serve: assets at /, the Worker first for /v1 and /api', async () => {
  // How wrangler reads wrangler.toml, in a child process: loading wrangler changes globals (fetch's dispatcher).
  const read = `import('wrangler').then((w) => console.log(JSON.stringify(w.unstable_getMiniflareWorkerOptions(${JSON.stringify(path.join(ROOT, 'wrangler.toml'))}).workerOptions)))`;
  // Not spawnSync: the mock upstream and Miniflare's loopback server live in this process's event loop.
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', read], { cwd: ROOT });
  const workerOptions = JSON.parse(stdout.trim().split('\n').at(-1));
  assert.equal(workerOptions.assets.directory, DASHBOARD_ASSETS.directory);
  assert.deepEqual(workerOptions.assets.routerConfig.static_routing.user_worker, DASHBOARD_ASSETS.routerConfig.static_routing.user_worker);
  assert.equal(workerOptions.assets.assetConfig.not_found_handling, DASHBOARD_ASSETS.assetConfig.not_found_handling);

  const root = await fetch(`${gw.url}/`);
  assert.equal(root.status, 200);
  assert.match(root.headers.get('content-type'), /text\/html/);
  assert.match(await root.text(), /<script type="module" src="app.js">/);
  for (const file of ['app.js', 'app.css']) assert.equal((await fetch(`${gw.url}/${file}`)).status, 200, file);
  const admin = await fetch(`${gw.url}/api/logs`);
  assert.equal(admin.status, 401, 'the Worker answers /api/ itself');
  const unknown = await fetch(`${gw.url}/v1/acct/prod/no-such-provider/x`);
  assert.equal(unknown.status, 400, 'the Worker answers /v1/ itself');
  assert.match(await unknown.text(), /unknown provider/);
  // The first page's size, as scripts/build-dashboard.mjs measured it.
  const size = JSON.parse(readFileSync(path.join(ROOT, 'target/dashboard-size.json'), 'utf8'));
  assert.ok(size.gzip_total <= 150 * 1024, `the first page loads ${size.gzip_total} bytes gzipped`);
});

test('a wrong token is refused and a right one remembered for the session', async () => {
  await open('', '#token');
  await shots('signin');
  await page.fill('#token', 'not-the-token');
  await page.click('button[type=submit]');
  await page.getByRole('alert').filter({ hasText: 'refused this token' }).waitFor();
  assert.equal(await page.locator('nav[aria-label=Pages]').count(), 0);
  await page.fill('#token', ADMIN_TOKEN);
  await page.click('button[type=submit]');
  await page.locator('nav[aria-label=Pages]').waitFor();
  await page.reload();
  await page.locator('[data-figure=requests]').waitFor();
  assert.equal(await page.locator('#token').count(), 0, 'the token was kept across a reload');
});

test('the figures shown equal the stats API', async () => {
  await open('#/overview?range=24h', '[data-figure=requests]');
  await page.locator('.chart canvas').first().waitFor();
  await shots('overview');
  const query = await page.locator('[data-stats-query]').getAttribute('data-stats-query');
  assert.match(query, /bucket=all/);
  const [total] = (await api(`/api/stats${query}`)).series;
  assert.equal(total.requests, traffic.count);
  for (const figure of ['requests', 'errors', 'tokens_in', 'tokens_out', 'cost', 'cache_hit_rate', 'latency_p50_ms', 'latency_p95_ms']) {
    const shown = await page.locator(`[data-figure=${figure}]`).getAttribute('data-value');
    assert.equal(Number(shown), total[figure], figure);
  }
  assert.equal(await page.locator('[data-figure=requests] .figure-value').textContent(), String(traffic.count));
  assert.equal(await page.locator('[data-figure=errors] .figure-value').textContent(), String(total.errors));
  assert.equal(await page.locator('.chart canvas').count(), 5);

  // Split by provider: the table lists each provider's totals as the API gives them.
  await page.selectOption('select:near(:text("Split by"))', 'provider');
  await page.locator('table.breakdown tbody tr').first().waitFor();
  const byProvider = (await api(`/api/stats${query}&group_by=provider`)).series;
  const rows = await page.locator('table.breakdown tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.cells[0].textContent, tr.cells[1].textContent]));
  assert.deepEqual(new Map(rows), new Map(byProvider.map((p) => [p.group, String(p.requests)])));
  await page.selectOption('select:near(:text("Split by"))', 'key');
  await page.locator('table.breakdown th', { hasText: 'search-app' }).waitFor();
  await shots('overview-by-key');
});

test('a filter narrows the log table to exactly the matching rows', async () => {
  await open('#/logs', 'table.logs tbody tr');
  await shots('logs');
  assert.equal((await rowIds()).length, traffic.count);
  await page.click('summary:has-text("Filters")');
  await page.fill('#f-provider', 'anthropic');
  await page.fill('#f-meta', 'user=bob');
  await page.selectOption('#f-success', 'true');
  await page.click('text=Apply filters');
  await page.waitForFunction(() => location.hash.includes('provider=anthropic'));
  const { entries } = await api('/api/logs?provider=anthropic&metadata.user=bob&success=true');
  assert.ok(entries.length >= 2 && entries.length < traffic.count);
  await page.waitForFunction((n) => document.querySelectorAll('table.logs tbody tr').length === n, entries.length);
  assert.deepEqual(await rowIds(), entries.map((e) => e.id));
  await shots('logs-filtered');
  await page.click('text=Clear');
  await page.waitForFunction((n) => document.querySelectorAll('table.logs tbody tr').length === n, traffic.count);
});

test('pages follow the API cursor, and the live tail shows a new request without a reload', async () => {
  await open('#/logs?limit=5', 'table.logs tbody tr');
  const pages = [];
  let cursor = '';
  do {
    const page = await api(`/api/logs?limit=5${cursor ? `&cursor=${cursor}` : ''}`);
    pages.push(page.entries.map((e) => e.id));
    cursor = page.next_cursor;
  } while (cursor);
  assert.equal(pages.length, Math.ceil(traffic.count / 5));
  const shownPage = async (ids) => {
    await page.waitForFunction((first) => document.querySelector('table.logs tbody tr')?.dataset.logId === first, ids[0]);
    assert.deepEqual(await rowIds(), ids);
  };
  await shownPage(pages[0]);
  for (const ids of pages.slice(1)) {
    await page.click('text=Older →');
    await shownPage(ids);
  }
  assert.equal(await page.locator('text=Older →').isDisabled(), true);
  await page.click('text=← Newer');
  await shownPage(pages.at(-2));

  await open('#/logs', 'table.logs tbody tr');
  await page.check('text=Live tail');
  const before = await rowIds();
  await cachedCall(gw);
  await page.locator('table.logs tbody tr.fresh').waitFor();
  const after = await rowIds();
  assert.equal(after.length, before.length + 1);
  assert.deepEqual(after.slice(1), before);
  await page.uncheck('text=Live tail');
  traffic.count += 1;
});

test('a log entry opens with its bodies, and its feedback persists after a reload', async () => {
  await open('#/logs', 'table.logs tbody tr');
  const { entries } = await api('/api/logs?provider=openai&success=true&cache_status=NONE');
  const id = entries[1].id;
  const entry = await api(`/api/logs/${id}`);
  await page.click(`tr[data-log-id="${id}"] a`);
  await page.locator('[data-body=request-body]').waitFor();
  const prompt = JSON.parse(entry.request_body).messages[0].content;
  assert.ok(traffic.prompts.includes(prompt));
  assert.match(await page.locator('[data-body=request-body]').textContent(), new RegExp(prompt));
  assert.ok((await page.locator('[data-body=response-body]').textContent()).length > 0);

  await page.click('button[aria-label="Good answer"]');
  await page.fill('#fb-score', '80');
  await page.fill('#fb-comment', 'right on the weather');
  await page.click('text=Save feedback');
  await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
  await shots('log-detail');
  await page.reload();
  await page.locator('[data-body=request-body]').waitFor();
  assert.equal(await page.locator('button[aria-label="Good answer"]').getAttribute('aria-pressed'), 'true');
  assert.equal(await page.inputValue('#fb-score'), '80');
  assert.equal(await page.inputValue('#fb-comment'), 'right on the weather');
  const stored = await api(`/api/logs/${id}`);
  assert.deepEqual([stored.feedback, stored.score, stored.comment], [1, 80, 'right on the weather']);
});

test('the fine-tuning export of positive entries downloads what the API exports', async () => {
  await open('#/logs', 'table.logs tbody tr');
  await page.click('text=Export…');
  await page.check('input[value=finetune]');
  await page.check('text=Only entries with positive feedback');
  await shots('logs-export');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('dialog button[type=submit]')]);
  const lines = readFileSync(await download.path(), 'utf8').trim().split('\n');
  const res = await adminApi(gw, '/api/logs?format=finetune&feedback=1');
  assert.equal(res.status, 200);
  assert.deepEqual(lines, (await res.text()).trim().split('\n'));
  assert.equal(lines.length, 1);
  const example = JSON.parse(lines[0]);
  assert.equal(example.messages.at(-1).role, 'assistant');
  await page.click('dialog >> text=Close');
});

test('deleting by filter asks first, then deletes exactly the matching entries', async () => {
  await open('#/logs?metadata.user=cy&status=4xx', 'table.logs tbody tr');
  const doomed = await rowIds();
  assert.equal(doomed.length, 1);
  await page.click('text=Delete…');
  await page.locator('dialog', { hasText: 'metadata.user = cy' }).waitFor();
  await page.click('dialog >> text=Cancel');
  assert.equal((await api('/api/logs?limit=1000')).entries.length, traffic.count);
  await page.click('text=Delete…');
  await page.click('dialog >> text=Delete matching entries');
  await page.getByRole('status').filter({ hasText: 'Deleted 1 entries' }).waitFor();
  const left = (await api('/api/logs?limit=1000')).entries.map((e) => e.id);
  assert.equal(left.length, traffic.count - 1);
  assert.ok(!left.includes(doomed[0]));
});

test('a key is created (secret shown once), shows its usage against its limits, and is revoked from the page', async () => {
  await open('#/keys', 'table.keys');
  await shots('keys');
  await page.click('text=New key');
  await page.fill('#k-name', 'dashboard-made');
  await page.fill('#k-models', 'openai/gpt-4o*');
  await page.fill('#k-provider_keys', 'OPENAI_API_KEY');
  await page.fill('#k-limits', '{"requests": {"limit": 5, "interval": 3600}}');
  await page.click('text=Create key');
  const secret = await page.inputValue('#secret');
  assert.match(secret, /^aig_[0-9a-f]{64}$/);
  await page.click('dialog >> text=Copy');
  await shots('keys-secret');
  await page.click('text=I have copied it');
  const row = page.locator('tr', { hasText: 'dashboard-made' });
  await row.waitFor();
  const { keys } = await api('/api/keys');
  const made = keys.find((k) => k.name === 'dashboard-made');
  assert.deepEqual(made.models, ['openai/gpt-4o*']);
  assert.equal(await page.locator('body').textContent().then((t) => t.includes(secret)), false, 'the secret is gone once dismissed');
  // The secret the page showed is the key's.
  const proxied = await fetch(`${gw.url}/v1/acct/prod/openai/chat/completions`, {
    method: 'POST', headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
  });
  assert.equal(proxied.status, 200, await proxied.clone().text());
  assert.deepEqual(made.limits, { requests: { limit: 5, interval: 3600, technique: 'fixed' }, on_error: 'open' });
  await open('#/keys', 'table.keys');
  await row.locator('li', { hasText: 'requests: 1 / 5' }).waitFor();
  await shots('keys-usage');
  await row.locator('button', { hasText: 'Revoke' }).click();
  await page.click('dialog >> text=Revoke key');
  await row.locator('.badge', { hasText: 'revoked' }).waitFor();
  assert.equal((await api(`/api/keys/${made.id}`)).revoked, true);
});

test('gateways are created and edited, and a cached answer is purged by its log id', async () => {
  await open('#/gateways', 'table.gateways, .state.empty');
  await page.click('text=New gateway');
  await page.fill('#g-id', 'team-a');
  await page.fill('#g-cache_ttl', '600');
  await page.click('text=Create gateway');
  await page.locator('tr[data-gateway-id=team-a]').waitFor();
  await page.click('tr[data-gateway-id=team-a] >> text=Edit');
  await page.check('text=Stored keys only (BYOK)');
  await page.click('dialog >> text=Save');
  await page.locator('tr[data-gateway-id=team-a] .badge', { hasText: 'on' }).waitFor();
  const stored = await api('/api/gateways/team-a');
  assert.deepEqual([stored.byok_only, stored.defaults.cache_ttl], [true, 600]);
  await shots('gateways');

  const { entries } = await api('/api/logs?cache_status=MISS');
  assert.equal(entries.length, 1);
  await open('#/cache?gateway=prod', '#purge-log');
  await page.fill('#purge-log', entries[0].id);
  await page.click('#purge-log ~ button');
  await page.getByRole('status').filter({ hasText: /Purged \d+ cache keys of prod/ }).waitFor();
  await shots('cache');
  assert.equal(await cachedCall(gw), 'MISS', 'the purged answer is no longer served');
});

test('the pages are keyboard-navigable', async () => {
  await open('#/overview', '[data-figure=requests]');
  await page.reload();
  await page.locator('[data-figure=requests]').waitFor();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to content');
  for (let i = 0; i < 10; i++) {
    await page.keyboard.press('Tab');
    if ((await page.evaluate(() => document.activeElement.textContent)) === 'Keys') break;
  }
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => location.hash === '#/keys');
  await page.locator('text=New key').first().focus();
  await page.keyboard.press('Enter');
  await page.locator('dialog[open]').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'k-name', 'the dialog takes the focus');
  await page.keyboard.press('Escape');
  await page.locator('dialog[open]').waitFor({ state: 'detached' });
});

test('dark theme follows the system', async () => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await open('#/overview', '.chart canvas');
  const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(background, 'rgb(14, 17, 22)');
  await shots('overview-dark');
  await open('#/logs', 'table.logs tbody tr');
  await shots('logs-dark');
  await page.emulateMedia({ colorScheme: 'light' });
});

test('empty and unreachable APIs have their own states', async () => {
  await page.route(/\/api\/logs\?/, (route) => route.fulfill({ json: { entries: [], next_cursor: null } }));
  await open('#/logs', '.state.empty');
  assert.match(await page.locator('.state.empty').textContent(), /No requests logged yet/);
  await shots('logs-empty');
  await page.unroute(/\/api\/logs\?/);
  await page.route(/\/api\/stats\?/, (route) => route.abort('connectionrefused'));
  await open('#/overview', '.state.error');
  assert.match(await page.locator('.state.error').first().textContent(), /The API is unreachable/);
  await shots('overview-unreachable');
  await page.unroute(/\/api\/stats\?/);
});

test('an expired token sends the page back to the token form', async () => {
  await open('#/logs', 'table.logs tbody tr');
  await page.evaluate(() => sessionStorage.setItem('ai-gateway.admin-token', 'a-token-since-changed'));
  await page.click('a[href="#/keys"]');
  await page.locator('#token').waitFor();
  assert.match(await page.locator('.notice').textContent(), /refused the saved token/);
});

test('no request leaves for any host but the Worker', () => {
  assert.ok(requested.length > 20, `${requested.length} requests seen`);
  const elsewhere = requested.filter((url) => !url.startsWith(`${gw.url}/`) && !url.startsWith('data:') && !url.startsWith(`blob:${gw.url}/`));
  assert.deepEqual(elsewhere, []);
});
