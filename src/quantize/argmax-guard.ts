// The int8 guard on class-id outputs: an output that is the graph's own ARG_MAX / ARG_MIN (or a TOPK_V2's indices with
// k = 1), through views, a CAST to float and a score threshold's SELECT (task-signal.ts classIdSource). The cosine
// cannot judge ids: an integer output was not read at all (the guard's measure stayed 1), and a cosine of ids cast to
// float compares class numbers, not answers. s25-trained8's point-history gesture MLP (softmax → ArgMax → -1 under a
// score threshold) was written at guard 1.0000 while 8 / 800 evaluation answers changed.
// So the values the ids are taken from (the ARG_MAX's input: logits or probabilities) are tapped in the float32 model
// and in the written one, on up to ARGMAX_SAMPLES calibration samples (fewer when a sample holds many positions: a
// label map), and the guard counts the positions whose arg-max holds. A position is a near-tie, not counted, when its
// float margin (best value less the next) is under TIE_RELATIVE of the position's largest magnitude: a tie float32
// runtimes (LiteRT against onnxruntime) may already break either way. A margin under the int8 step of the written
// model's ARG_MAX input is not a tie: the user's answer changes all the same (a logit range stretched by one far class
// rounds the close ones to one level, and ARG_MAX takes the first). Refused when the flips among the counted positions
// are more than a flip rate of 1 − MIN_ARGMAX_SHARE explains (a binomial tail under FLIP_ALPHA): a classifier's guard
// sees one position a sample, and one flip in 16 random calibration samples (the point-history MLP: 15 of 16) is no
// evidence that more than 2% of its answers change, where 2 in 16, 4 in 64 or 7% of a label map are.
import type { Tensor } from '../ir/types';
import type { TflModel, TflSubgraph } from '../tflite/model';
import type { OnnxLiteMetadata } from '../convert/metadata';
import { openTflite } from '../runtime/litert';
import { toTfliteLayout } from '../runtime/tflite-onnx-io';
import { copyFeeds, debugCopy } from '../compare/tap';
import { GUARD_SAMPLES } from './mixed-precision';
import { producersOf } from './graph';
import { classIdPaths, gatheredPositions } from './class-id-paths';
import { MIN_ROW_SHARE, independentRows, twoClassRows } from './two-class-rows';
import { isScoreTable } from './score-rows';

// Moved to two-class-rows.ts (the guard's measure reads two-class rows too); exported here as before.
export { MIN_ROW_SHARE, twoClassOutputs } from './two-class-rows';

/** Calibration samples judged at most (a classifier gives one position a sample). */
export const ARGMAX_SAMPLES = 64;
/** Samples are added until this many positions are judged (a label map holds thousands a sample), GUARD_SAMPLES
 *  at least. */
export const ARGMAX_POSITIONS = 4096;
/** Share of the counted positions whose arg-max must hold against the float32 model. */
export const MIN_ARGMAX_SHARE = 0.98;
/** The flips are more than a rate of 1 − MIN_ARGMAX_SHARE explains when that many or more would come by chance
 *  less often than this. */
export const FLIP_ALPHA = 0.05;
/** A float margin under this fraction of the position's largest |value| is a tie float32 runtimes disagree on. */
export const TIE_RELATIVE = 1e-5;

/** A class-id output: its ONNX name, the tapped tensor's name (the same in the float32 and int8 models), the class
 *  count, the sign (-1: ARG_MIN), the ids per position (a TopK's k, in rank order or as a set: `unordered`) and a
 *  GATHER selecting the positions judged (its indices tensor's name, axis and the ids' dims: class-id-paths.ts). */
export interface ClassIdOutput {
  name: string; tap: string; classes: number; sign: 1 | -1;
  k?: number; unordered?: true;
  gather?: { indices: string; axis: number; dims: number[] };
}

/** The class-id outputs of a converted model (one entry a path: a concatenation may carry several).
 *  `unsortedTopK`: ONNX node names of TopKs whose order is unspecified (sorted = 0): their ids are judged as sets. */
