// The core crate's tests (`cargo test -p gateway-core`), skipped when they already passed with the
// same test executables and the same crate files (fixtures and doc tests are read from there).
//
//   node scripts/run-core-tests.mjs [--rerun]
//
// cargo compiles first (nothing to do when nothing changed); then the executables it reports, the
// crate's directory, Cargo.lock, the compiler's version and the RUST*/PROPTEST* variables make the
// fingerprint. A cached pass does not explore new property-test cases: --rerun runs them anyway.
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fingerprint, readStamp, record } from './build-stamp.mjs';
import { ago, cacheEnabled, ROOT, TEST_STAMPS, variables } from './test-cache.mjs';

const CRATE = 'gateway-core';
const args = ['-p', CRATE];

/** Compiles the tests; returns the paths of the test executables cargo built. */
function compileTests() {
  const out = spawnSync('cargo', ['test', '--no-run', '--message-format=json-render-diagnostics', ...args],
    { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 256 * 1024 * 1024 });
  if (out.status !== 0) process.exit(out.status ?? 1);
  return out.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l))
    .filter((m) => m.reason === 'compiler-artifact' && m.executable && m.profile?.test)
    .map((m) => m.executable).sort();
}

/** Runs `cargo test`, echoing its output; resolves with its status and the tests it counted. */
function runTests() {
  return new Promise((resolve) => {
    const child = spawn('cargo', ['test', '--quiet', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let tests = 0;
    let rest = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      const lines = (rest + chunk.toString('utf8')).split('\n');
      rest = lines.pop();
      for (const line of lines) tests += Number(/^test result: \w+\. (\d+) passed/.exec(line)?.[1] ?? 0);
    });
    child.on('close', (code) => resolve({ code: code ?? 1, tests }));
  });
}

const executables = compileTests();
const rustc = spawnSync('rustc', ['-vV'], { encoding: 'utf8' }).stdout;
const spec = {
  key: `${rustc}\n${variables(['RUST', 'PROPTEST', 'CARGO_'])}`,
  inputs: [...executables, path.join(ROOT, 'crates', CRATE), path.join(ROOT, 'Cargo.lock')],
};
const print = fingerprint(spec);
const stamp = readStamp(CRATE, TEST_STAMPS);
if (cacheEnabled(process.argv.slice(2)) && stamp?.fingerprint === print) {
  console.log(`${stamp.tests} tests: cached, passed ${ago(stamp.passedAt)} with these test executables (--rerun runs them again)`);
  process.exit(0);
}
const { code, tests } = await runTests();
if (code === 0) record(CRATE, spec, { dir: TEST_STAMPS, computed: print, extra: { tests, passedAt: new Date().toISOString() } });
process.exit(code);
