// Fits the per-op cost table (src/quantize/op-costs.ts) to LiteRT op times: reads bench/op-latency.ts --json files
// (each op of a model cut out and timed alone: thread CPU per run, one thread, XNNPack) and, for each op kind and
// precision (cost-model.ts opWork / opPrecision), fits ns = per op + per MAC · MACs + per pixel · output pixels (ops
// with weights or a matmul) or ns = per op + per element · output elements (every other op), least squares with
// non-negative terms (a term that fits negative is dropped and the rest fitted again). Prints the module to write to
// src/quantize/op-costs.ts, with each kind's fit error. Regenerate with (PaddleOCR models as for bench int8-tasks,
// whose ONNX2LITE_OCR_SAVE=DIR keeps the float32 and int8 files):
//   for m in det rec cls; do node --import tsx bench/op-latency.ts DIR/<m>_float32.tflite DIR/<m>_int8-plain.tflite \
//     --json /tmp/ops-<m>.json; done
//   node --import tsx bench/op-cost-fit.ts /tmp/ops-det.json /tmp/ops-rec.json /tmp/ops-cls.json > src/quantize/op-costs.ts
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { OpTime } from './op-latency';
import { parseTflite } from '../src/tflite/reader';
import { opWork } from '../src/quantize/cost-model';

const PRECISION: Record<string, string> = { FLOAT32: 'float32', INT8: 'int8', UINT8: 'int8', INT16: 'int16' };
const MAC_KINDS = /^(CONV_2D|DEPTHWISE_CONV_2D|FULLY_CONNECTED|BATCH_MATMUL|TRANSPOSE_CONV)/;

/** Least squares y ≈ X·c over the columns kept, dropping columns whose coefficient comes out negative. */
function nnls(X: number[][], y: number[]): number[] {
  let keep = X[0].map((_, j) => j);
  for (;;) {
    const k = keep.length;
    const A = Array.from({ length: k }, () => new Array<number>(k + 1).fill(0));
    X.forEach((row, i) => keep.forEach((a, p) => { keep.forEach((b, q) => { A[p][q] += row[a] * row[b]; }); A[p][k] += row[a] * y[i]; }));
    // Gauss-Jordan with partial pivoting; a singular column gets 0.
    for (let c = 0; c < k; c++) {
      let piv = c;
      for (let r = c + 1; r < k; r++) if (Math.abs(A[r][c]) > Math.abs(A[piv][c])) piv = r;
      [A[c], A[piv]] = [A[piv], A[c]];
      if (Math.abs(A[c][c]) < 1e-12) continue;
      for (let r = 0; r < k; r++) if (r !== c) { const f = A[r][c] / A[c][c]; for (let q = c; q <= k; q++) A[r][q] -= f * A[c][q]; }
    }
    const sol = keep.map((_, p) => (Math.abs(A[p][p]) < 1e-12 ? 0 : A[p][k] / A[p][p]));
    const neg = sol.findIndex((v) => v < 0);
    if (neg < 0) { const c = new Array<number>(X[0].length).fill(0); keep.forEach((j, p) => { c[j] = sol[p]; }); return c; }
    keep = keep.filter((_, p) => p !== neg);
    if (!keep.length) return new Array<number>(X[0].length).fill(0);
  }
}

