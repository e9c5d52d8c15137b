// The accuracy guard for label sequences (a SOFTMAX over the last axis of a [1, T, C] output with T > 1, task-signal.ts's
// 'argmax' kind on a sequence: CTC text recognition, one class distribution per time step). What such a model gives
// is the sequence its greedy decode reads (arg-max per step, repeats merged, the blank dropped), not the
// probabilities: the default guard's cosine (--min-cosine 0.99) is dominated by how confident the steps are, and int8
// moves that without changing a character. PP-OCRv4 rec measured guard cosine 0.9654 on its fitted calibration lines
// (most of the loss at steps whose arg-max stayed) while the cosine says nothing of how many lines still read the same.
// So when --min-cosine is not given, a model that misses the cosine only on its sequence outputs is judged there by
// the share of calibration samples whose decoded sequence is identical to onnxruntime's, against MIN_SAME_SEQUENCES
// (the recognition bar, 95% of lines identical) with the slack a few lines need (sameLinesNeeded: refused only
// when that many lines differing rules 95% out at SEQUENCE_CONFIDENCE; 24 lines: 4 or more). The blank is the class the reference picks at most steps (a
// CTC output is mostly blank; no class index is assumed). Samples whose reference decodes to nothing (a blank strip)
// are not judged; with none left the cosine decides. A collapsed model (every step the same class, noise) reads
// other sequences on nearly every sample and is refused.
// A model whose cosine passes is read by its lines all the same (int8-stage.ts, sequenceLinesMet): the SAT captcha
// reader (Keras CRNN, [1, 40, 31]) passed at 0.9952 while 50 of 120 texts matched onnxruntime's.
import type { Tensor } from '../ir/types';
import type { TflSubgraph } from '../tflite/model';
import type { OnnxLiteMetadata } from '../convert/metadata';
import { taskOutputNames } from './task-signal';
import { worstOutputCosine } from './output-cosine';
import { boxTablesBeside, tfliteOutputShapes } from './box-rows';

/** Share of judged samples whose decoded sequence must be identical to onnxruntime's (the recognition bar). */
export const MIN_SAME_SEQUENCES = 0.95;
/** Calibration samples the sequence judge runs (the first ones): on the guard's 4 samples one line is 25%. */
export const SEQUENCE_SAMPLES = 32;

/** A few lines cannot tell 95% identical from a little less: a file that keeps 95% of lines reads 2 or more of 24
 *  differing a third of the time (binomial), so a bar of 23 / 24 refused PP-OCRv4 rec's int8 with --sequential-bias,
 *  which keeps 120 of 125 held-out lines (96%), on its 22 of 24 calibration lines. The guard refuses only when the lines
 *  that differ are too many for a model at the bar to show by chance at this confidence (one-sided exact binomial
 *  test): 24 lines refuse at 4 or more differing (a model at 95% reads that 3.0% of the time; one at 70% 96% of the
 *  time, at 80% 74%, at 90% 21%: what 24 lines can tell apart), 32 lines at 5, 8 lines at 3. docs/model-sweep.md,
 *  session 26. */
export const SEQUENCE_CONFIDENCE = 0.95;

/** P(X >= k) for X ~ Binomial(n, p). */
export function binomialTail(n: number, k: number, p: number): number {
  if (k <= 0) return 1;
  let term = (1 - p) ** n;
  let below = 0;
  for (let i = 0; i < k && i <= n; i++) {
    below += term;
    term *= ((n - i) / (i + 1)) * (p / (1 - p));
  }
  return Math.max(0, 1 - below);
}

/** The fewest identical lines of `samples` that meet the guard: below it, the lines that differ rule out a share
 *  `min` identical at SEQUENCE_CONFIDENCE; and always more than half of them (1 or 2 lines rule nothing out: a model
 *  that changes half its lines loses the task however few were read). */
export function sameLinesNeeded(samples: number, min = MIN_SAME_SEQUENCES): number {
  let differing = 0;
  while (differing < samples && binomialTail(samples, differing + 1, 1 - min) >= 1 - SEQUENCE_CONFIDENCE) differing++;
  return Math.max(samples - differing, Math.floor(samples / 2) + 1);
}

export interface SequenceGuard {
  /** Judged samples (reference sequence not empty) and those decoded identically, over every sequence output. */
  samples: number;
  same: number;
  /** Character error rate: edit distance over the reference sequences' length. */
  cer: number;
  /** Worst cosine of the other outputs (1 when every output is a sequence). */
  otherCosine: number;
}

/** ONNX names of the outputs that are label sequences: a class axis read by arg-max ([1, T, C], T > 1), unless a box
 *  table of its rows sits beside it (box-rows.ts boxTablesBeside, the rule the guard's box judge and the search read):
 *  that is a detector's class rows (one class distribution per prior), which the cosine judges on their foreground
 *  rows (score-rows.ts), not a sequence to decode (Ultra-Light face detectors' [1, 17640, 2] scores were refused in a
 *  recognizer's words, "decoded sequences ... character error rate"). */
export function sequenceOutputs(sg: TflSubgraph, metadata: Pick<OnnxLiteMetadata, 'outputs'>): Set<string> {
  const tables = taskOutputNames(sg, metadata, (kind, shape) => kind === 'argmax' && shape.length === 3 && shape[0] === 1 && shape[1] > 1 && shape[2] > 1);
  const beside = new Set(boxTablesBeside(tfliteOutputShapes(sg, metadata), tables).values());
  return new Set([...tables].filter((name) => !beside.has(name)));
}

