// PaddleOCR rec fed as PaddleOCR's own pipeline feeds it, for the int8 benchmark (int8-tasks.bench.ts). PaddleOCR's
// predict_rec does not squeeze a line into 320 px: max_wh_ratio = max(320 / 48, w / h of the batch's lines), and
// resize_norm_img resizes each line to height 48 at its own aspect, scales it to [-1, 1] and pads it with zeros (after
// normalization) to imgW = 48 · max_wh_ratio; the rec model's width is dynamic (x: [?, 3, 48, ?]). A converted
// .tflite has a fixed width here, so the lines go to width buckets: each line to the smallest bucket it fits at its own
// aspect, padded with zeros as a PaddleOCR batch pads its lines to its widest (a line alone gets max(320, w)). One
// model per bucket, each calibrated on calibration lines fed the same way (those of its bucket first, then narrower
// ones, padded). Every mode is judged against onnxruntime on the same feed (same decode, CER), float32 also against
// the rendered text, and against onnxruntime at each line's own width (what PaddleOCR gives a line alone).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import type { Tensor } from '../src/ir/types';
import { loadImage } from '../src/calibration/image';
import { encodeNpy } from '../src/core/npy';
import { quantizeModelBytes, type QuantizeOptions, type QuantizeSummary } from '../src/quantize/file';
import { convertModel } from '../src/convert/convert';
import { decodeModel } from '../src/onnx/reader';
import { serializeTflite } from '../src/tflite/writer';
import { editDistance } from '../src/quantize/sequence-guard';
import { ctcGreedy, evaluate, references, type LineFacts, type TaskResult } from './ocr-tasks';
import { pairedLatency, type Latency } from './paired-latency';

/** Widths the rec model is converted at. The evaluation lines are 199-1021 px wide at height 48. */
export const BUCKETS = [320, 640, 1024];
const HEIGHT = 48;
/** Calibration lines per bucket (as the squeezed rows' --calibration-count). */
const CALIB = 24;

/** The smallest bucket a line `w` px wide fits (the widest when none does: resize_norm_img squeezes it to imgW). */
export function bucketOf(w: number, buckets = BUCKETS): number {
  return buckets.find((b) => w <= b) ?? buckets[buckets.length - 1];
}

/** A line image at height 48 and its own width, as resize_norm_img feeds it at width `width`: (v / 255 - 0.5) / 0.5,
 *  zeros to the right of the line (squeezed to `width` when wider). */
export function feedLine(file: string, width: number): Tensor {
  const own = PNG.sync.read(fs.readFileSync(file)).width;
  const w = Math.min(own, width);
  const t = loadImage(file, { name: 'x', dims: [1, 3, HEIGHT, w] }, { mean: [0.5], std: [0.5] });
  const src = t.data as Float32Array;
  const out = new Float32Array(3 * HEIGHT * width);
  for (let r = 0; r < 3 * HEIGHT; r++) out.set(src.subarray(r * w, (r + 1) * w), r * width);
  return { name: 'x', dtype: 'float32', dims: [1, 3, HEIGHT, width], data: out };
}

export const pngs = (dir: string) => fs.readdirSync(dir).filter((f) => f.endsWith('.png')).sort().map((f) => path.join(dir, f));
export const widthOf = (file: string) => PNG.sync.read(fs.readFileSync(file)).width;

/** Writes bucket `b`'s calibration lines as .npy files (those of its bucket first, then narrower ones) to a folder. */
function calibrationFolder(files: string[], widths: number[], b: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `onnx2lite-rec-wide-${b}-`));
  const order = [...files.keys()].filter((k) => bucketOf(widths[k]) === b).concat([...files.keys()].filter((k) => bucketOf(widths[k]) < b));
  order.slice(0, CALIB).forEach((k, i) => fs.writeFileSync(path.join(dir, `${String(i).padStart(2, '0')}.npy`), encodeNpy(feedLine(files[k], b))));
  return dir;
}

export interface WideMode { label: string; options?: Omit<QuantizeOptions, 'calibration'> }

interface BucketRun { b: number; lines: number[]; size: Map<string, number>; lat: Map<string, Latency>; load: string;
  /** int8 modes' quantize summaries (guard, 16x8 / float32 ops). */
  summaries: Map<string, QuantizeSummary>; results: Map<string, TaskResult> }

