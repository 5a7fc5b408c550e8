// Runs the end-to-end test files (tests/*.test.mjs), several at a time, each in its own
// `node --test` process, and skips a file that already passed with exactly the same inputs.
//
//   node scripts/run-e2e.mjs [--rerun] [--jobs N] [tests/x.test.mjs …]
//
// Parallel: every file starts its own workerd, mock upstream and ports (port 0), so files do not
// share state. `AI_GATEWAY_TEST_JOBS` (or --jobs) sets how many run at once: by default as many
// as the machine has cores, at most 4 (on 2 cores, 2 at a time take the suite from 3.8 to 2.3
// minutes). A file whose first lines say `// run-e2e: alone` runs first, with nothing beside it:
// the memory test, whose growth figures are taken from a baseline that a busy neighbour moved
// (seen once: its workerd's memory after warm-up 40 MiB lower than in every other run, then a
// growth over the bound).
//
// Cached passes (scripts/test-cache.mjs): a file is skipped, and reported as cached, when it passed
// before and nothing it can read has changed since: its own content, every file git tracks or
// would track (other test files, Rust sources and Markdown aside: Rust reaches these tests only
// through the Worker's build, and none reads Markdown), the built Worker and dashboard (build/),
// the installed packages, Node's version, the browser binary and the AI_GATEWAY_* variables.
// --rerun, AI_GATEWAY_TEST_CACHE=0 or CI=… run every file; under --rerun what passes is still
// recorded for the next run.
//
// Output: one line per file as it ends; a failing file's whole output. Each file's output is kept
// in target/test-logs/<file>.log.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fingerprint, readStamp, record } from './build-stamp.mjs';
import { ago, cacheEnabled, cacheRecording, ROOT, TEST_STAMPS as STAMPS, variables } from './test-cache.mjs';

const LOGS = path.join(ROOT, 'target/test-logs');
const HEARTBEAT_MS = 30_000;

function parseArgs(argv) {
  const options = { cache: cacheEnabled(argv), record: cacheRecording(), jobs: null, files: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--rerun') continue;
    else if (argv[i] === '--jobs') options.jobs = Number(argv[++i]);
    else options.files.push(path.resolve(argv[i]));
  }
  return options;
}

/** How many files run at once: the flag, the variable, else the cores (at most 4). */
function jobCount(flag) {
  const wanted = flag ?? Number(process.env.AI_GATEWAY_TEST_JOBS || 0);
  if (Number.isInteger(wanted) && wanted > 0) return wanted;
  return Math.max(1, Math.min(4, os.availableParallelism?.() ?? os.cpus().length));
}

/**
 * The files every test file may read, or null when git cannot list them (a downloaded archive):
 * then nothing is cached.
 */
function sharedInputs() {
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' });
  if (listed.status !== 0) return null;
  // Markdown is left out too: no end-to-end file reads it (the checks of docs against the code are
  // the core crate's, whose test executables embed what they check), so a docs-only change reruns
  // nothing. A test that starts reading a Markdown file must take this exception out.
  const tracked = listed.stdout.split('\0')
    .filter((f) => f && !/^tests\/[^/]+\.test\.mjs$/.test(f) && !f.endsWith('.rs') && !f.endsWith('.md'));
  // Deleted but still tracked files are listed too; a missing file is hashed as missing.
  return [...tracked.sort(), 'build', 'target/dashboard-size.json', 'node_modules/.package-lock.json'].map((f) => path.join(ROOT, f));
}

/** What is not a file but changes what a test sees. */
function environmentKey() {
  const chromium = process.env.AI_GATEWAY_CHROMIUM ?? '/usr/bin/chromium';
  const browser = existsSync(chromium) ? `${statSync(chromium).size}:${statSync(chromium).mtimeMs}` : 'none';
  return [`node=${process.version}`, `chromium=${browser}`, variables(['AI_GATEWAY_'], ['AI_GATEWAY_TEST_'])].join('\n');
}

/** The summary counts node's spec reporter prints at the end (`ℹ tests 12`). */
function counts(output) {
  const read = (name) => Number(output.match(new RegExp(`^ℹ ${name} (\\d+)`, 'm'))?.[1] ?? 0);
  return { tests: read('tests'), fail: read('fail') };
}

const runsAlone = (file) => /^\/\/ run-e2e: alone\b/m.test(readFileSync(file, 'utf8').split('\n').slice(0, 30).join('\n'));
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

