// Builds the dashboard (dashboard/) into build/dashboard/, the Worker's static assets
// (wrangler.toml [assets]): one minified script and one stylesheet bundled by esbuild from
// dashboard/src (Preact, htm and uPlot included from node_modules), and index.html. Prints the
// gzip size of what the first page loads. Skipped when its sources, this script, package-lock.json
// (the libraries' versions) and its output are what they were when it last ran
// (scripts/build-stamp.mjs); AI_GATEWAY_FORCE_BUILD=1 builds anyway.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isFresh, record } from './build-stamp.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SRC = path.join(ROOT, 'dashboard');
const OUT = path.join(ROOT, 'build/dashboard');
const SIZES = path.join(ROOT, 'target/dashboard-size.json');
const STAMP = {
  inputs: [SRC, fileURLToPath(import.meta.url), path.join(ROOT, 'package-lock.json')],
  outputs: [OUT, SIZES],
};

if (!process.env.AI_GATEWAY_FORCE_BUILD && isFresh('dashboard', STAMP)) {
  console.error('[dashboard] unchanged since its last build, skipped');
  process.exit(0);
}
rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
await build({
  entryPoints: { app: path.join(SRC, 'src/main.js') },
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2022'],
  outdir: OUT,
  legalComments: 'none',
  logLevel: 'warning',
});
copyFileSync(path.join(SRC, 'index.html'), path.join(OUT, 'index.html'));

// Everything index.html loads before the first page shows: itself, the script, the stylesheet.
const firstLoad = ['index.html', 'app.js', 'app.css'];
const sizes = firstLoad.map((file) => {
  const bytes = readFileSync(path.join(OUT, file));
  return { file, bytes: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
});
const total = sizes.reduce((sum, s) => sum + s.gzip, 0);
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
mkdirSync(path.join(ROOT, 'target'), { recursive: true });
writeFileSync(SIZES, `${JSON.stringify({ files: sizes, gzip_total: total }, null, 2)}\n`);
console.error(`[dashboard] ${sizes.map((s) => `${s.file} ${kib(s.gzip)}`).join(', ')}; first load ${kib(total)} gzipped`);
record('dashboard', STAMP);