/** Runs every mode on every bucket; prints one row per mode (after the squeezed-320 rows). `lineDirs`: the evaluation
 *  sets' unfitted lines (48, then 144), `calibDir` the calibration's; `facts` the same lines' rendered texts. */
export async function wideRows(bytes: Uint8Array, file: string, lineDirs: string[], calibDir: string, facts: LineFacts | undefined,
  modes: WideMode[], name: string): Promise<void> {
  const sets = lineDirs.map(pngs);
  const files = sets.flat();
  const widths = files.map(widthOf);
  const calibFiles = pngs(calibDir);
  const calibWidths = calibFiles.map(widthOf);
  // ONNX2LITE_OCR_WIDE_BUCKETS=640 (comma-separated): only those buckets' lines.
  const only = process.env.ONNX2LITE_OCR_WIDE_BUCKETS?.split(',').map(Number);
  const buckets = BUCKETS.filter((b) => widths.some((w) => bucketOf(w) === b) && (!only || only.includes(b)));
  // What PaddleOCR gives a line alone: onnxruntime at max(320, w).
  const judged = files.map((_, k) => k).filter((k) => buckets.includes(bucketOf(widths[k])));
  const own: Tensor[] = [];
  (await references(bytes, judged.map((k) => [feedLine(files[k], Math.max(BUCKETS[0], widths[k]))]))).forEach((t, i) => { own[judged[i]] = t; });
  const runs: BucketRun[] = [];
  const decodes = new Map<string, number[][]>();
  const refDecodes: number[][] = [];
  for (const b of buckets) {
    const lines = files.map((_, k) => k).filter((k) => bucketOf(widths[k]) === b);
    const feeds = lines.map((k) => [feedLine(files[k], b)]);
    const refs = await references(bytes, feeds);
    lines.forEach((k, i) => { refDecodes[k] = ctcGreedy(refs[i].data as Float32Array, refs[i].dims); });
    const inputShapes = new Map([['x', [1, 3, HEIGHT, b]]]);
    const calibration = calibrationFolder(calibFiles, calibWidths, b);
    const variants: { label: string; tflite: Uint8Array; summary?: QuantizeSummary }[] = [
      { label: 'float32', tflite: serializeTflite(convertModel(decodeModel(bytes), { inputShapes }).model) }];
    for (const m of modes) {
      const int8 = m.options?.mode === 'int8';
      const { result, summary } = await quantizeModelBytes(bytes, file, { inputShapes }, { mode: 'fp16', ...m.options,
        ...(int8 ? { calibration, count: CALIB, mean: [0.5], std: [0.5], allowDegraded: true } : {}) } as QuantizeOptions);
      variants.push({ label: m.label, tflite: serializeTflite(result.model), summary: int8 ? summary : undefined });
    }
    fs.rmSync(calibration, { recursive: true, force: true });
    const results = new Map<string, TaskResult>();
    for (const v of variants) {
      const r = await evaluate(v.tflite, feeds, refs, 'ctc');
      results.set(v.label, r);
      if (!decodes.has(v.label)) decodes.set(v.label, []);
      lines.forEach((k, i) => { decodes.get(v.label)![k] = r.decodes![i]; });
    }
    const lat = await pairedLatency(variants, feeds.slice(0, 3), { budgetMs: 15000 });
    // Each bucket's counts as it ends (a run of the three takes long on a busy machine).
    // (size and latency ratio too: a run killed before the last bucket still has them.)
    console.log(`# width ${b}: ${lines.length} lines; same decode ${variants.map((v) => `${v.label} ${results.get(v.label)!.scores.filter((x) => x === 1).length}`
      + ` (${((100 * v.tflite.byteLength) / variants[0].tflite.byteLength).toFixed(1)}%, ${lat.byLabel.get(v.label)!.ratio.toFixed(2)}×)`).join(', ')}`
      + variants.filter((v) => v.summary?.guard).map((v) => `; ${v.label} guard ${v.summary!.guard!.met ? 'met' : 'MISSED'}${v.summary!.guard!.sequences ? ` (${v.summary!.guard!.sequences.same} of ${v.summary!.guard!.sequences.samples} calibration lines same)` : ''}`).join('') + `; load ${lat.load}`);
    runs.push({ b, lines, results, lat: lat.byLabel, load: lat.load, summaries: new Map(variants.filter((v) => v.summary).map((v) => [v.label, v.summary!])),
      size: new Map(variants.map((v) => [v.label, v.tflite.byteLength / variants[0].tflite.byteLength])) });
  }
  let from = 0;
  const setLines = sets.map((s) => { from += s.length; return judged.filter((k) => k >= from - s.length && k < from); });
  printRows(name, ['float32', ...modes.map((m) => m.label)], setLines, runs, decodes, refDecodes, own, facts);
}