export function classIdOutputs(sg: TflSubgraph, metadata: Pick<OnnxLiteMetadata, 'outputs'>, unsortedTopK: ReadonlySet<string> = new Set()): ClassIdOutput[] {
  const producer = producersOf(sg);
  return sg.outputs.flatMap((o, j) => {
    const m = metadata.outputs.find((x) => x.tflite === o) ?? metadata.outputs[j];
    return m ? classIdPaths(sg, o, producer).flatMap((p) => {
      const classes = sg.tensors[p.tap].shape.at(-1) ?? 1;
      if (classes <= p.k) return [];
      const unordered = p.k > 1 && unsortedTopK.has(sg.operators[p.op].onnxNode ?? '');
      return [{ name: m.onnx, tap: sg.tensors[p.tap].name, classes, sign: p.sign, ...(p.k > 1 ? { k: p.k } : {}), ...(unordered ? { unordered: true as const } : {}),
        ...(p.gather ? { gather: { indices: sg.tensors[p.gather.indices].name, axis: p.gather.axis, dims: p.gather.dims } } : {}) }];
    }) : [];
  });
}

/** The `k` best classes of one position (values `want[o .. o + classes)`, by `sign`), best first; ties go to the
 *  lower class index (ARG_MAX's and TOPK_V2's order). */
function best(want: ArrayLike<number>, o: number, classes: number, k: number, sign: 1 | -1): number[] {
  const top: number[] = [];
  for (let j = 0; j < classes; j++) {
    const v = sign * want[o + j];
    let at = top.length;
    while (at > 0 && v > sign * want[o + top[at - 1]]) at--;
    if (at < k) { top.splice(at, 0, j); if (top.length > k) top.pop(); }
  }
  return top;
}

/** One sample's count: positions, those whose ids hold, and the near-ties (not counted either way). A position's
 *  top `k` (1: its arg-max) holds when the written model gives the same ids in the same order (`unordered`: the same
 *  set); it is a near-tie when a float margin that decides it (between ranks next to each other up to rank k + 1; as
 *  a set, between the k-th and the next) is under TIE_RELATIVE of the position's largest |value|. `positions`: only
 *  those (a GATHER's selection), else all. */
export function argmaxHolds(want: ArrayLike<number>, got: ArrayLike<number>, classes: number, sign: 1 | -1 = 1,
  opts: { k?: number; unordered?: boolean; positions?: ArrayLike<number> } = {}): { positions: number; held: number; ties: number } {
  const k = opts.k ?? 1;
  const all = Math.floor(want.length / classes);
  const count = opts.positions ? opts.positions.length : all;
  let held = 0;
  let ties = 0;
  let judged = 0;
  for (let q = 0; q < count; q++) {
    const p = opts.positions ? opts.positions[q] : q;
    if (!(p >= 0 && p < all)) continue;
    judged++;
    const o = p * classes;
    const c = best(want, o, classes, k + 1, sign);
    const g = best(got, o, classes, k, sign);
    let big = 0;
    for (let j = 0; j < classes; j++) big = Math.max(big, Math.abs(want[o + j]));
    const margin = (r: number) => (r + 1 < c.length ? sign * (want[o + c[r]] - want[o + c[r + 1]]) : Infinity);
    const decisive = opts.unordered ? [k - 1] : Array.from({ length: k }, (_, r) => r);
    if (decisive.some((r) => !(margin(r) > TIE_RELATIVE * big))) { ties++; continue; }
    const same = opts.unordered ? g.every((j) => c.slice(0, k).includes(j)) : g.every((j, r) => j === c[r]);
    if (same) held++;
  }
  return { positions: judged, held, ties };
}

/** `--json`'s `guard.argmax`: the outputs judged, samples, positions counted (near-ties apart), those that held, their
 *  share and the bar. */
export interface ArgmaxGuard { outputs: string[]; samples: number; positions: number; held: number; ties: number; share: number; min: number }

