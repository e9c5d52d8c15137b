// Fits the cost model's kernel factors (src/quantize/cost-model.ts) to LiteRT run times: for each PaddleOCR model
// (det, rec, cls) the float32 model, plain int8 (--int16 off) and all-16x8 (--int16 all) are timed together with
// bench/paired-latency.ts (thread CPU time, interleaved rounds; the load average beside), and their work counted
// (MACs and elements per precision, converted elements). The factors are fitted in sequence on det and rec: float32
// ns/MAC from the float32 models, int8 ns/MAC from the int8 ones after their float32 part, 16x8 ns/MAC and ns/element
// (least squares) from the all-16x8 ones; float32 / int8 element-wise ops and conversions at a fixed ELEM_NS. Run with
// `node --import tsx bench/cost-model-calibration.ts` (ONNX2LITE_OCR_MODELS=DIR as for int8-tasks); prints the
// measurements and the factors to copy into KERNEL_FACTORS.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { quantizeModelBytes } from '../src/quantize/file';
import { convertModel } from '../src/convert/convert';
import { decodeModel } from '../src/onnx/reader';
import { serializeTflite } from '../src/tflite/writer';
import { randomSamples } from '../src/calibration/data';
import { type Work, subgraphWork, workMs } from '../src/quantize/cost-model';
import { pairedLatency, loadAverage } from './paired-latency';

const dir = process.env.ONNX2LITE_OCR_MODELS ?? '';
const MODELS = [
  { file: 'ch_PP-OCRv4_det_infer.onnx', dims: [1, 3, 640, 640] },
  { file: 'ch_PP-OCRv4_rec_infer.onnx', dims: [1, 3, 48, 320] },
  { file: 'ch_ppocr_mobile_v2.0_cls_infer.onnx', dims: [1, 3, 48, 192] },
].filter((m) => !process.env.ONNX2LITE_COST_CASES || process.env.ONNX2LITE_COST_CASES.split(',').some((w) => m.file.includes(w)));

/** ns per element of float32 / int8 element-wise ops and of QUANTIZE / DEQUANTIZE: fixed, not fitted (with three
 *  models a free fit of every factor is ill-conditioned: it gave int8 MACs a negative cost); 0.2 ns fits the float32
 *  det and rec within 2% with one MAC factor. */
const ELEM_NS = 0.2;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** y ≈ a·x1 + b·x2, least squares (two unknowns). */
function fit2(rows: { x1: number; x2: number; y: number }[]): [number, number] {
  let s11 = 0, s12 = 0, s22 = 0, s1y = 0, s2y = 0;
  for (const r of rows) { s11 += r.x1 * r.x1; s12 += r.x1 * r.x2; s22 += r.x2 * r.x2; s1y += r.x1 * r.y; s2y += r.x2 * r.y; }
  const det = s11 * s22 - s12 * s12;
  return det ? [(s1y * s22 - s2y * s12) / det, (s2y * s11 - s1y * s12) / det] : [s11 ? s1y / s11 : 0, 0];
}

(async () => {
  console.log(`# ${os.cpus().length} CPU(s), load average ${loadAverage()}`);
  const rows: { name: string; variant: string; work: Work; ns: number }[] = [];
  for (const m of MODELS) {
    const file = path.join(dir, m.file);
    const bytes = fs.readFileSync(file);
    const inputShapes = new Map([['x', m.dims]]);
    const float = convertModel(decodeModel(bytes), { inputShapes });
    const variants = [{ label: 'float32', model: float.model }];
    for (const int16 of ['off', 'all'] as const) {
      const { result } = await quantizeModelBytes(bytes, file, { inputShapes }, { mode: 'int8', int16, weightRounding: 'nearest', count: 2, allowDegraded: true });
      variants.push({ label: int16 === 'off' ? 'int8' : '16x8', model: result.model });
    }
    const feeds = randomSamples([{ name: 'x', dtype: 'float32', dims: m.dims }], 1);
    const lat = await pairedLatency(variants.map((v) => ({ label: v.label, tflite: serializeTflite(v.model) })), feeds, { budgetMs: 30000, maxRounds: 15 });
    for (const v of variants) {
      const l = lat.byLabel.get(v.label)!;
      const work = subgraphWork(v.model.subgraphs[0]);
      rows.push({ name: m.file, variant: v.label, work, ns: l.ms * 1e6 });
      console.log(`${m.file.padEnd(38)} ${v.label.padEnd(8)} ${l.ms.toFixed(1).padStart(8)} ms (${l.ratio.toFixed(2)}×, ${l.rounds} rounds, load ${lat.load}) `
        + `work ${JSON.stringify(work)}`);
    }
  }
  // Fitted on the models whose run time is mostly their MACs (det, rec); the small classifier's time is mostly per-op
  // overhead (2.8 ms for 16 M MACs), which no factor here models and the search does not change.
  const fitted = rows.filter((r) => !r.name.includes('cls'));
  const plainElems = (w: Work) => (w.elem.float32 + w.elem.int8 + w.convert) * ELEM_NS;
  const fMac = mean(fitted.filter((r) => r.variant === 'float32').map((r) => (r.ns - plainElems(r.work)) / r.work.mac.float32));
  const iMac = mean(fitted.filter((r) => r.variant === 'int8').map((r) => (r.ns - plainElems(r.work) - fMac * r.work.mac.float32) / r.work.mac.int8));
  const [sMac, sElem] = fit2(fitted.filter((r) => r.variant === '16x8').map((r) => ({ x1: r.work.mac.int16, x2: r.work.elem.int16,
    y: r.ns - plainElems(r.work) - fMac * r.work.mac.float32 - iMac * r.work.mac.int8 })));
  const r3 = (x: number) => Number(x.toPrecision(3));
  console.log(`KERNEL_FACTORS = { mac: { float32: ${r3(fMac)}, int8: ${r3(iMac)}, int16: ${r3(sMac)} }, elem: { float32: ${ELEM_NS}, int8: ${ELEM_NS}, int16: ${r3(sElem)} }, convert: ${ELEM_NS} }`);
  const f = { mac: { float32: fMac, int8: iMac, int16: sMac }, elem: { float32: ELEM_NS, int8: ELEM_NS, int16: sElem }, convert: ELEM_NS };
  for (const r of rows) console.log(`${r.name.padEnd(38)} ${r.variant.padEnd(8)} measured ${(r.ns / 1e6).toFixed(1)} ms, estimated ${workMs(r.work, f).toFixed(1)} ms`);
  console.log(`# load average after: ${loadAverage()}`);
})().catch((e) => { console.error(e); process.exit(1); });
