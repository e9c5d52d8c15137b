// Runs every bench/*.bench.{ts,mjs,js} file in turn and reports which failed. TypeScript benches are bundled
// with esbuild first (as the shipped CLI is), so they time the same code users run.
// Usage: node bench/run.mjs [substring-filter ...]
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const here = join(root, 'bench');
const filters = process.argv.slice(2);
const files = readdirSync(here).filter((f) => /\.bench\.(ts|mts|mjs|js)$/.test(f))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s))).sort();
const external = ['vscode', 'onnxruntime-node', '@litertjs/core', 'ssh2', 'cpu-features', 'esbuild'];
let failed = 0;
for (const f of files) {
  console.log(`# ${f}`);
  let entry = join(here, f);
  if (/\.m?ts$/.test(f)) {
    const outfile = join(root, 'dist', 'bench', f.replace(/\.m?ts$/, '.cjs'));
    await esbuild.build({ entryPoints: [entry], outfile, bundle: true, platform: 'node', target: 'node20', format: 'cjs', external, logLevel: 'warning' });
    entry = outfile;
  }
  // --expose-gc lets a bench collect garbage between timed runs; benches run from the repository's root.
  const r = spawnSync(process.execPath, ['--expose-gc', entry], { stdio: 'inherit', cwd: root });
  if (r.status !== 0) { failed++; console.log(`# ${f} failed (exit ${r.status ?? r.signal})`); }
}
console.log(`# ${files.length} benches, ${failed} failed`);
process.exit(failed ? 1 : 0);
