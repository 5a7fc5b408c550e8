// Build stamps: lets scripts/build.sh and scripts/build-dashboard.mjs skip a step whose inputs and
// outputs are byte for byte what they were when the step last succeeded.
//
// A stamp (target/build-stamps/<name>.json) holds one SHA-256 over a step's key (tool versions,
// flags: whatever is not a file), the content of each input file (directories are walked; a
// make-style dep-info file, such as cargo's `<lib>.d`, adds every file it lists) and the content
// of each output. `check` recomputes it and compares; `record` writes it after the step ran. A
// missing or edited input or output, a changed key, or no stamp at all: the step runs. Contents,
// not mtimes: a `git checkout` back and forth or a touched file rebuilds nothing.
//
// CLI, for shell scripts (exit status 0: fresh, 1: stale):
//   node scripts/build-stamp.mjs check|record <name> [--key TEXT] [--depfile FILE]
//     [--inputs PATH...] [--outputs PATH...]
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const STAMPS = path.join(ROOT, 'target/build-stamps');

/** The files a path stands for: itself, or every file under it (sorted); none when missing. */
function filesUnder(file) {
  if (!existsSync(file)) return [];
  if (!statSync(file).isDirectory()) return [file];
  return readdirSync(file, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((entry) => filesUnder(path.join(file, entry.name)));
}

/** The prerequisites a make-style dep-info file lists (`target: dep dep…`, `\ ` escapes a space). */
function depfileInputs(depfile) {
  if (!existsSync(depfile)) return [];
  const text = readFileSync(depfile, 'utf8').replace(/\\\n/g, ' ');
  return text.split('\n').flatMap((line) => {
    const colon = line.search(/:(\s|$)/);
    if (colon < 0) return [];
    return line.slice(colon + 1).trim().split(/(?<!\\)\s+/).filter(Boolean).map((p) => p.replace(/\\ /g, ' '));
  });
}

/** One hash over the key, then each input and output file's path and content. */
export function fingerprint({ key = '', depfile, inputs = [], outputs = [] }) {
  const hash = createHash('sha256').update(`key\0${key}\0`);
  const add = (kind, paths) => {
    for (const file of paths) {
      const files = filesUnder(file);
      if (files.length === 0) hash.update(`${kind}\0${file}\0missing\0`);
      for (const f of files) hash.update(`${kind}\0${f}\0`).update(readFileSync(f)).update('\0');
    }
  };
  add('in', [...inputs, ...(depfile ? [depfile, ...depfileInputs(depfile)] : [])]);
  add('out', outputs);
  return hash.digest('hex');
}

const stampFile = (name, dir = STAMPS) => path.join(dir, `${name}.json`);

/** What `record` last wrote for step `name` (its fingerprint and extra fields), or null. */
export function readStamp(name, dir = STAMPS) {
  try {
    return JSON.parse(readFileSync(stampFile(name, dir), 'utf8'));
  } catch {
    return null;
  }
}

/** Whether step `name` last succeeded with exactly these inputs, outputs and key. */
export function isFresh(name, spec, dir = STAMPS) {
  return readStamp(name, dir)?.fingerprint === fingerprint(spec);
}

/**
 * Records that step `name` just succeeded with these inputs, outputs and key; `extra` fields
 * (a test file's counts, say) are kept beside the fingerprint for `readStamp`. `computed`: the
 * fingerprint taken before the step ran, so that a file edited while it ran makes the next check stale.
 */
export function record(name, spec, { dir = STAMPS, extra = {}, computed = fingerprint(spec) } = {}) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(stampFile(name, dir), `${JSON.stringify({ ...extra, fingerprint: computed })}\n`);
}

function parseArgs(args) {
  const spec = { inputs: [], outputs: [] };
  let list = null;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--key') spec.key = args[++i];
    else if (arg === '--depfile') spec.depfile = args[++i];
    else if (arg === '--inputs') list = spec.inputs;
    else if (arg === '--outputs') list = spec.outputs;
    else if (list) list.push(arg);
    else throw new Error(`build-stamp: unexpected argument ${arg}`);
  }
  return spec;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [command, name, ...rest] = process.argv.slice(2);
  const spec = parseArgs(rest);
  if (command === 'check') process.exit(isFresh(name, spec) ? 0 : 1);
  else if (command === 'record') record(name, spec);
  else {
    console.error('usage: build-stamp.mjs check|record <name> [--key TEXT] [--depfile FILE] [--inputs PATH...] [--outputs PATH...]');
    process.exit(2);
  }
}
