// scripts/quiet-runtime.mjs, the filter `npm start` puts on wrangler dev's error output, over what
// the runtime really printed: wrangler dev's output for an upstream whose name does not resolve,
// and workerd's for one whose TLS handshake fails (captured in tests/support/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './support/gateway.mjs';
import { quieter } from '../scripts/quiet-runtime.mjs';

const filter = (text) => {
  const push = quieter();
  return text.split('\n').flatMap(push);
};
const captured = (name) => readFileSync(path.join(ROOT, 'tests/support', name), 'utf8');

test('a DNS failure\'s runtime errors and their three stack traces become one line naming the host', () => {
  const input = captured('wrangler-dev-dns-failure.txt');
  assert.equal(input.split('\n').filter((l) => l.includes('stack: ')).length, 3, 'the capture holds the traces');
  const out = filter(input).filter((l) => l.trim() !== '');
  assert.deepEqual(out, [
    '[gateway] an upstream could not be reached: DNS lookup of no-such-host.invalid failed (Name or service not known); answered 502 upstream_unreachable',
  ]);
});

test('a TLS failure likewise, with OpenSSL\'s reason', () => {
  const out = filter(captured('workerd-tls-failure.txt')).filter((l) => l.trim() !== '');
  assert.deepEqual(out, [
    '[gateway] an upstream could not be reached: its TLS handshake failed (SSL routines:OPENSSL_internal:WRONG_VERSION_NUMBER); answered 502 upstream_unreachable',
  ]);
});

test('everything else passes through unchanged, in order, also right after a failure', () => {
  const dns = captured('wrangler-dev-dns-failure.txt');
  const other = ['✘ [ERROR] Uncaught TypeError: x is not a function', '    at handler (index.js:1:1)', '[wrangler:info] Ready on http://127.0.0.1:8787'];
  const out = filter([other[2], dns, ...other].join('\n')).filter((l) => l.trim() !== '');
  assert.equal(out[0], other[2]);
  assert.match(out[1], /^\[gateway\] an upstream could not be reached: DNS lookup of no-such-host\.invalid/);
  assert.deepEqual(out.slice(2), other);
  // Two failures far apart are two lines.
  const twice = filter([dns, ...Array(20).fill('[wrangler:info] POST / 502'), dns].join('\n')).filter((l) => l.startsWith('[gateway]'));
  assert.equal(twice.length, 2);
});