/** Arg-max per step of [.., T, C] values. */
export function argmaxSteps(p: ArrayLike<number>, classes: number): Int32Array {
  const steps = new Int32Array(Math.floor(p.length / classes));
  for (let s = 0; s < steps.length; s++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if (p[s * classes + k] > p[s * classes + best]) best = k;
    steps[s] = best;
  }
  return steps;
}

/** Greedy decode: repeats merged, `blank` dropped. */
export function decodeSteps(steps: ArrayLike<number>, blank: number): number[] {
  const out: number[] = [];
  let prev = -1;
  for (let s = 0; s < steps.length; s++) {
    if (steps[s] !== prev && steps[s] !== blank) out.push(steps[s]);
    prev = steps[s];
  }
  return out;
}

/** Levenshtein distance between two decodes (labels inserted, dropped or changed). */
export function editDistance(a: number[], b: number[]): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row.push(Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = row;
  }
  return prev[b.length];
}

/** Share of steps whose reference arg-max repeats the step before's that a label sequence shows: CTC holds a character
 *  or the blank over several steps. Rows of independent queries do not: kMaX-DeepLab's [1, 32 clusters, 21] class
 *  rows repeat their neighbour's class on 13-19% of the rows of its random-input references, and were refused as
 *  "decoded sequences identical on 0 of 2 ... character error rate 36.11%". */
export const MIN_RUN_SHARE = 0.3;

/** Share of consecutive steps, over `steps`, whose arg-max repeats the step before's. */
export function runShare(steps: Int32Array[]): number {
  let same = 0;
  let pairs = 0;
  for (const s of steps) for (let i = 1; i < s.length; i++) { pairs++; if (s[i] === s[i - 1]) same++; }
  return pairs ? same / pairs : 0;
}

/** The class the references pick at most steps (CTC's blank). */
function blankOf(steps: Int32Array[]): number {
  const counts = new Map<number, number>();
  for (const s of steps) for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let blank = 0;
  let most = -1;
  for (const [c, n] of counts) if (n > most || (n === most && c < blank)) { blank = c; most = n; }
  return blank;
}

/** The sequence outputs' decodes against the references and the other outputs' worst cosine; `outputs[k]` by ONNX name. */
export function sequenceGuard(refs: Map<string, Tensor>[], outputs: Map<string, Tensor>[], sequences: Set<string>, probabilities?: ReadonlySet<string>): SequenceGuard {
  let samples = 0;
  let same = 0;
  let edits = 0;
  let chars = 0;
  const judged = new Set<string>();
  for (const name of sequences) {
    const pairs: { want: Int32Array; got: Int32Array }[] = [];
    refs.forEach((ref, k) => {
      const want = ref.get(name);
      const got = outputs[k]?.get(name);
      if (!want || !got || !(want.data instanceof Float32Array) || !(got.data instanceof Float32Array) || want.data.length !== got.data.length) return;
      const classes = want.dims[want.dims.length - 1];
      pairs.push({ want: argmaxSteps(want.data, classes), got: argmaxSteps(got.data, classes) });
    });
    // Not a sequence (no runs in the references): left to the cosine with the other outputs.
    if (runShare(pairs.map((p) => p.want)) < MIN_RUN_SHARE) continue;
    judged.add(name);
    const blank = blankOf(pairs.map((p) => p.want));
    for (const { want, got } of pairs) {
      const a = decodeSteps(want, blank);
      if (!a.length) continue;
      const b = decodeSteps(got, blank);
      samples++;
      const d = editDistance(a, b);
      if (d === 0) same++;
      edits += d;
      chars += a.length;
    }
  }
  const others = refs.map((ref) => new Map([...ref].filter(([name]) => !judged.has(name))));
  return { samples, same, cer: chars ? edits / chars : NaN, otherCosine: worstOutputCosine(others, outputs, probabilities) };
}

/** Whether the lines alone meet the bar (a label-sequence output whose cosine passed is read by its lines all the same). */
export const sequenceLinesMet = (g: { samples: number; same: number }): boolean => g.samples === 0 || g.same >= sameLinesNeeded(g.samples);

/** Whether the sequence measure meets the guard: samples judged, at least sameLinesNeeded of them identical, the rest at `minCosine`. */
export const sequenceGuardMet = (g: SequenceGuard, minCosine: number): boolean =>
  g.samples > 0 && g.same >= sameLinesNeeded(g.samples) && g.otherCosine >= minCosine;

/** "decoded sequences identical on 22 of 24 calibration samples (91.7%; refused at 20 or fewer: 4 of 24 differing rule
 *  out 95% identical at 95% confidence; character error rate 0.42%)". */
export function sequenceText(g: { same: number; samples: number; cer: number; min: number }): string {
  const need = sameLinesNeeded(g.samples, g.min);
  return `decoded sequences identical on ${g.same} of ${g.samples} calibration sample(s) (${((100 * g.same) / g.samples).toFixed(1)}%; refused at ${need - 1} or fewer: `
    + `${g.samples - need + 1} of ${g.samples} differing rule out ${Math.round(100 * g.min)}% identical at ${Math.round(100 * SEQUENCE_CONFIDENCE)}% confidence; `
    + `character error rate ${(100 * g.cer).toFixed(2)}%)`;
}