/** The tensors `names` of `model` on each sample (float32 values, TFLite layout). */
async function tapped(model: TflModel, metadata: OnnxLiteMetadata, names: string[], samples: Tensor[][]): Promise<ArrayLike<number>[][]> {
  const index = new Map(model.subgraphs[0].tensors.map((t, i) => [t.name, i]));
  const taps = names.map((n) => index.get(n) ?? -1);
  const copy = debugCopy(model, taps.filter((i) => i >= 0));
  const session = await openTflite(copy.bytes);
  try {
    const out: ArrayLike<number>[][] = [];
    for (const sample of samples) {
      const feeds = metadata.inputs.map((m, k) => toTfliteLayout(sample.find((t) => t.name === m.onnx) ?? sample[k], m));
      const values = copy.read(await session.run(copyFeeds(session.inputs, feeds)));
      out.push(taps.map((i) => (i >= 0 ? values.get(i)?.data as ArrayLike<number> | undefined : undefined) ?? new Float32Array(0)));
    }
    return out;
  } finally {
    session.close();
  }
}

/** The calibration samples judged: up to ARGMAX_SAMPLES, enough for ARGMAX_POSITIONS positions, GUARD_SAMPLES at
 *  least. `perSample`: positions one sample gives. */
export function argmaxSampleCount(available: number, perSample: number): number {
  return Math.min(available, ARGMAX_SAMPLES, Math.max(GUARD_SAMPLES, Math.ceil(ARGMAX_POSITIONS / Math.max(1, perSample))));
}

/** The guard on the class-id outputs `ids`: the written model `quant` against the float32 model on `samples`. */
export async function argmaxGuard(float: TflModel, quant: TflModel, metadata: OnnxLiteMetadata, ids: ClassIdOutput[], samples: Tensor[][]): Promise<ArgmaxGuard> {
  const names = ids.map((o) => o.tap);
  // The float32 model's names of the same tensors: a value that is also a graph output is read in the int8 model
  // through its int8 twin (`logprobs_int8` for EAGLE's TopK over its `logprobs` output), so the paths are walked in
  // both models (the same graph: the same paths in the same order).
  const own = classIdOutputs(float.subgraphs[0], metadata);
  const floatIds = own.length === ids.length ? own : ids;
  // A GATHER's indices are the float32 model's (the positions it keeps), tapped beside the values.
  const indices = floatIds.map((o) => o.gather?.indices ?? '');
  const sg = float.subgraphs[0];
  const perSample = floatIds.reduce((a, o) => {
    const t = sg.tensors.find((x) => x.name === (o.gather?.indices ?? o.tap));
    const n = t ? t.shape.reduce((m, d) => m * Math.max(1, d), 1) : 1;
    return a + (o.gather ? n : n / o.classes);
  }, 0);
  const judged = samples.slice(0, argmaxSampleCount(samples.length, perSample));
  const [want, got] = [await tapped(float, metadata, [...floatIds.map((o) => o.tap), ...indices.filter(Boolean)], judged), await tapped(quant, metadata, names, judged)];
  let positions = 0;
  let held = 0;
  let ties = 0;
  want.forEach((w, k) => {
    let g = names.length;
    ids.forEach((o, j) => {
      const at = o.gather ? gatheredPositions(o.gather.dims, o.gather.axis, w[g++]) : undefined;
      const a = argmaxHolds(w[j], got[k][j], o.classes, o.sign, { k: o.k, unordered: o.unordered, positions: at });
      positions += a.positions - a.ties;
      held += a.held;
      ties += a.ties;
    });
  });
  return { outputs: [...new Set(ids.map((o) => o.name))], samples: judged.length, positions, held, ties, share: positions ? held / positions : 1, min: MIN_ARGMAX_SHARE };
}

/** A share of positions held on the cosine's scale: MIN_ARGMAX_SHARE reads as the default --min-cosine 0.99 (for a
 *  search that stops at a cosine: sensitivity.ts could take the minimum with it). */
export const argmaxCosine = (share: number): number => 1 - (1 - share) * (1 - 0.99) / (1 - MIN_ARGMAX_SHARE);

