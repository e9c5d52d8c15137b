// `npm run bench`: runs every bench/*.bench.{mjs,ts} file in turn (TypeScript through tsx) and prints its figures.
// Each benchmark prints ratios measured within its own run, so the numbers survive a noisy, shared machine.
// Usage: node bench/run.mjs [substring-filter ...]
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const filters = process.argv.slice(2);
const files = readdirSync('bench').filter((f) => /\.bench\.(mjs|ts)$/.test(f))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s))).sort();
let failed = 0;
for (const f of files) {
  process.stdout.write(`\n=== ${f}\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', `bench/${f}`], { stdio: 'inherit' });
  if (r.status !== 0) { failed++; process.stdout.write(`(${f} exited with ${r.status})\n`); }
}
process.exit(failed ? 1 : 0);
