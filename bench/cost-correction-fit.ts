// Fits WHOLE_MODEL_INT8_WEIGHT (src/quantize/cost-model.ts): how much of the per-op table's int8 and QUANTIZE / DEQUANTIZE
// time (op-costs.ts: each op timed alone) a whole model spends. Each argument is a group of .tflite files of one model,
// comma-separated, float32 first (e.g. the float32, plain int8 and mixed-precision files bench int8-tasks keeps with
// ONNX2LITE_OCR_SAVE=DIR, and variants with float islands); a group's files are timed together (bench/paired-latency.ts:
// thread CPU time, interleaved rounds, the load average beside) on the same random inputs. With the float32 file's
// table estimate T, each variant's measured ratio r gives r·T − (its float32 and 16x8 ops' table time) ≈ a·(its int8
// ops' and conversions' table time); a is fitted by least squares over every variant, each divided by its T (every
// model weighs the same). The two-weight fit (int8 ops, conversions apart) is printed too: conversions are 2-5% of
// these models and it swings with the noise (0.705 / 5.1 in one run at load 18-24). Prints each variant's measured
// ratio beside the table's, the fitted estimate's and the work factors' (estimatedMs), and the weight to copy.
// Usage: node --import tsx bench/cost-correction-fit.ts DIR/det_float32.tflite,DIR/det_int8-plain.tflite,... [...]
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Tensor } from '../src/ir/types';
import type { TflModel } from '../src/tflite/model';
import { parseTflite } from '../src/tflite/reader';
import { readMetadata } from '../src/runtime/tflite-onnx-io';
import { randomSamples } from '../src/calibration/data';
import { boundMs, estimatedMs, tableParts } from '../src/quantize/cost-model';
import { loadAverage, pairedLatency } from './paired-latency';

/** Random inputs in the ONNX layout of a converted model's inputs (shapes from its TFLite tensors). */
function feedsOf(tflite: Uint8Array, model: TflModel): Tensor[][] {
  const meta = readMetadata(tflite);
  if (!meta) throw new Error('no onnx2lite metadata');
  const shapes = meta.inputs.map((mi) => {
    const tfl = model.subgraphs[0].tensors[mi.tflite].shape;
    const dims: number[] = [];
    mi.perm.forEach((p, i) => { dims[p] = Math.max(1, tfl[i]); });
    return { name: mi.onnx, dtype: 'float32' as const, dims };
  });
  return randomSamples(shapes, 1);
}

const groups = process.argv.slice(2).map((a) => a.split(',').filter(Boolean));
if (!groups.length) { console.error('usage: node --import tsx bench/cost-correction-fit.ts FLOAT.tflite,VARIANT.tflite,... [...]'); process.exit(1); }
(async () => {
  const rows: { label: string; ratio: number; T: number; floatMs: number; int8: number; convert: number; model: TflModel; work: number }[] = [];
  for (const g of groups) {
    // Labels name the file (with its folder where two files of a group share a name: the timings are kept by label).
    const base = (f: string) => path.basename(f, '.tflite');
    const label = (f: string) => (g.filter((o) => base(o) === base(f)).length > 1 ? `${path.basename(path.dirname(f))}/${base(f)}` : base(f));
    const files = g.map((f) => ({ label: label(f), tflite: new Uint8Array(fs.readFileSync(f)) }));
    const models = files.map((f) => parseTflite(f.tflite));
    const { byLabel, load } = await pairedLatency(files, feedsOf(files[0].tflite, models[0]), { budgetMs: 30000, minRounds: 8 });
    const p0 = tableParts(models[0]);
    const T = p0.float32 + p0.int8 + p0.int16 + p0.convert;
    files.forEach((f, i) => {
      const p = tableParts(models[i]);
      const l = byLabel.get(f.label)!;
      console.log(`${f.label.padEnd(40)} ${l.ms.toFixed(2).padStart(8)} ms (${l.ratio.toFixed(3)}×, ${l.rounds} rounds, load ${load})`
        + ` table ms float32 ${p.float32.toFixed(1)} int8 ${p.int8.toFixed(1)} 16x8 ${p.int16.toFixed(1)} convert ${p.convert.toFixed(1)}`);
      if (i > 0) rows.push({ label: f.label, ratio: l.ratio, T, floatMs: p.float32 + p.int16, int8: p.int8, convert: p.convert, model: models[i],
        work: estimatedMs(models[i]) / estimatedMs(models[0]) });
    });
  }
  // Least squares y ≈ a·(x1 + x2) on rows scaled by 1/T (and y ≈ a·x1 + b·x2 for the record).
  let s11 = 0, s12 = 0, s22 = 0, s1y = 0, s2y = 0;
  for (const r of rows) {
    const [x1, x2, y] = [r.int8 / r.T, r.convert / r.T, (r.ratio * r.T - r.floatMs) / r.T];
    s11 += x1 * x1; s12 += x1 * x2; s22 += x2 * x2; s1y += x1 * y; s2y += x2 * y;
  }
  const det = s11 * s22 - s12 * s12;
  const two = det ? [(s1y * s22 - s2y * s12) / det, (s2y * s11 - s1y * s12) / det] : [NaN, NaN];
  const r3 = (x: number) => Number(x.toPrecision(3));
  const a = r3((s1y + s2y) / (s11 + 2 * s12 + s22));
  console.log('variant                                   measured  table  fitted  work factors (ratios to float32)');
  for (const r of rows) {
    const table = (r.floatMs + r.int8 + r.convert) / r.T;
    const fitted = boundMs(r.model, a) / r.T;
    console.log(`${r.label.padEnd(40)} ${r.ratio.toFixed(3).padStart(7)} ${table.toFixed(3).padStart(6)} ${fitted.toFixed(3).padStart(7)} ${r.work.toFixed(3).padStart(7)}`);
  }
  console.log(`WHOLE_MODEL_INT8_WEIGHT = ${a}   (int8 ops and conversions apart: ${r3(two[0])} / ${r3(two[1])}; load after ${loadAverage()})`);
})().catch((e) => { console.error(e); process.exit(1); });
