// Task metrics of trained models for the int8 benchmark (int8-tasks.bench.ts): what the model does, measured
// against the float model (onnxruntime-node) on evaluation samples that calibration never saw.
// - detection (PaddleOCR det): text-mask IoU — pixels with probability > 0.3 in both outputs over those in either;
// - recognition (PaddleOCR rec): the greedy CTC decode (arg-max per time step, repeats merged, blank 0 dropped) is
//   the same sequence;
// - classification: the same arg-max;
// - embedding / audio front ends: output cosine.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Tensor } from '../src/ir/types';
import { openOnnx } from '../src/runtime/ort';
import { openConverted } from '../src/runtime/tflite-onnx-io';
import { argmaxSteps, decodeSteps, editDistance } from '../src/quantize/sequence-guard';

export type Task = 'mask-iou' | 'ctc' | 'argmax' | 'cosine';

export function maskIou(a: ArrayLike<number>, b: ArrayLike<number>, th = 0.3): number {
  let both = 0;
  let either = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] > th;
    const y = b[i] > th;
    if (x && y) both++;
    if (x || y) either++;
  }
  return either ? both / either : 1;
}

/** Greedy CTC decode of [1, T, C] probabilities: arg-max per step, repeats merged, blank (0) dropped. */
export function ctcGreedy(p: ArrayLike<number>, dims: number[]): number[] {
  return decodeSteps(argmaxSteps(p, dims[dims.length - 1]), 0);
}

export function argmax(p: ArrayLike<number>): number {
  let best = 0;
  for (let k = 1; k < p.length; k++) if (p[k] > p[best]) best = k;
  return best;
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
  return na === 0 && nb === 0 ? 1 : dot / Math.sqrt(na * nb);
}

/** The float model's own margin where int8 changed a line: over the time steps whose arg-max differs, the smallest
 *  log ratio of the reference's top two probabilities (its logit margin: PP-OCR rec outputs a softmax). Lines that
 *  change only where the float model itself hesitates (a space between CJK words, a half-cut last letter) say the
 *  metric sits on near-ties, not on a broken network. */
export function flipMargin(ref: ArrayLike<number>, got: ArrayLike<number>, dims: number[]): number {
  const c = dims[dims.length - 1];
  let least = Infinity;
  for (let s = 0; s < ref.length / c; s++) {
    let a = 0;
    let b = -1;
    let g = 0;
    for (let k = 1; k < c; k++) {
      const v = ref[s * c + k];
      if (v > ref[s * c + a]) { b = a; a = k; } else if (b < 0 || v > ref[s * c + b]) b = k;
      if (got[s * c + k] > got[s * c + g]) g = k;
    }
    if (g !== a) least = Math.min(least, Math.log(ref[s * c + a] / Math.max(ref[s * c + b], 1e-30)));
  }
  return least;
}

/** One sample's score: IoU, 1/0 for the same decode or class, cosine. */
export function score(task: Task, ref: Tensor, got: Tensor): number {
  const r = ref.data as Float32Array;
  const g = got.data as Float32Array;
  if (task === 'mask-iou') return maskIou(r, g);
  if (task === 'ctc') {
    const a = ctcGreedy(r, ref.dims);
    const b = ctcGreedy(g, got.dims);
    return a.length === b.length && a.every((x, i) => x === b[i]) ? 1 : 0;
  }
  if (task === 'argmax') return argmax(r) === argmax(g) ? 1 : 0;
  return cosine(r, g);
}

/** onnxruntime's first output for each sample. */
export async function references(onnx: Uint8Array, samples: Tensor[][]): Promise<Tensor[]> {
  const s = await openOnnx(onnx);
  try {
    const out: Tensor[] = [];
    for (const x of samples) out.push([...(await s.run(x)).values()][0]);
    return out;
  } finally {
    await s.close();
  }
}

export interface TaskResult {
  /** Mean and worst score over the samples. */
  mean: number;
  worst: number;
  /** Median LiteRT inference time (ms, one thread, after a warm-up run). */
  ms: number;
  /** CTC: `flipMargin` of each line whose decode changed, and the character error rate (edit distance over the
   *  reference decodes' characters) over all lines. */
  flipMargins?: number[];
  cer?: number;
  /** Each sample's score, in order, and (CTC) its greedy decode. */
  scores: number[];
  decodes?: number[][];
}

