// Which op types lose PP-OCRv4 rec's lines in full int8 (issue #13), beside bench/rec-int8-where.ts's weight rows.
// `rec-int8-where.ts --types [--48] [--from-float]`: full int8 built op by op with quantizeInt8 (minmax ranges on 8
// calibration lines, round to nearest, float32 I/O), lines identical to onnxruntime's greedy decode (eval 48, 144):
// - the near-float ceiling: every op 16x8 where a 16x8 kernel exists, every weight split into int8 + rounding
//   residual (~15-bit: int8-split.ts); the ops of that model still int8 / float32 listed by opcode;
// - from it, each op type TFLite has no 16x8 kernel for (still int8 there) put back to float32, then the LayerNorm
//   centering (SUB and the MEAN it reads) alone;
// - `--from-float`: the float32 model with ONE op type int8 (every other op float32 between DEQUANTIZE / QUANTIZE).
// `--48` evaluates the 48 lines only (16x8 runs on LiteRT's reference kernels: ~15 min for 192 lines at load 25).
// Measured (s15, 1fcd0dd, load 15-34; lines the same of 48 / 144): plain int8 34 / 121; near-float ceiling 43 / 139
// (5.95 MB), still int8 in it: LOGISTIC 7 (the neck's swish), SUB 5 (LayerNorm's x - mean), STRIDED_SLICE 6 (q / k / v);
// LOGISTIC + SUB + STRIDED_SLICE float 45 / 48, the LayerNorm centering (SUB + its MEAN) float 45 / 48: 2 of the 5 lost
// lines were the int8 x - mean of the SVTR neck's residual stream; plain int8 with it float 34 / 120, and as a default
// rule (centering in the 'norm' float island) bench int8-tasks read rec int8 36 / 116 of 48 / 144 (main 38 / 133):
// the search kept other layers float (guard cosine 0.9878), so the rule was reverted. Lines 20 and 35 stay changed in every near-float variant. From float32 with float16 weights
// (46 / 48) one op type int8 (48 lines): HARD_SWISH 35, DEPTHWISE_CONV_2D 37, ADD 37, PAD 39 (the 4 inner PADs, before
// the stride-2 depthwise convs, 40; the model input's alone 47: its scale 2/255 puts every pixel on a half step,
// harmless), CONV_2D 40, MUL 40, MEAN 44, SUB 45, AVERAGE_POOL_2D / RESHAPE / SQUARE / SQRT 46, LOGISTIC 47: int8
// activations anywhere in the backbone cost 6-11 lines each, no single kernel. `--noise`: the float model itself
// reads 48 / 144, 47-48 / 142-143 and 46 / 141 of 48 / 144 with ±0.25, ±0.5 and ±1 gray level of input noise.
import * as fs from 'node:fs';
import * as os from 'node:os';
import type { Tensor } from '../src/ir/types';
import type { ConvertResult } from '../src/convert/convert';
import { decodeModel } from '../src/onnx/reader';
import { simplifiedModel } from '../src/convert/simplify';
import { serializeTflite } from '../src/tflite/writer';
import { parseTflite } from '../src/tflite/reader';
import { RangeCollector, onnxRanges, plan, tfliteRanges } from '../src/calibration/ranges';
import { deriveRanges } from '../src/calibration/derive';
import { withNormHeadroom } from '../src/calibration/norm-headroom';
import { activationParams, quantizeInt8, tensorsWithoutParams, type Int8Options } from '../src/quantize/int8';
import { int16Capable, wideParams } from '../src/quantize/int16';
import { cloneResult } from '../src/quantize/mixed-precision';
import { weightOps } from '../src/quantize/precise-weights';
import type { QParams } from '../src/quantize/params';
import { openOnnx } from '../src/runtime/ort';
import { openTflite } from '../src/runtime/litert';
import { toTfliteLayout } from '../src/runtime/tflite-onnx-io';
import type { TflModel } from '../src/tflite/model';

type Row = (label: string, tflite: Uint8Array) => Promise<void>;

/** minmax int8 parameters of every activation (with the normalization headroom), and their 16x8 forms. */
async function minmaxParams(bytes: Uint8Array, result: ConvertResult, inputShapes: Map<string, number[]>, calib: Tensor[][]) {
  const onnx = simplifiedModel(decodeModel(bytes), inputShapes);
  const collector = new RangeCollector({}, ['minmax']);
  const fixed = new Map<number, QParams>();
  await onnxRanges(collector, onnx, plan(result, onnx, tensorsWithoutParams(result, activationParams(result, new Map(), fixed))).onnx, calib, 4);
  const withDerived = (base: Map<number, { min: number; max: number }>) => {
    deriveRanges(result, base, tensorsWithoutParams(result, activationParams(result, base, fixed)));
    return base;
  };
  const missing = tensorsWithoutParams(result, activationParams(result, withDerived(collector.ranges()), fixed));
  if (missing.length) await tfliteRanges(collector, result, missing, calib);
  const params = activationParams(result, withDerived(withNormHeadroom(result, collector.minmaxRanges(), collector.extremes)), fixed);
  return { params, int16Params: wideParams(params) };
}

