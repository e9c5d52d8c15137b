// Where PaddleOCR rec's int8 amplifies a one-step change of its grids (issue #13): plain int8 against the same model
// with every activation scale jittered by J (rec-int8-jitter.ts), every op's output tapped on LiteRT (compare's
// debug copy) on the eval lines the two decode differently, dequantized; per op the difference between the two in
// output steps and against int8's own error vs float32; and, for those lines, float32's top-1 / top-2 margin at
// the time steps whose arg-max flips.
// Usage: ONNX2LITE_OCR_MODELS=DIR node --import tsx bench/rec-int8-chaos.ts --cache FILE [--jitter 0.002] [--seed 1]
//   [--lines 4] [--nearest] [--seeds 1,2,3 [--keep-input]]
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Tensor } from '../src/ir/types';
import { convertModel } from '../src/convert/convert';
import { decodeModel } from '../src/onnx/reader';
import { serializeTflite } from '../src/tflite/writer';
import { quantizeInt8 } from '../src/quantize/int8';
import type { QParams } from '../src/quantize/params';
import type { RoundedWeights } from '../src/quantize/weight-rounding';
import { cloneResult } from '../src/quantize/mixed-precision';
import { copyFeeds, debugCopy } from '../src/compare/tap';
import { openTflite } from '../src/runtime/litert';
import { openConverted, toTfliteLayout } from '../src/runtime/tflite-onnx-io';
import type { TflModel } from '../src/tflite/model';
import { ctcGreedy, references } from './ocr-tasks';
import { bucketOf, feedLine, pngs, widthOf } from './ocr-wide';
import { makeOcrSamples } from './material/ocr-samples.mjs';
import { jittered } from './rec-int8-jitter';
import { loadAverage } from './paired-latency';

const arg = (name: string) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : undefined; };

async function decodeAll(tflite: Uint8Array, feeds: Tensor[][]): Promise<{ text: string[]; out: Float32Array[] }> {
  const s = await openConverted(tflite);
  const text: string[] = [];
  const out: Float32Array[] = [];
  try {
    for (const x of feeds) {
      const t = [...(await s.run(x)).values()][0];
      text.push(ctcGreedy(t.data as Float32Array, t.dims).join(','));
      out.push(Float32Array.from(t.data as Float32Array));
    }
  } finally {
    s.close();
  }
  return { text, out };
}

async function tapsOnce(model: TflModel, inputs: ConvertedInputs, feeds: Tensor[][], outs: number[]): Promise<Float32Array[][]> {
  const copy = debugCopy(model, outs);
  const s = await openTflite(copy.bytes);
  const got: Float32Array[][] = [];
  try {
    for (const x of feeds) {
      const res = copy.read(await s.run(copyFeeds(s.inputs, inputs.map((m, k) => toTfliteLayout(x[k], m)))));
      got.push(outs.map((o) => Float32Array.from(res.get(o)!.data as Float32Array)));
    }
  } finally {
    s.close();
  }
  return got;
}

/** Every tensor of `outs` on every feed; a set LiteRT refuses to allocate (some int8 taps after the SVTR neck's first
 *  attention: "allocation_type != kTfLiteCustom") is halved until the refused tensors alone are left out (empty). */
async function taps(model: TflModel, inputs: ConvertedInputs, feeds: Tensor[][], outs: number[]): Promise<Float32Array[][]> {
  try {
    return await tapsOnce(model, inputs, feeds, outs);
  } catch (e) {
    if (outs.length === 1) return feeds.map(() => [new Float32Array(0)]);
    const h = outs.length >> 1;
    const [a, b] = [await taps(model, inputs, feeds, outs.slice(0, h)), await taps(model, inputs, feeds, outs.slice(h))];
    return a.map((row, l) => [...row, ...b[l]]);
  }
}
type ConvertedInputs = Parameters<typeof toTfliteLayout>[1][];

