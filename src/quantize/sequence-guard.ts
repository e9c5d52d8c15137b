// The accuracy guard for label sequences (a SOFTMAX over the last axis of a [1, T, C] output with T > 1, task-signal.ts's
// 'argmax' kind on a sequence: CTC text recognition, one class distribution per time step). What such a model gives
// is the sequence its greedy decode reads (arg-max per step, repeats merged, the blank dropped), not the
// probabilities: the default guard's cosine (--min-cosine 0.99) is dominated by how confident the steps are, and int8
// moves that without changing a character. PP-OCRv4 rec measured guard cosine 0.9654 on its fitted calibration lines
// (most of the loss at steps whose arg-max stayed) while the cosine says nothing of how many lines still read the same.
// So when --min-cosine is not given, a model that misses the cosine only on its sequence outputs is judged there by
// the share of calibration samples whose decoded sequence is identical to onnxruntime's: met at MIN_SAME_SEQUENCES
// (the recognition bar, 95% of lines identical). The blank is the class the reference picks at most steps (a
// CTC output is mostly blank; no class index is assumed). Samples whose reference decodes to nothing (a blank strip)
// are not judged; with none left the cosine decides. A collapsed model (every step the same class, noise) reads
// other sequences on nearly every sample and is refused.
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

/** Whether the sequence measure meets the guard: samples judged, MIN_SAME_SEQUENCES of them identical, the rest at `minCosine`. */
export const sequenceGuardMet = (g: SequenceGuard, minCosine: number): boolean =>
  g.samples > 0 && g.same >= MIN_SAME_SEQUENCES * g.samples && g.otherCosine >= minCosine;

/** "decoded sequences identical on 20 of 24 calibration samples (83.3%, at least 95%; character error rate 1.20%)". */
export function sequenceText(g: { same: number; samples: number; cer: number; min: number }): string {
  return `decoded sequences identical on ${g.same} of ${g.samples} calibration sample(s) (${((100 * g.same) / g.samples).toFixed(1)}%, at least `
    + `${Math.round(100 * g.min)}%; character error rate ${(100 * g.cer).toFixed(2)}%)`;
}
