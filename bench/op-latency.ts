// Where a quantized model's LiteRT time goes, op by op: every op of subgraph 0 (with the DEQUANTIZE ops of constants
// it reads, so hybrid islands and float16 weights stay delegated as in the model) is cut into a model of its own, fed
// random inputs written once, and run without reading its outputs back (no JS copies timed); the time is the process
// CPU per run, the middle of 5 batches of >= 50 ms. With a second model (e.g. float32 then int8), each op is joined to
// the first model's op writing the same tensor name (`_int8` copies too) and the table gives both and their ratio,
// then sums by opcode and precision. One model at a time in one process: timing the two side by side (interleaved)
// inflated the float32 convs 2.4x on a loaded machine, where the sums of ops alone match the whole models (PP-OCRv4 det
// float32: 174 ms summed, 183 ms whole). An op alone is not fused with its neighbours: a PAD read by a convolution
// costs nothing in the model (XNNPack folds it, also an int8 PAD whose zero point is not 0: PAD + 3x3 depthwise on
// [1, 24, 96, 32] at zero point -100 vs 0 1.03x, median of 15 paired runs, 2026-12-06) but its full time here.
// With both, the last line is the all-int8 bound (allInt8Bound): s23-i8lat2 read YuNet 0.71x (0.67x without its
// input PAD), FastestDet 0.78x (0.75x), the person detector 0.72x (0.70x), load 18-35.
// Usage: node --import tsx bench/op-latency.ts FLOAT.tflite [QUANT.tflite] [--top N] [--json ROWS.json]
// (--json writes every op's row with its work: bench/op-cost-fit.ts fits src/quantize/op-costs.ts from such files.)
// (ONNX2LITE_LITERT_BUILD=relaxed-simd times LiteRT's relaxed-SIMD build, src/runtime/litert-load.ts.)
import * as fs from 'node:fs';
import type { TflModel, TflOperator, TflTensor } from '../src/tflite/model';
import { parseTflite } from '../src/tflite/reader';
import { serializeTflite } from '../src/tflite/writer';
import { liteRtBuild } from '../src/runtime/litert-load';
import { openRaw } from './raw-runner';
import { loadAverage } from './paired-latency';
import { opWork } from '../src/quantize/cost-model';
import { FP16_PIN_SUFFIX } from '../src/quantize/fp16-filters';

const FREE = new Set(['RESHAPE', 'SQUEEZE', 'EXPAND_DIMS']);
const isConst = (t: TflTensor | undefined) => !!t?.data && t.data.byteLength > 0;
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e3; };

/** Op `k` of `m` as a model of its own: its activation inputs are the inputs, constant DEQUANTIZEs it reads kept. */
export function cutOp(m: TflModel, k: number): TflModel {
  const sg = m.subgraphs[0];
  const op = sg.operators[k];
  const map = new Map<number, number>();
  const tensors: TflTensor[] = [];
  const use = (i: number) => {
    if (i < 0) return -1;
    if (!map.has(i)) { map.set(i, tensors.length); tensors.push({ ...sg.tensors[i], shapeSignature: undefined }); }
    return map.get(i)!;
  };
  const weights = op.inputs.flatMap((i) => sg.operators.filter((p) => p.opcode === 'DEQUANTIZE' && p.outputs[0] === i && isConst(sg.tensors[p.inputs[0]])));
  // A float16 weight's one-element SLICE (src/quantize/fp16-filters.ts) goes with its DEQUANTIZE: without it XNNPack
  // converts and packs the filter again at every run (FastestDet's float32 stem conv read 6.8x its time in the model).
  const pins = weights.flatMap((d) => sg.operators.filter((p) => p.opcode === 'SLICE' && p.inputs[0] === d.outputs[0]
    && sg.tensors[p.outputs[0]]?.name.endsWith(FP16_PIN_SUFFIX)));
  const ops: TflOperator[] = [...weights, ...pins, op].map((o) => ({ ...o, inputs: o.inputs.map(use), outputs: o.outputs.map(use) }));
  const made = new Set(ops.flatMap((o) => o.outputs));
  const inputs = [...new Set(ops.flatMap((o) => o.inputs).filter((i) => i >= 0 && !isConst(tensors[i]) && !made.has(i)))];
  return { version: 3, description: 'op', metadata: new Map(), subgraphs: [{ name: 'op', tensors, operators: ops, inputs, outputs: op.outputs.map(use) }] };
}

/** CPU ms per run of `tflite` (one thread, XNNPack) on random inputs. */
export async function timeAlone(tflite: Uint8Array): Promise<number> {
  const raw = await openRaw(tflite);
  try {
    await raw.run();
    const w0 = performance.now();
    await raw.run();
    const reps = Math.max(1, Math.min(300, Math.ceil(50 / Math.max(0.005, performance.now() - w0))));
    const per: number[] = [];
    for (let b = 0; b < 5; b++) {
      const c0 = cpuMs();
      for (let r = 0; r < reps; r++) await raw.run();
      per.push((cpuMs() - c0) / reps);
    }
    return per.sort((a, b) => a - b)[2];
  } finally {
    raw.close();
  }
}

export interface OpTime { k: number; opcode: string; precision: string; out: string; shape: number[]; ms: number;
  /** The op's kind and work as the cost model counts them (cost-model.ts opWork). */
  kind: string; macs: number; elems: number; pixels: number }

