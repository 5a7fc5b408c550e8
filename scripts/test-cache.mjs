// Cached test passes, shared by scripts/run-core-tests.mjs and scripts/run-e2e.mjs: as `go test`
// does, a test run is skipped when it passed before with exactly the same inputs (fingerprints by
// scripts/build-stamp.mjs; stamps in target/test-stamps, so a clean clone, and CI, runs everything).
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const TEST_STAMPS = path.join(ROOT, 'target/test-stamps');

/** Off with --rerun (`npm test -- --rerun`), AI_GATEWAY_TEST_CACHE=0, or under CI (CI set). */
export function cacheEnabled(argv) {
  return !argv.includes('--rerun') && cacheRecording();
}

/**
 * Whether passes are recorded: also under --rerun (it runs everything, and what passed is cached
 * for the next run), not with AI_GATEWAY_TEST_CACHE=0 or under CI (a clean clone keeps nothing).
 */
export function cacheRecording() {
  return process.env.AI_GATEWAY_TEST_CACHE !== '0' && !process.env.CI;
}

/** The variables whose names start with one of `prefixes`, as `NAME=value` lines (sorted). */
export function variables(prefixes, except = []) {
  return Object.keys(process.env)
    .filter((k) => prefixes.some((p) => k.startsWith(p)) && !except.some((p) => k.startsWith(p)))
    .sort()
    .map((k) => `${k}=${process.env[k]}`)
    .join('\n');
}

/** "3 min ago", for a stamp's ISO time. */
export function ago(iso) {
  const minutes = Math.round((Date.now() - Date.parse(iso)) / 60_000);
  if (!Number.isFinite(minutes)) return 'earlier';
  if (minutes < 1) return 'just now';
  if (minutes < 120) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} h ago` : `${Math.round(hours / 24)} days ago`;
}