/** Runs one file in its own `node --test`; resolves with its exit status, output and time. */
function runFile(file) {
  const started = Date.now();
  return new Promise((resolve) => {
    // Not NODE_TEST_CONTEXT: under a `node --test` parent, a child would report to it, not print.
    const { NODE_TEST_CONTEXT, ...env } = process.env;
    const child = spawn(process.execPath, ['--test', '--test-reporter=spec', file], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks = [];
    child.stdout.on('data', (c) => chunks.push(c));
    child.stderr.on('data', (c) => chunks.push(c));
    child.on('close', (code, signal) => {
      const output = Buffer.concat(chunks).toString('utf8');
      writeFileSync(path.join(LOGS, `${path.basename(file)}.log`), output);
      resolve({ ok: code === 0, code, signal, output, ms: Date.now() - started });
    });
  });
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const testsDir = path.join(ROOT, 'tests');
  const files = options.files.length > 0 ? options.files
    : readdirSync(testsDir).filter((f) => f.endsWith('.test.mjs')).sort().map((f) => path.join(testsDir, f));
  mkdirSync(LOGS, { recursive: true });
  const shared = options.record ? sharedInputs() : null;
  const sharedPrint = shared ? fingerprint({ key: environmentKey(), inputs: shared }) : null;
  const specFor = (file) => ({ key: sharedPrint, inputs: [file] });
  const stampName = (file) => path.basename(file);

  const started = Date.now();
  const cachedFiles = [];
  const toRun = [];
  for (const file of files) {
    const stamp = readStamp(stampName(file), STAMPS);
    const print = sharedPrint ? fingerprint(specFor(file)) : null;
    if (options.cache && stamp && print && stamp.fingerprint === print) cachedFiles.push({ file, ...stamp });
    else toRun.push({ file, print, alone: runsAlone(file), lastMs: stamp?.ms ?? statSync(file).size });
  }
  if (cachedFiles.length > 0) {
    const tests = cachedFiles.reduce((n, r) => n + r.tests, 0);
    const newest = cachedFiles.map((r) => r.passedAt).sort().at(-1);
    console.log(`✔ ${cachedFiles.length} files, ${tests} tests: cached, passed (the latest ${ago(newest)}) with the inputs they have now:`);
    console.log(`  ${cachedFiles.map((r) => path.basename(r.file, '.test.mjs')).join(', ')}`);
  }
  // Those that run alone first; then the longest first (last known time, else size), so that the
  // long ones do not end the run on their own.
  toRun.sort((a, b) => Number(b.alone) - Number(a.alone) || b.lastMs - a.lastMs);
  const jobs = jobCount(options.jobs);
  if (toRun.length > 0) {
    console.log(`running ${toRun.length} of ${files.length} files, ${jobs} at a time` +
      (options.cache ? '' : ' (no cached passes)') + '; each one\'s output: target/test-logs/');
  }

  const running = new Set(); // the entries of `toRun` under way, with the time each started
  const heartbeat = setInterval(() => {
    const names = [...running].filter((t) => Date.now() - t.started >= HEARTBEAT_MS)
      .map((t) => `${path.basename(t.file)} (${seconds(Date.now() - t.started)})`);
    if (names.length > 0) console.log(`… still running: ${names.join(', ')}`);
  }, HEARTBEAT_MS);
  let failed = 0;
  let ranTests = 0;
  const pending = [...toRun];
  await new Promise((resolveAll) => {
    const startNext = () => {
      if (pending.length === 0 && running.size === 0) return resolveAll();
      while (pending.length > 0 && running.size < jobs) {
        if (pending[0].alone && running.size > 0) break;
        if ([...running].some((t) => t.alone)) break;
        const next = pending.shift();
        next.started = Date.now();
        running.add(next);
        runFile(next.file).then((result) => {
          running.delete(next);
          const c = counts(result.output);
          const name = path.basename(next.file);
          if (result.ok) {
            console.log(`✔ ${name}  ${c.tests} tests  ${seconds(result.ms)}`);
            if (next.print) {
              const passedAt = new Date().toISOString();
              record(stampName(next.file), specFor(next.file), { dir: STAMPS, computed: next.print, extra: { tests: c.tests, ms: result.ms, passedAt } });
            }
          } else {
            failed++;
            console.log(`\n✖ ${name}  ${c.fail} of ${c.tests} tests failed, ${seconds(result.ms)}` +
              (result.signal ? ` (killed by ${result.signal})` : '') + ':\n');
            console.log(result.output.trimEnd().split('\n').map((l) => `    ${l}`).join('\n'));
            console.log('');
          }
          ranTests += c.tests;
          startNext();
        });
      }
    };
    startNext();
  });
  clearInterval(heartbeat);
  const tests = ranTests + cachedFiles.reduce((n, r) => n + r.tests, 0);
  console.log(`\n${files.length} files, ${tests} tests: ${failed === 0 ? 'all passed' : `${failed} file(s) failed`}` +
    (cachedFiles.length > 0 ? ` (${cachedFiles.length} cached; --rerun runs them again)` : '') + ` in ${seconds(Date.now() - started)}`);
  process.exit(failed === 0 ? 0 : 1);
}

await main();