/** P(X ≥ k) for X ~ Binomial(n, p): summed exactly (in log space) up to n·p of 10, else the normal approximation. */
export function binomialTail(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  if (n * p >= 10) {
    const z = (k - 0.5 - n * p) / Math.sqrt(n * p * (1 - p));
    // 1 − Φ(z) (Abramowitz & Stegun 26.2.17, error under 1e-7).
    const t = 1 / (1 + 0.2316419 * Math.abs(z));
    const tail = Math.exp(-z * z / 2) / Math.sqrt(2 * Math.PI) * t * (0.319381530 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
    return z >= 0 ? tail : 1 - tail;
  }
  let log = n * Math.log1p(-p);
  let below = 0;
  for (let i = 0; i < k; i++) {
    below += Math.exp(log);
    log += Math.log((n - i) / (i + 1)) + Math.log(p / (1 - p));
  }
  return Math.max(0, 1 - below);
}

/** Whether the class ids hold: the flips among the counted positions are ones a flip rate of 1 − min explains
 *  (nothing counted: nothing to judge). */
export const argmaxGuardMet = (g: ArgmaxGuard): boolean => binomialTail(g.positions - g.held, g.positions, 1 - g.min) >= FLIP_ALPHA;

/** "class ids (class_ids) hold against float32 on 58 of 64 position(s) over 64 calibration sample(s) (0.9062: more flips
 *  than a flip rate of 0.02 explains; 2 near-tie(s) not counted)". */
export function argmaxText(g: ArgmaxGuard): string {
  return `class ids (${g.outputs.join(', ')}) hold against float32 on ${g.held} of ${g.positions} position(s) over ${g.samples} calibration sample(s) `
    + `(${g.share.toFixed(4)}: ${argmaxGuardMet(g) ? 'within' : 'more flips than'} a flip rate of ${+(1 - g.min).toFixed(4)} explains${g.ties ? `; ${g.ties} near-tie(s) not counted` : ''})`;
}

/** Two-class softmax rows of independent samples (tabular / pair classification: no background class) judged by each
 *  row's arg-max against onnxruntime, not as a detector's foreground rows: SAINT op17's `probs` [8, 2] was refused at
 *  class-row cosine 0.9812 (class 0 read as background, the rows' mean removed) while every row's arg-max held.
 *  `classRows`: the guard's class-row verdict (guardMeasures on the first samples); undefined unless every table it
 *  judged is one of `candidates` with at least MIN_ROW_SHARE of its rows judged. With no class rows (guardMeasures
 *  reads such tables by their arg-max itself: two-class-rows.ts), the candidates that are score tables of independent
 *  rows on the first `guardSamples`. `refs` / `outputs` by ONNX name. */
export function twoClassRowsGuard(refs: Map<string, Tensor>[], outputs: Map<string, Tensor>[], candidates: ReadonlySet<string>,
  classRows: { outputs: string[]; rows: number } | undefined, guardSamples: number): ArgmaxGuard | undefined {
  // The guard's measure reads such rows by their arg-max already (two-class-rows.ts) and leaves them out of its class
  // rows: with no class rows judged, the tables are the candidates whose rows are independent on the guard's samples.
  const scoreTables = new Set([...candidates].filter((n) => refs.every((r) => { const t = r.get(n); return t?.data instanceof Float32Array && isScoreTable(t.dims, t.data); })));
  const tables = classRows?.outputs.length ? classRows.outputs : [...independentRows(refs.slice(0, guardSamples), outputs, scoreTables, candidates)];
  if (!tables.length || !tables.every((n) => candidates.has(n))) return undefined;
  const total = tables.reduce((a, n) => a + refs.slice(0, guardSamples).reduce((b, r) => b + (r.get(n)?.data.length ?? 0) / 2, 0), 0);
  if (classRows?.outputs.length && !(classRows.rows >= MIN_ROW_SHARE * total)) return undefined;
  const t = twoClassRows(refs, outputs, new Set(tables))!;
  return { outputs: tables, samples: refs.length, positions: t.positions, held: t.held, ties: t.ties, share: t.share, min: MIN_ARGMAX_SHARE };
}