/** Opcode histogram of ops, each keyed by the element types it touches (what stays int8 in a 16x8 model). */
function typedHistogram(tflite: Uint8Array): string {
  const sg = parseTflite(tflite).subgraphs[0];
  const h = new Map<string, number>();
  for (const op of sg.operators) {
    const types = [...new Set([...op.inputs, ...op.outputs].filter((i) => i >= 0 && !sg.tensors[i].data).map((i) => sg.tensors[i].type))];
    const key = `${op.opcode}[${types.join('/')}]`;
    h.set(key, (h.get(key) ?? 0) + 1);
  }
  return [...h].map(([k, n]) => `${k} ${n}`).join(', ');
}

export async function opTypeRows(bytes: Uint8Array, result: ConvertResult, inputShapes: Map<string, number[]>, calib: Tensor[][], row: Row): Promise<void> {
  const sg = result.model.subgraphs[0];
  const { params, int16Params } = await minmaxParams(bytes, result, inputShapes, calib.slice(0, 8));
  const build = (o: Int8Options) => serializeTflite(quantizeInt8(cloneResult(result), params, { int16Params, ...o }).model);
  const ops = sg.operators.map((_, k) => k);
  const of = (opcode: string) => ops.filter((k) => sg.operators[k].opcode === opcode);
  const opcodes = [...new Set(sg.operators.map((op) => op.opcode))];
  console.log(`# load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  if (process.argv.includes('--from-float')) {
    for (const opcode of opcodes) await row(`float32, ${opcode} int8 (${of(opcode).length})`, build({ floatOps: new Set(ops.filter((k) => sg.operators[k].opcode !== opcode)) }));
    return;
  }
  await row('plain int8 (minmax, nearest)', build({}));
  const wide = new Set(ops.filter((k) => int16Capable(sg.operators[k], sg.tensors)));
  const split = new Set(weightOps(sg).map((w) => w.op).filter((k) => wide.has(k)));
  const ceiling = build({ int16Ops: wide, splitOps: split });
  console.log(`near-float ceiling's ops: ${typedHistogram(ceiling)}`);
  await row('16x8 everywhere + every weight split', ceiling);
  const narrow = [...new Set(ops.filter((k) => !wide.has(k)).map((k) => sg.operators[k].opcode))];
  const readers = (i: number) => ops.filter((k) => sg.operators[k].inputs.includes(i));
  const centering = new Set([...of('SUB'), ...of('MEAN').filter((k) => readers(sg.operators[k].outputs[0]).some((r) => sg.operators[r].opcode === 'SUB'))]);
  const groups: [string, Set<number>][] = [...narrow.map((o): [string, Set<number>] => [o, new Set(of(o))]), ['LayerNorm centering (SUB + its MEAN)', centering]];
  for (const [label, f] of groups) {
    await row(`ceiling, ${label} float32`, build({ int16Ops: new Set([...wide].filter((k) => !f.has(k))), splitOps: split, floatOps: f }));
  }
}

/** The float model's own margin: onnxruntime on each line with uniform noise of ±`g` gray levels added to its pixels
 *  (x = (p / 255 - 0.5) / 0.5: one gray level is 2/255), lines whose decode changes. */
export async function noiseRows(bytes: Uint8Array, sets: Tensor[][][], decodeOf: (out: Tensor) => string): Promise<void> {
  const session = await openOnnx(bytes);
  try {
    const run = async (x: Tensor) => decodeOf([...(await session.run([x])).values()][0]);
    const refs: string[][] = [];
    for (const s of sets) { const r: string[] = []; for (const x of s) r.push(await run(x[0])); refs.push(r); }
    let seed = 1;
    const rnd = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x7fffffff; };
    for (const g of [0.25, 0.5, 1]) {
      const same = [];
      for (const [k, s] of sets.entries()) {
        let n = 0;
        for (const [i, x] of s.entries()) {
          const d = x[0].data as Float32Array;
          if ((await run({ ...x[0], data: Float32Array.from(d, (v) => v + (rnd() * 2 - 1) * (2 * g) / 255) })) === refs[k][i]) n++;
        }
        same.push(`${n}/${s.length}`);
      }
      console.log(`float32 (onnxruntime), input noise ±${g} gray level: ${same.join('  ')} lines the same`);
    }
  } finally {
    await session.close();
  }
}

/** The calibration lines of the material (apart from the evaluation lines). */
export function calibrationLines(dir: string, load: (file: string) => Tensor[]): Tensor[][] {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.png')).sort().slice(0, 8).map((f) => load(`${dir}/${f}`));
}

/** `model`'s values of tensors `outs` on each sample. */
export async function tensorValues(model: TflModel, result: ConvertResult, outs: number[], samples: Tensor[][]): Promise<Float32Array[][]> {
  const sg = model.subgraphs[0];
  const s = await openTflite(serializeTflite({ ...model, signatures: undefined, subgraphs: [{ ...sg, outputs: outs }, ...model.subgraphs.slice(1)] }));
  try {
    const got: Float32Array[][] = [];
    for (const x of samples) got.push((await s.run(result.metadata.inputs.map((m, k) => toTfliteLayout(x[k], m)))).map((t) => Float32Array.from(t.data as Float32Array)));
    return got;
  } finally {
    s.close();
  }
}