export async function profile(m: TflModel): Promise<OpTime[]> {
  const sg = m.subgraphs[0];
  const rows: OpTime[] = [];
  for (let k = 0; k < sg.operators.length; k++) {
    const op = sg.operators[k];
    if (FREE.has(op.opcode) || (op.opcode === 'DEQUANTIZE' && isConst(sg.tensors[op.inputs[0]]))) continue;
    const act = sg.tensors[op.inputs.find((i) => i >= 0 && !isConst(sg.tensors[i])) ?? op.outputs[0]];
    const out = sg.tensors[op.outputs[0]];
    const work = opWork(op, sg.tensors);
    rows.push({ k, opcode: op.opcode, precision: act.type, out: out.name, shape: out.shape, ms: await timeAlone(serializeTflite(cutOp(m, k))),
      kind: work.kind, macs: work.macs, elems: work.elems, pixels: work.pixels });
  }
  return rows;
}

/** What the second profile (int8) would sum to with every op int8: each opcode's time in the first (float32) profile
 *  times the ratio of that opcode's int8 ops to their float32 twins (opcodes with no int8 op keep their time). Op sums
 *  overstate int8's share of a whole model, but the bound says what choosing precisions can reach at these kernels. */
export function allInt8Bound(a: OpTime[], b: OpTime[], twin: (r: OpTime) => OpTime | undefined): { ms: number; floatMs: number; noPadMs: number; noPadFloatMs: number } {
  const ratio = new Map<string, [number, number]>();
  for (const r of b) {
    const t = r.precision === 'INT8' ? twin(r) : undefined;
    if (!t) continue;
    const s = ratio.get(r.opcode) ?? [0, 0];
    s[0] += r.ms; s[1] += t.ms;
    ratio.set(r.opcode, s);
  }
  const out = { ms: 0, floatMs: 0, noPadMs: 0, noPadFloatMs: 0 };
  for (const r of a) {
    const q = ratio.get(r.opcode);
    const ms = q && q[1] > 0 ? (r.ms * q[0]) / q[1] : r.ms;
    out.ms += ms; out.floatMs += r.ms;
    if (r.opcode !== 'PAD' && r.opcode !== 'PADV2') { out.noPadMs += ms; out.noPadFloatMs += r.ms; }
  }
  return out;
}

if (process.argv[1]?.includes('op-latency')) (async () => {
  const args = process.argv.slice(2);
  const top = Number(args[args.indexOf('--top') + 1]) || 30;
  const files = args.filter((a, i) => a.endsWith('.tflite') && args[i - 1] !== '--top');
  const json = args.includes('--json') ? args[args.indexOf('--json') + 1] : undefined;
  if (!files.length) { console.log('usage: node --import tsx bench/op-latency.ts FLOAT.tflite [QUANT.tflite] [--top N]'); return; }
  const load0 = loadAverage();
  const profiles = [];
  for (const f of files) profiles.push(await profile(parseTflite(new Uint8Array(fs.readFileSync(f)))));
  console.log(`# LiteRT ${liteRtBuild()} build, one thread; load ${load0} → ${loadAverage()}`);
  if (json) fs.writeFileSync(json, JSON.stringify({ build: liteRtBuild(), load: [load0, loadAverage()], files, profiles }));
  const [a, b] = profiles.length > 1 ? profiles : [undefined, profiles[0]];
  const byOut = new Map(a?.map((r) => [r.out, r]) ?? []);
  const twin = (r: OpTime) => byOut.get(r.out) ?? byOut.get(r.out.replace(/_int8$/, ''));
  for (const [i, p] of profiles.entries()) console.log(`# ${files[i]}: ${p.length} ops, ${p.reduce((s, r) => s + r.ms, 0).toFixed(1)} ms summed`);
  console.log('op     opcode / precision              output shape          ms      ' + (a ? 'first model (ratio)' : ''));
  for (const r of [...b].sort((x, y) => y.ms - x.ms).slice(0, top)) {
    const t = twin(r);
    console.log(`${String(r.k).padStart(4)}  ${`${r.opcode} ${r.precision}`.padEnd(32)} ${JSON.stringify(r.shape).padEnd(20)} ${r.ms.toFixed(2).padStart(7)}`
      + (t ? `   ${t.opcode} ${t.ms.toFixed(2)} (${(r.ms / t.ms).toFixed(2)}×)` : ''));
  }
  const sums = new Map<string, { n: number; ms: number; first: number }>();
  for (const r of b) {
    const key = `${r.opcode} ${r.precision}`;
    const s = sums.get(key) ?? { n: 0, ms: 0, first: 0 };
    s.n++; s.ms += r.ms; s.first += twin(r)?.ms ?? 0;
    sums.set(key, s);
  }
  console.log('# by opcode and precision: count, ms' + (a ? ', the same outputs in the first model (ratio)' : ''));
  for (const [key, s] of [...sums].sort((x, y) => y[1].ms - x[1].ms)) {
    console.log(`  ${key.padEnd(32)} ${String(s.n).padStart(4)} ${s.ms.toFixed(2).padStart(8)}` + (a && s.first ? `   ${s.first.toFixed(2)} (${(s.ms / s.first).toFixed(2)}×)` : ''));
  }
  if (a) {
    const b8 = allInt8Bound(a, b, twin);
    console.log(`# every op int8 at its opcode's int8 / float32 ratio here: ${b8.ms.toFixed(2)} ms of ${b8.floatMs.toFixed(2)} (${(b8.ms / b8.floatMs).toFixed(2)}×; `
      + `without PAD / PADV2, which XNNPack folds into the next convolution: ${(b8.noPadMs / b8.noPadFloatMs).toFixed(2)}×)`);
  }
})().catch((e) => { console.error(e); process.exit(1); });