const files = process.argv.slice(2);
if (!files.length) { console.error('usage: node --import tsx bench/op-cost-fit.ts OPS.json ...'); process.exit(1); }
const rows: OpTime[] = [];
const notes: string[] = [];
for (const f of files) {
  const j = JSON.parse(fs.readFileSync(f, 'utf8')) as { build: string; load: string[]; files: string[]; profiles: OpTime[][] };
  // The work is counted again from the models (so a change to opWork needs no new timing).
  j.profiles.forEach((p, i) => {
    const sg = parseTflite(new Uint8Array(fs.readFileSync(j.files[i]))).subgraphs[0];
    for (const r of p) rows.push({ ...r, ...opWork(sg.operators[r.k], sg.tensors) });
  });
  notes.push(`${j.files.map((x) => path.basename(x)).join(', ')} (LiteRT ${j.build}, load ${j.load.join(' → ')})`);
}
const groups = new Map<string, OpTime[]>();
for (const r of rows) {
  const p = PRECISION[r.precision];
  if (!p) continue;
  const key = `${r.kind}|${p}`;
  groups.set(key, [...(groups.get(key) ?? []), r]);
}
const table: Record<string, Record<string, { op: number; mac: number; elem: number; pixel: number }>> = {};
const errors: string[] = [];
for (const [key, g] of [...groups].sort()) {
  const [kind, p] = key.split('|');
  const mac = MAC_KINDS.test(kind);
  const X = g.map((r) => (mac ? [1, r.macs, r.pixels] : [1, r.elems]));
  const y = g.map((r) => r.ms * 1e6);
  // Relative error: a 1-pixel squeeze-excite conv weighs as much as a full-resolution one.
  // Fewer than 3 ops measured: a per-op time of the table's typical 5 µs (at most the fastest op) and the work
  // factor through the rest (a free intercept would take all of one op's time and charge it to any size).
  const c = g.length >= 3 ? nnls(X.map((row, i) => row.map((v) => v / y[i])), y.map(() => 1)) : (() => {
    const op = Math.min(5000, ...y);
    return [op, ...X[0].slice(1).map((_, q) => (q === 0 ? y.reduce((a, v, i) => a + (v - op) / Math.max(1, X[i][1]), 0) / y.length : 0))];
  })();
  const r3 = (v: number) => Number(v.toPrecision(3));
  table[kind] ??= {};
  table[kind][p] = mac ? { op: r3(c[0]), mac: r3(c[1]), elem: 0, pixel: r3(c[2]) } : { op: r3(c[0]), mac: 0, elem: r3(c[1]), pixel: 0 };
  const est = X.map((row) => row.reduce((s, v, i) => s + v * c[i], 0));
  const sum = y.reduce((a, b) => a + b, 0);
  const sumEst = est.reduce((a, b) => a + b, 0);
  const worst = Math.max(...y.map((v, i) => Math.abs(est[i] - v) / v));
  errors.push(`//   ${kind} ${p}: ${g.length} ops, ${(sum / 1e6).toFixed(2)} ms measured, ${(sumEst / 1e6).toFixed(2)} ms fitted, worst op ${(worst * 100).toFixed(0)}% off`);
}
const rowsText = Object.entries(table).flatMap(([kind, byP]) => Object.entries(byP).map(([p, c]) =>
  `${kind.padEnd(24)} ${p.padEnd(8)} ${[c.op, c.mac, c.elem, c.pixel].map((v) => String(v).padStart(9)).join(' ')}`));
console.log(`// Per-op LiteRT costs (ns) on its one-thread WASM XNNPack (compat build), by op kind (cost-model.ts opWork: the
// opcode, CONV_2D split into 1x1 and larger kernels) and the precision it computes in: per op + per MAC · MACs + per
// pixel · output pixels, or per op + per element · elements. Generated by bench/op-cost-fit.ts (see there for the
// commands) from each op of these models timed alone with bench/op-latency.ts:
${notes.map((n) => `//   ${n}`).join('\n')}
// Fit per kind and precision (sums over the ops measured):
${errors.join('\n')}
export interface OpCost { op: number; mac: number; elem: number; pixel: number }

const TABLE = \`
${rowsText.join('\n')}\`;

export const OP_COSTS: Record<string, Partial<Record<'float32' | 'int8', OpCost>>> = {};
for (const line of TABLE.trim().split('\\n')) {
  // The kind (may hold a space), the precision, then four numbers.
  const words = line.trim().split(/ +/);
  const [p, op, mac, elem, pixel] = [words.at(-5)!, ...words.slice(-4).map(Number)];
  (OP_COSTS[words.slice(0, -5).join(' ')] ??= {})[p as 'float32' | 'int8'] = { op, mac, elem, pixel };
}`);