const same = (a: number[], b: number[]) => a.length === b.length && a.every((x, i) => x === b[i]);
const text = (d: number[], keys: string[]) => d.map((c) => keys[c - 1] ?? '?').join('');

/** `sets`: each evaluation set's judged lines (indices into the decodes). */
function printRows(name: string, labels: string[], sets: number[][], runs: BucketRun[], decodes: Map<string, number[][]>,
  refDecodes: number[][], own: Tensor[], facts: LineFacts | undefined): void {
  const all = sets.flat();
  const ownDecodes = own.map((t) => ctcGreedy(t.data as Float32Array, t.dims));
  const reads = (ds: number[][]) => (facts ? all.filter((k) => text(ds[k], facts.keys) === facts.texts[k]).length : NaN);
  const ranges = sets.filter((s) => s.length);
  for (const label of labels) {
    const ds = decodes.get(label)!;
    const share = (lines: number[]) => lines.filter((k) => same(ds[k], refDecodes[k])).length / lines.length;
    const cer = (lines: number[]) => {
      let edits = 0;
      let chars = 0;
      for (const k of lines) { edits += editDistance(refDecodes[k], ds[k]); chars += refDecodes[k].length; }
      return `${((100 * edits) / Math.max(chars, 1)).toFixed(2)}%`;
    };
    const margins = runs.flatMap((r) => r.results.get(label)!.flipMargins ?? []).sort((a, b) => a - b);
    const perBucket = runs.map((r) => {
      const kept = r.lines.filter((k) => same(ds[k], refDecodes[k])).length;
      const q = r.summaries.get(label);
      const g = q?.guard;
      const guard = q && g ? `, guard ${g.sequences ? `${g.sequences.same} of ${g.sequences.samples} calibration lines same` : `cosine ${g.cosine.toFixed(4)}`} (${g.met ? 'met' : 'MISSED'}`
        + `; ${q.rangeMethod} ranges, ${q.int16Ops} ops 16x8 / ${q.floatOps ?? 0} float32)` : '';
      return `${r.b}: ${kept} of ${r.lines.length} same, ${(100 * r.size.get(label)!).toFixed(1)}%, ${r.lat.get(label)!.ms.toFixed(1)} ms (${r.lat.get(label)!.ratio.toFixed(2)}×)${guard}`;
    }).join('; ');
    const worst = Math.min(...ranges.map(share));
    console.log(`${name.padEnd(22)} ${label.padEnd(10)} ${`same decode ${share(ranges[0]).toFixed(4)} / ${worst.toFixed(4)}`.padEnd(29)}`
      + `${ranges[0].length} lines${ranges.length > 1 ? `, ${ranges[1].length} more lines ${share(ranges[1]).toFixed(4)}` : ''}; CER ${ranges.map(cer).join(' / ')}; per width (lines, size, CPU ms per run and ratio to float32 at that width) ${perBucket}`
      + (margins.length ? `; float logit margin at the changed lines' flips: median ${margins[margins.length >> 1].toFixed(2)}, ${margins.filter((x) => x < 1).length} of ${margins.length} below 1` : '')
      + (label === 'float32' ? `; reads the rendered text on ${reads(ds)} of ${all.length} (onnxruntime at each line's own width max(320, w): ${reads(ownDecodes)}, same decode as the bucket's ${all.filter((k) => same(ownDecodes[k], refDecodes[k])).length}); load ${runs.map((r) => r.load).join(', ')}` : ''));
  }
}