(async () => {
  const dir = process.env.ONNX2LITE_OCR_MODELS;
  if (!dir) { console.log('skipped: set ONNX2LITE_OCR_MODELS'); return; }
  const bucket = 640;
  const bytes = fs.readFileSync(path.join(dir, 'ch_PP-OCRv4_rec_infer.onnx'));
  const material = makeOcrSamples(path.join(os.tmpdir(), 'onnx2lite-ocr-samples-3'), { moreLines: 144, wide: 72 });
  const evalFiles = ['line-wide', 'line-more-wide'].flatMap((d) => pngs(path.join(material, 'eval', d))).filter((f) => bucketOf(widthOf(f)) === bucket);
  const feeds = evalFiles.map((f) => [feedLine(f, bucket)]);
  const result = convertModel(decodeModel(bytes), { inputShapes: new Map([['x', [1, 3, 48, bucket]]]) });
  const sg = result.model.subgraphs[0];
  type Cached = { params: [number, QParams][]; weights: [number, { data: number[]; scales: number[]; bias?: number[]; biasTensor?: number }][] };
  const cached: Cached = JSON.parse(fs.readFileSync(arg('--cache')!, 'utf8'));
  const params = new Map(cached.params);
  const gptq: Map<number, RoundedWeights> | undefined = process.argv.includes('--nearest') ? undefined : new Map(cached.weights.map(([k, w]) => [k, { data: Int8Array.from(w.data), scales: w.scales, ...(w.bias ? { bias: Float32Array.from(w.bias) } : {}), ...(w.biasTensor !== undefined ? { biasTensor: w.biasTensor } : {}) }]));
  const j = Number(arg('--jitter') ?? 0.002);
  const seed = Number(arg('--seed') ?? 1);
  const opts = { int8Io: false, roundedWeights: gptq, splitOps: new Set<number>(), floatOps: new Set<number>() };
  // --seeds 1,2,3: lines identical of plain int8 and of each jittered seed only (no taps).
  if (arg('--seeds')) {
    const refs = await references(bytes, feeds);
    const want = refs.map((t) => ctcGreedy(t.data as Float32Array, t.dims).join(','));
    for (const sd of [0, ...arg('--seeds')!.split(',').map(Number)]) {
      const jp = sd ? jittered(result, params, j, sd) : params;
      // --keep-input: the model input's grid (and every tensor on the same scale) left as calibrated.
      const inP = params.get(sg.inputs[0]);
      if (sd && inP && process.argv.includes('--keep-input')) for (const [i, q] of params) if (q.scale === inP.scale && q.zeroPoint === inP.zeroPoint) jp.set(i, q);
      const m = quantizeInt8(cloneResult(result), jp, opts).model;
      const d = await decodeAll(serializeTflite(m), feeds);
      console.log(`${gptq ? 'GPTQ' : 'nearest'} ${sd ? `jitter ${j} seed ${sd}${process.argv.includes('--keep-input') ? ', input grid kept' : ''}` : 'plain'}: eval ${d.text.filter((t, i) => t === want[i]).length}/${feeds.length}; load ${loadAverage()}`);
    }
    return;
  }
  const plainModel = quantizeInt8(cloneResult(result), params, opts).model;
  const jitModel = quantizeInt8(cloneResult(result), jittered(result, params, j, seed), opts).model;
  const refs = await references(bytes, feeds);
  const want = refs.map((t) => ctcGreedy(t.data as Float32Array, t.dims).join(','));
  const p = await decodeAll(serializeTflite(plainModel), feeds);
  const q = await decodeAll(serializeTflite(jitModel), feeds);
  const same = (d: string[]) => d.filter((t, i) => t === want[i]).length;
  console.log(`# eval ${feeds.length} lines: plain ${same(p.text)}, jitter ${j} seed ${seed} ${same(q.text)}; plain != jitter on ${p.text.filter((t, i) => t !== q.text[i]).length}; load ${loadAverage()}`);

  // Final logits: at each time step whose arg-max differs between plain and jittered, float32's margin (log-prob
  // top-1 minus top-2) and the int8 models' margins.
  const dims = refs[0].dims;
  const C = dims[dims.length - 1];
  const T = refs[0].data.length / C;
  const top2 = (v: ArrayLike<number>, o: number) => { let a = -Infinity, b = -Infinity, ia = 0; for (let c = 0; c < C; c++) { const x = Math.log(Math.max(v[o + c], 1e-30)); if (x > a) { b = a; a = x; ia = c; } else if (x > b) b = x; } return { ia, m: a - b }; };
  const flipMargins: number[] = [];
  const allMargins: number[] = [];
  const lost: number[] = [];
  for (let i = 0; i < feeds.length; i++) {
    if (p.text[i] === want[i] && q.text[i] !== want[i]) lost.push(i);
    for (let t = 0; t < T; t++) {
      const f = top2(refs[i].data as Float32Array, t * C);
      allMargins.push(f.m);
      if (top2(p.out[i], t * C).ia !== top2(q.out[i], t * C).ia) flipMargins.push(f.m);
    }
  }
  const pct = (a: number[], x: number) => { const s = [...a].sort((u, v) => u - v); return s[Math.min(s.length - 1, Math.floor(x * s.length))]; };
  console.log(`# lines plain-right / jitter-wrong: ${lost.length}; time steps whose arg-max differs plain vs jitter: ${flipMargins.length} of ${allMargins.length}`);
  console.log(`# float32 margin (log-prob top1 - top2) at those steps: median ${pct(flipMargins, 0.5).toFixed(2)}, p10 ${pct(flipMargins, 0.1).toFixed(2)}, p90 ${pct(flipMargins, 0.9).toFixed(2)}; over all steps median ${pct(allMargins, 0.5).toFixed(2)} p10 ${pct(allMargins, 0.1).toFixed(2)}`);

  // Every op's output on the lost lines: plain vs jitter in plain's output steps, int8 vs float32.
  const pickIdx = lost.slice(0, Number(arg('--lines') ?? 4));
  const pick = pickIdx.map((i) => feeds[i]);
  const frac = pickIdx.map((i) => Math.min(1, widthOf(evalFiles[i]) / bucket));
  const outs = sg.operators.map((op) => op.outputs[0]);
  const inputs = result.metadata.inputs as ConvertedInputs;
  // The int8 pass rebuilds the tensor list: each float32 op output is found by name.
  const byName = (m: TflModel) => { const ix = new Map(m.subgraphs[0].tensors.map((t, i) => [t.name, i])); return outs.map((o) => ix.get(sg.tensors[o].name) ?? -1); };
  const pOuts = byName(plainModel);
  const f = await taps(result.model, inputs, pick, outs);
  const a = await taps(plainModel, inputs, pick, pOuts);
  const b = await taps(jitModel, inputs, pick, byName(jitModel));
  const psg = plainModel.subgraphs[0];
  for (let k = 0; k < outs.length; k++) {
    const qa = psg.tensors[pOuts[k]]?.quantization;
    const step = qa?.scale?.[0] ?? NaN;
    let maxAB = 0, sAB = 0, sAF = 0, sF = 0, n = 0;
    // The same relative errors on the line's own columns and on its zero padding's (width axis: 2 of NHWC, 1 of [1, T, C]).
    const shape = sg.tensors[outs[k]].shape;
    const wAxis = shape.length === 4 ? 2 : shape.length === 3 ? 1 : -1;
    const region = [{ e: 0, j: 0, f: 0 }, { e: 0, j: 0, f: 0 }];
    for (let l = 0; l < pick.length; l++) {
      const x = a[l][k], y = b[l][k], z = f[l][k];
      if (x.length === 0 || y.length === 0) continue;
      const inner = wAxis < 0 ? 1 : shape.slice(wAxis + 1).reduce((u, v) => u * v, 1);
      const W = wAxis < 0 ? 1 : shape[wAxis];
      const lineCols = Math.ceil(frac[l] * W);
      for (let i = 0; i < x.length; i++) {
        const d = Math.abs(x[i] - y[i]); maxAB = Math.max(maxAB, d); sAB += d * d; sAF += (x[i] - z[i]) ** 2; sF += z[i] * z[i]; n++;
        const r = region[wAxis >= 0 && Math.floor(i / inner) % W >= lineCols ? 1 : 0];
        r.e += (x[i] - z[i]) ** 2; r.j += d * d; r.f += z[i] * z[i];
      }
    }
    const rms = (s: number) => Math.sqrt(s / n);
    console.log(`${k} ${sg.operators[k].opcode} ${psg.tensors[pOuts[k]]?.type} step ${step.toExponential(2)} plain-vs-jit max ${(maxAB / step).toFixed(1)} rms ${(rms(sAB) / step).toFixed(2)} steps; `
      + `rms plain-vs-float ${(rms(sAF) / step).toFixed(2)} steps; jit/int8err ${(Math.sqrt(sAB / Math.max(sAF, 1e-30))).toFixed(2)}; float rms ${rms(sF).toExponential(2)}; `
      + region.map((r, i) => `${i ? 'padding' : 'line'}: int8 err / float rms ${Math.sqrt(r.e / Math.max(r.f, 1e-30)).toFixed(2)} jit diff / float rms ${Math.sqrt(r.j / Math.max(r.f, 1e-30)).toFixed(2)}`).join('; '));
  }
})().catch((e) => { console.error(e); process.exit(1); });