/** Runs a converted model on every sample: its scores against `refs` and its median inference time. */
export async function evaluate(tflite: Uint8Array, samples: Tensor[][], refs: Tensor[], task: Task): Promise<TaskResult> {
  const s = await openConverted(tflite);
  try {
    const scores: number[] = [];
    const times: number[] = [];
    const flipMargins: number[] = [];
    const decodes: number[][] = [];
    let edits = 0;
    let chars = 0;
    await s.run(samples[0]);
    for (let k = 0; k < samples.length; k++) {
      const t0 = performance.now();
      const out = [...(await s.run(samples[k])).values()][0];
      times.push(performance.now() - t0);
      scores.push(score(task, refs[k], out));
      if (task === 'ctc') {
        const a = ctcGreedy(refs[k].data as Float32Array, refs[k].dims);
        decodes.push(ctcGreedy(out.data as Float32Array, out.dims));
        edits += editDistance(a, decodes[k]);
        chars += a.length;
        if (scores[k] === 0) flipMargins.push(flipMargin(refs[k].data as Float32Array, out.data as Float32Array, refs[k].dims));
      }
    }
    times.sort((a, b) => a - b);
    return { mean: scores.reduce((a, b) => a + b, 0) / scores.length, worst: Math.min(...scores), ms: times[times.length >> 1], scores,
      ...(task === 'ctc' ? { flipMargins, decodes, cer: edits / Math.max(chars, 1) } : {}) };
  } finally {
    s.close();
  }
}

/** The evaluation lines' rendered texts and whether each was squeezed to fit 320 px (wider than 320 at height 48), from
 *  ocr-samples.mjs's lines.json; and PP-OCR's dictionary (class k is entry k - 1, the last class a space). */
export interface LineFacts { squeezed: boolean[]; texts: string[]; keys: string[] }

export function lineFacts(dirs: string[], keysFile: string): LineFacts | undefined {
  const squeezed: boolean[] = [];
  const texts: string[] = [];
  for (const dir of dirs) {
    const file = path.join(dir, 'lines.json');
    if (!fs.existsSync(file)) return undefined;
    const lines = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, { width: number; text: string }>;
    for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.png')).sort()) {
      squeezed.push((lines[f]?.width ?? 0) > 320);
      texts.push(lines[f]?.text ?? '');
    }
  }
  const keys = fs.existsSync(keysFile) ? fs.readFileSync(keysFile, 'utf8').split('\n').filter((l, i, all) => i < all.length - 1 || l) : [];
  return keys.length ? { squeezed, texts, keys: [...keys, ' '] } : undefined;
}

/** CTC rows' notes: the larger set's share, the lines kept among those squeezed to fit and the others, how many lines
 *  read their rendered text exactly (both sets; float32's own count beside it), and how near a tie the float model was
 *  where the changed lines flipped. */
export function ctcNote(r: TaskResult, more: TaskResult | undefined, facts: LineFacts | undefined): string {
  const m = [...(r.flipMargins ?? []), ...(more?.flipMargins ?? [])].sort((a, b) => a - b);
  const cer = (x: TaskResult) => `${(100 * (x.cer ?? 0)).toFixed(2)}%`;
  const scores = [...r.scores, ...(more?.scores ?? [])];
  const ok = facts && facts.squeezed.length === scores.length;
  const kept = (sq: boolean) => `${scores.filter((x, k) => facts!.squeezed[k] === sq && x === 1).length} of ${facts!.squeezed.filter((x) => x === sq).length}`;
  return `${more ? `${more.scores.length} more lines ${more.mean.toFixed(4)}; ` : ''}character error rate ${cer(r)}${more ? ` / ${cer(more)}` : ''}; `
    + (ok ? `same decode on squeezed lines ${kept(true)}, on the others ${kept(false)}; reads the rendered text on ${readsText(r, more, facts!)} of ${scores.length}; ` : '')
    + (m.length ? `float logit margin at the changed lines' flips: median ${m[m.length >> 1].toFixed(2)}, ${m.filter((x) => x < 1).length} of ${m.length} below 1; ` : '');
}

/** Lines (both sets) whose decode is their rendered text exactly. */
export function readsText(r: TaskResult, more: TaskResult | undefined, facts: LineFacts): number {
  const decodes = [...(r.decodes ?? []), ...(more?.decodes ?? [])];
  return decodes.filter((d, k) => d.map((c) => facts.keys[c - 1] ?? '?').join('') === facts.texts[k]).length;
}
