// Bench: `inspect` (read + decode + shape inference + summary) on the largest shared model, against just
// reading the file's bytes, as a ratio from the same run (median of several interleaved runs). Target: < 3×.
// Two measures: in-process (the work inspect does, CPU and wall time), and end to end (the `onnx2lite inspect`
// command against a `node` process that only reads the file, as a user sees it).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { summarize } from '../src/core/summary';
import { inferShapes } from '../src/ir/shapes/index';
import { readModelFile } from '../src/onnx/reader';

const DIR = path.resolve('..', 'shared', 'models');
const RUNS = 21;
const TARGET = 3;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

/** Wall-clock and CPU (user + system) milliseconds of one call. CPU time stays meaningful on a busy machine. */
function time(fn: () => unknown): { wall: number; cpu: number } {
  gc();
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  fn();
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000 };
}

const models = fs.readdirSync(DIR).filter((f) => f.endsWith('.onnx')).map((f) => path.join(DIR, f));
const largest = models.sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)[0];
const inspect = () => {
  const m = readModelFile(largest);
  const { warnings } = inferShapes(m);
  return JSON.stringify(summarize(m, warnings));
};
const read = () => fs.readFileSync(largest);
for (let i = 0; i < 10; i++) { inspect(); read(); }
const tInspect: { wall: number; cpu: number }[] = [];
const tRead: { wall: number; cpu: number }[] = [];
for (let i = 0; i < RUNS; i++) {
  tRead.push(time(read));
  tInspect.push(time(inspect));
}
const mb = fs.statSync(largest).size / 1024 ** 2;
console.log(`inspect ${path.basename(largest)} (${mb.toFixed(1)} MiB), medians of ${RUNS} interleaved runs:`);
for (const k of ['cpu', 'wall'] as const) {
  const a = median(tInspect.map((t) => t[k]));
  const b = median(tRead.map((t) => t[k]));
  const ratio = a / b;
  console.log(`  ${k === 'cpu' ? 'CPU time ' : 'wall time'}: inspect ${a.toFixed(1)} ms, read bytes ${b.toFixed(1)} ms, ratio ${ratio.toFixed(2)}× (target < ${TARGET}×) ${ratio < TARGET ? 'OK' : 'OVER TARGET'}`);
}

const E2E_RUNS = 7;
const cli = path.resolve('bin', 'onnx2lite.js');
if (fs.existsSync(path.resolve('dist', 'cli.js'))) {
  const wall = (args: string[]) => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) throw new Error(`${args.join(' ')} failed`);
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  const eInspect: number[] = [];
  const eRead: number[] = [];
  for (let i = 0; i < E2E_RUNS; i++) {
    eRead.push(wall(['-e', `require('fs').readFileSync(${JSON.stringify(largest)})`]));
    eInspect.push(wall([cli, 'inspect', '--json', largest]));
  }
  const a = median(eInspect);
  const b = median(eRead);
  console.log(`  end to end (medians of ${E2E_RUNS}): \`onnx2lite inspect --json\` ${a.toFixed(0)} ms, node reading the file ${b.toFixed(0)} ms, ratio ${(a / b).toFixed(2)}× (target < ${TARGET}×) ${a / b < TARGET ? 'OK' : 'OVER TARGET'}`);
} else console.log('  end to end: skipped (run npm run build first)');
