// scripts/run-e2e.mjs, the runner `npm test` uses for these files: a file that passed is reported
// as cached until what it reads changes, a failing one prints its output and is never cached, and
// --rerun or CI runs everything. Driven on throwaway test files (their stamps are removed after).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from './support/gateway.mjs';

const dir = mkdtempSync(path.join(tmpdir(), 'run-e2e-'));
const name = `runner-probe-${process.pid}`;
const file = path.join(dir, `${name}.test.mjs`);
const stamp = path.join(ROOT, 'target/test-stamps', `${name}.test.mjs.json`);
after(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(stamp, { force: true });
  rmSync(path.join(ROOT, 'target/test-logs', `${name}.test.mjs.log`), { force: true });
});

const passing = (label) => `import { test } from 'node:test';\ntest('${label}', () => {});\ntest('${label} too', () => {});\n`;

/** Runs the runner on the probe file; resolves with its exit status and what it printed. */
async function runner(args = [], env = {}) {
  // Whatever this run was started with, the probe's runs start without CI and with the cache on.
  const { CI, AI_GATEWAY_TEST_CACHE, ...inherited } = process.env;
  const childEnv = { ...inherited, AI_GATEWAY_TEST_JOBS: '1', ...env };
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ['scripts/run-e2e.mjs', ...args, file], { cwd: ROOT, env: childEnv });
    return { code: 0, out: stdout };
  } catch (e) {
    return { code: e.code, out: `${e.stdout}${e.stderr}` };
  }
}

test('a file that passed is cached until its content changes; --rerun and CI run it anyway, --rerun records its pass', async () => {
  writeFileSync(file, passing('first'));
  const first = await runner();
  assert.equal(first.code, 0, first.out);
  assert.match(first.out, new RegExp(`✔ ${name}\\.test\\.mjs  2 tests  [\\d.]+ s`));

  const second = await runner();
  assert.equal(second.code, 0, second.out);
  assert.match(second.out, /✔ 1 files, 2 tests: cached/);
  assert.match(second.out, /\(1 cached; --rerun runs them again\)/);

  for (const [args, env] of [[['--rerun'], {}], [[], { CI: 'true' }], [[], { AI_GATEWAY_TEST_CACHE: '0' }]]) {
    const forced = await runner(args, env);
    assert.equal(forced.code, 0, forced.out);
    assert.doesNotMatch(forced.out, /tests: cached/, `${args} ${JSON.stringify(env)}`);
    assert.match(forced.out, /2 tests  [\d.]+ s/);
  }
  // What --rerun ran and passed is cached for the next plain run.
  rmSync(stamp, { force: true });
  assert.equal((await runner(['--rerun'])).code, 0);
  const afterRerun = await runner();
  assert.match(afterRerun.out, /✔ 1 files, 2 tests: cached/, 'a pass under --rerun is recorded');

  writeFileSync(file, passing('edited'));
  const edited = await runner();
  assert.doesNotMatch(edited.out, /tests: cached/, 'an edited file runs again');
  assert.match(edited.out, /all passed/);
});

test('a variable the gateway reads (AI_GATEWAY_*) is an input: changing it runs the file again', async () => {
  writeFileSync(file, passing('vars'));
  assert.equal((await runner([], { AI_GATEWAY_PROBE: 'a' })).code, 0);
  assert.match((await runner([], { AI_GATEWAY_PROBE: 'a' })).out, /tests: cached/);
  assert.doesNotMatch((await runner([], { AI_GATEWAY_PROBE: 'b' })).out, /tests: cached/);
});

test('a failing file prints its whole output, fails the run and is not cached', async () => {
  writeFileSync(file, passing('before'));
  assert.equal((await runner()).code, 0);
  writeFileSync(file, `import { test } from 'node:test';\nimport assert from 'node:assert';\ntest('breaks', () => assert.equal(1, 2, 'the probe failed on purpose'));\n`);
  for (let i = 0; i < 2; i++) {
    const failed = await runner();
    assert.equal(failed.code, 1, failed.out);
    assert.match(failed.out, new RegExp(`✖ ${name}\\.test\\.mjs  1 of 1 tests failed`));
    assert.match(failed.out, /the probe failed on purpose/);
    assert.match(failed.out, /1 file\(s\) failed/);
  }
});

test('a new file beside the sources runs the file again, unless it is Markdown', async () => {
  const stray = (ext) => path.join(ROOT, 'tests/support', `${name}-stray.${ext}`);
  after(() => ['md', 'txt'].forEach((ext) => rmSync(stray(ext), { force: true })));
  writeFileSync(file, passing('strays'));
  assert.equal((await runner()).code, 0);
  writeFileSync(stray('md'), '# notes\n');
  assert.match((await runner()).out, /tests: cached/, 'Markdown is not an input');
  writeFileSync(stray('txt'), 'a fixture\n');
  assert.doesNotMatch((await runner()).out, /tests: cached/, 'any other file git would track is');
});
