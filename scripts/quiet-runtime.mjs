// Filters `wrangler dev`'s error output for `npm start` (scripts/start.sh): an upstream that cannot
// be resolved or whose TLS handshake fails makes workerd print its own error three times, two of
// them with a stack trace of the runtime's C++ frames, for a failure the gateway expects and
// already answers (502 `upstream_unreachable`, naming the host, in the response and the log).
// Each such group becomes one line naming the host and the cause. Everything else passes through
// unchanged, in order. AI_GATEWAY_RUNTIME_TRACES=1 turns the filter off.
//
//   wrangler dev … 2> >(node scripts/quiet-runtime.mjs)
import readline from 'node:readline';

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;
const RUNTIME_FAILURE = /e = kj\/(?:async-io-unix|compat\/tls)\.c\+\+:\d+: failed: (DNS lookup failed\.|OpenSSL error)(.*)$/;
const STACK = /^\s*stack: /;
const INTERNAL = /Uncaught Error: internal error; reference = /;
// How many lines after a runtime failure its stacks, blank lines and "internal error" may come.
const GROUP_LINES = 12;

/** The one line that stands for a group, from its first line (ANSI codes removed). */
export function summarize(line) {
  const [, what, rest] = line.match(RUNTIME_FAILURE);
  if (what.startsWith('DNS')) {
    const host = rest.match(/params\.host = ([^;]*)/)?.[1]?.trim() || 'a host';
    const why = rest.match(/gai_strerror\(status\) = (.*)$/)?.[1]?.trim();
    return `[gateway] an upstream could not be reached: DNS lookup of ${host} failed${why ? ` (${why})` : ''}; answered 502 upstream_unreachable`;
  }
  const why = rest.match(/message = (?:error:[0-9a-f]+:)?(.*)$/)?.[1]?.trim();
  return `[gateway] an upstream could not be reached: its TLS handshake failed${why ? ` (${why})` : ''}; answered 502 upstream_unreachable`;
}

/**
 * A filter over lines: `push(line)` returns the lines to print now. A group starts at a runtime
 * failure line and swallows, for the next GROUP_LINES lines, blank lines, stack lines, repeats of
 * the same failure and the runtime's "internal error" line.
 */
export function quieter() {
  let left = 0;
  let last = null;
  return (line) => {
    const plain = line.replace(ANSI, '');
    if (RUNTIME_FAILURE.test(plain)) {
      const summary = summarize(plain);
      const repeat = left > 0 && summary === last;
      left = GROUP_LINES;
      last = summary;
      return repeat ? [] : [summary];
    }
    if (left > 0) {
      left -= 1;
      if (plain.trim() === '' || STACK.test(plain) || INTERNAL.test(plain)) return [];
    }
    return [line];
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const push = process.env.AI_GATEWAY_RUNTIME_TRACES === '1' ? (line) => [line] : quieter();
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  lines.on('line', (line) => { for (const out of push(line)) process.stderr.write(`${out}\n`); });
}
