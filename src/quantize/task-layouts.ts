// The guard's judges for the outputs output-roles.ts recognises from the graph, each on the cosine's scale so that
// the search's stop, the guard and the held-out guard read them alike (output-cosine.ts guardMeasures):
// - angles: the written model's values moved by whole turns to the nearest of the reference's before the usual
//   measure (the wrapped difference): APNet2's phase, 15-26 of 8,256 values a sample crossing ±π, read cosine 0.986
//   while cos(Δφ) was 0.9992-0.9996 and the waveform it makes held;
// - mixed detector rows: read as detections, a (row, anchor) whose score (objectness × its row's best class
//   probability) is over DETECTION_SCORE on either side; one is held when both sides are over it with the same class
//   and box IoU >= 0.5 (the box columns taken as centre and size, in the row's own units). The share is weighted by
//   score (held: the smaller score; every detection of either side: the larger), pooled over the samples, and
//   MIN_DETECTION_SHARE reads as the default --min-cosine. Yolo-FastestV2's int8 read cosine 0.9984 over [605, 95]
//   (the boxes carry it) while 23 of 211 detections were lost;
// - classes by steps: decoded per sample as a label sequence (arg-max per step over the class axis, repeats merged, the
//   class the references pick most — CTC's blank — dropped), when the references show CTC's runs (sequence-guard.ts
//   MIN_RUN_SHARE); on the guard's few samples measured by the steps whose arg-max holds (MIN_STEP_SHARE reading as
//   --min-cosine 0.99), the lines decoded identically judged on more samples by layout-guard.ts.
//   LPRNet's [68, 18] read cosine 0.9996 while 90 of 300 plate strings changed;
// - rows a TOPK_V2 selected: read as detection sets (selected-sets.ts), at MIN_DETECTION_SHARE as detector rows, the
//   held pairs' boxes at MIN_BOX_IOU as a box table (box-rows.ts);
// - a pitch decoded from cents: its frames held within 50 cents (voicing alike), at the class ids' bar (pitch-frames.ts);
// - multi-label sigmoids: their decisions at 0.5 held, at the class ids' bar (multi-label.ts).
import type { Tensor } from '../ir/types';
import { boxIou } from '../compare/detection-sets';
import type { OutputRoles, RowLayout } from './output-roles';
import { MIN_RUN_SHARE, MIN_SAME_SEQUENCES, decodeSteps, editDistance, runShare, sameLinesNeeded } from './sequence-guard';
import { addSelectedSets, emptySetTally, judgedSelections, setIou, setShare } from './selected-sets';
import { MIN_BOX_IOU, boxCosine } from './box-rows';
import { MAX_CENTS, type PitchFrames, pitchFrames } from './pitch-frames';
import { MIN_ARGMAX_SHARE } from './argmax-guard';
import type { TwoClassRows } from './two-class-rows';
import { DECISION_THRESHOLD, type LabelDecisions, decidingOutputs, labelDecisions } from './multi-label';

const TURN = 2 * Math.PI;

/** `got` moved by whole turns to the value nearest `ref`, element by element. */
export function unwrapped(ref: ArrayLike<number>, got: Float32Array): Float32Array {
  const out = new Float32Array(got.length);
  for (let i = 0; i < got.length; i++) {
    const d = got[i] - ref[i];
    out[i] = Number.isFinite(d) ? ref[i] + (d - TURN * Math.round(d / TURN)) : got[i];
  }
  return out;
}

/** One sample's outputs with the angle outputs unwrapped against the references. */
export function withAnglesUnwrapped(ref: Map<string, Tensor>, got: Map<string, Tensor>, angles: ReadonlySet<string>): Map<string, Tensor> {
  if (!angles.size) return got;
  const out = new Map(got);
  for (const name of angles) {
    const r = ref.get(name)?.data;
    const g = got.get(name);
    if (r instanceof Float32Array && g?.data instanceof Float32Array && g.data.length === r.length) out.set(name, { ...g, data: unwrapped(r, g.data) });
  }
  return out;
}

/** A detection's score (objectness × class probability) from which it counts. */
export const DETECTION_SCORE = 0.3;
/** The score-weighted share of detections held that reads as the default --min-cosine (0.99). */
export const MIN_DETECTION_SHARE = 0.9;
/** A detection share on the cosine's scale. */
export const detectionCosine = (share: number): number => 1 - ((1 - share) * (1 - 0.99)) / (1 - MIN_DETECTION_SHARE);
/** Share of steps whose arg-max must hold (argmax-guard.ts MIN_ARGMAX_SHARE), read as the default --min-cosine. */
export const MIN_STEP_SHARE = 0.98;
/** A share of steps whose arg-max holds on the cosine's scale: the guard's samples are few (4) and one line of 4
 *  differing is 25% of them, so the measure the range choice and the search climb is the steps' (LPRNet: 72 steps on
 *  4 plates); the lines themselves are judged on more samples by layout-guard.ts. */
export const stepCosine = (share: number): number => 1 - ((1 - share) * (1 - 0.99)) / (1 - MIN_STEP_SHARE);

export interface DetectionTally { ref: number; got: number; held: number; num: number; den: number }

const bestClass = (v: ArrayLike<number>, o: number, n: number): [number, number] => {
  let c = 0;
  for (let j = 1; j < n; j++) if (v[o + j] > v[o + c]) c = j;
  return [c, v[o + c]];
};

/** Adds one sample's mixed detector rows (`want`: reference, `got`) to `t`. */
export function addDetectionRows(t: DetectionTally, want: Float32Array, got: Float32Array, l: RowLayout): void {
  const rows = Math.floor(want.length / l.width);
  const box = (v: Float32Array, o: number, a: number): number[] => {
    const [cx, cy, w, h] = [0, 1, 2, 3].map((i) => v[o + l.boxes + 4 * a + i]);
    return [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];
  };
  for (let r = 0; r < rows; r++) {
    const o = r * l.width;
    const [cr, pr] = bestClass(want, o + l.classStart, l.classes);
    const [cg, pg] = bestClass(got, o + l.classStart, l.classes);
    for (let a = 0; a < l.anchors; a++) {
      const sr = want[o + l.scores + a] * pr;
      const sg = got[o + l.scores + a] * pg;
      const inRef = sr > DETECTION_SCORE;
      const inGot = sg > DETECTION_SCORE;
      if (!inRef && !inGot) continue;
      if (inRef) t.ref++;
      if (inGot) t.got++;
      t.den += Math.max(sr, Number.isFinite(sg) ? sg : 0);
      if (inRef && inGot && cr === cg && boxIou(box(want, o, a), 0, box(got, o, a), 0) >= 0.5) { t.held++; t.num += Math.min(sr, sg); }
    }
  }
}

export const detectionShare = (t: DetectionTally): number => (t.den > 0 ? t.num / t.den : 1);

/** Arg-max per step over class axis `axis` of values of `dims` (the steps: every other position, in order). */
export function stepArgmax(data: ArrayLike<number>, dims: readonly number[], axis: number): Int32Array {
  const classes = dims[axis];
  const inner = dims.slice(axis + 1).reduce((a, d) => a * d, 1);
  const outer = dims.slice(0, axis).reduce((a, d) => a * d, 1);
  const steps = new Int32Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let best = 0;
      const at = (c: number) => data[(o * classes + c) * inner + i];
      for (let c = 1; c < classes; c++) if (at(c) > at(best)) best = c;
      steps[o * inner + i] = best;
    }
  }
  return steps;
}

export interface SequenceTally { samples: number; same: number; edits: number; chars: number; steps: number; held: number }

/** The decoded sequences of a classes-by-steps output over the samples, or undefined when its references show no
 *  CTC runs (not a label sequence). */
export function stepSequences(refs: Map<string, Tensor>[], outputs: Map<string, Tensor>[], name: string, axis: number): SequenceTally | undefined {
  const pairs: { want: Int32Array; got: Int32Array }[] = [];
  refs.forEach((ref, k) => {
    const r = ref.get(name);
    const g = outputs[k]?.get(name);
    if (!r || !(r.data instanceof Float32Array) || !(g?.data instanceof Float32Array) || g.data.length !== r.data.length) return;
    pairs.push({ want: stepArgmax(r.data, r.dims, axis), got: stepArgmax(g.data, r.dims, axis) });
  });
  if (!pairs.length || runShare(pairs.map((p) => p.want)) < MIN_RUN_SHARE) return undefined;
  const counts = new Map<number, number>();
  for (const p of pairs) for (const c of p.want) counts.set(c, (counts.get(c) ?? 0) + 1);
  const blank = [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0][0];
  const t: SequenceTally = { samples: 0, same: 0, edits: 0, chars: 0, steps: 0, held: 0 };
  for (const { want, got } of pairs) {
    t.steps += want.length;
    for (let i = 0; i < want.length; i++) if (want[i] === got[i]) t.held++;
    const a = decodeSteps(want, blank);
    if (!a.length) continue;
    const d = editDistance(a, decodeSteps(got, blank));
    t.samples++;
    if (d === 0) t.same++;
    t.edits += d;
    t.chars += a.length;
  }
  return t;
}

/** What the layout judges read (`--json` guard.layouts). */
export interface LayoutMeasures {
  angles?: string[];
  detections?: { outputs: string[]; ref: number; got: number; held: number; share: number; min: number };
  sequences?: { outputs: string[]; samples: number; same: number; cer: number; min: number; steps: number; stepShare: number };
  /** Rows a TOPK_V2 selected, read as detection sets: detections over DETECTION_SCORE on each side, those held (same
   *  label, IoU >= 0.5, any rank), the score-weighted share and its bar, the held pairs' mean box IoU and its bar. */
  selectedSets?: { outputs: string[]; ref: number; got: number; held: number; share: number; min: number; iou: number; minIou: number };
  /** A pitch decoded from cents, judged by its frames within MAX_CENTS (pitch-frames.ts). */
  pitch?: PitchFrames;
  /** Multi-label sigmoid outputs judged by their decisions at 0.5 (multi-label.ts). */
  labels?: LabelDecisions;
  /** Two-class tables of independent rows judged by each row's arg-max (two-class-rows.ts; set by guardMeasures). */
  twoClass?: TwoClassRows;
}

/** The outputs the layout judges read as detection sets, pitch frames or label decisions on these samples (not to be judged value by
 *  value). */
export function setOutputs(refs: Map<string, Tensor>[], outputs: Map<string, Tensor>[], roles: OutputRoles): Set<string> {
  const pitch = [...roles.pitch ?? [], ...decidingOutputs(refs, roles.labels ?? new Set())].filter((n) => refs.length > 0 && refs.every((r, k) => {
    const a = r.get(n)?.data;
    const b = outputs[k]?.get(n)?.data;
    return a instanceof Float32Array && b instanceof Float32Array && a.length === b.length;
  }));
  return new Set([...judgedSelections(refs, outputs, roles.selectedRows ?? []).flatMap((s) => s.outputs), ...pitch]);
}

/** The layout judges over the samples: their measure on the cosine's scale (1 when nothing was judged) and details. */
export function layoutMeasures(refs: Map<string, Tensor>[], outputs: Map<string, Tensor>[], roles: OutputRoles): { cosine: number; details?: LayoutMeasures } {
  let cosine = 1;
  const details: LayoutMeasures = {};
  const angles = [...roles.angles].filter((n) => refs[0]?.has(n));
  if (angles.length) details.angles = angles;
  const dt: DetectionTally = { ref: 0, got: 0, held: 0, num: 0, den: 0 };
  const rows: string[] = [];
  for (const [name, layout] of roles.detectorRows) {
    let any = false;
    refs.forEach((ref, k) => {
      const r = ref.get(name)?.data;
      const g = outputs[k]?.get(name)?.data;
      if (!(r instanceof Float32Array) || !(g instanceof Float32Array) || g.length !== r.length || r.length % layout.width) return;
      addDetectionRows(dt, r, g, layout);
      any = true;
    });
    if (any) rows.push(name);
  }
  if (rows.length) {
    const share = detectionShare(dt);
    details.detections = { outputs: rows, ref: dt.ref, got: dt.got, held: dt.held, share, min: MIN_DETECTION_SHARE };
    cosine = Math.min(cosine, detectionCosine(share));
  }
  const st: SequenceTally = { samples: 0, same: 0, edits: 0, chars: 0, steps: 0, held: 0 };
  const seqs: string[] = [];
  for (const [name, axis] of roles.stepClasses) {
    const t = stepSequences(refs, outputs, name, axis);
    if (!t?.samples) continue;
    seqs.push(name);
    st.samples += t.samples; st.same += t.same; st.edits += t.edits; st.chars += t.chars; st.steps += t.steps; st.held += t.held;
  }
  if (seqs.length) {
    const stepShare = st.steps ? st.held / st.steps : 1;
    details.sequences = { outputs: seqs, samples: st.samples, same: st.same, cer: st.chars ? st.edits / st.chars : 0, min: MIN_SAME_SEQUENCES, steps: st.steps, stepShare };
    cosine = Math.min(cosine, stepCosine(stepShare));
  }
  const selections = judgedSelections(refs, outputs, roles.selectedRows ?? []);
  if (selections.length) {
    const t = emptySetTally();
    for (const s of selections) refs.forEach((ref, k) => addSelectedSets(t, ref, outputs[k]!, s));
    const share = setShare(t);
    const iou = setIou(t);
    details.selectedSets = { outputs: [...t.outputs], ref: t.ref, got: t.got, held: t.held, share, min: MIN_DETECTION_SHARE, iou, minIou: MIN_BOX_IOU };
    cosine = Math.min(cosine, detectionCosine(share), boxCosine(iou));
  }
  const pitch = roles.pitch ? pitchFrames(refs, outputs, roles.pitch, MIN_ARGMAX_SHARE) : undefined;
  if (pitch) {
    details.pitch = pitch;
    cosine = Math.min(cosine, pitch.cosine);
  }
  const labels = roles.labels ? labelDecisions(refs, outputs, roles.labels, MIN_ARGMAX_SHARE) : undefined;
  if (labels) {
    details.labels = labels;
    cosine = Math.min(cosine, labels.cosine);
  }
  return { cosine, ...(Object.keys(details).length ? { details } : {}) };
}

/** The layout judges' verdict in words for the guard's line (empty when none judged). */
export function layoutText(d: LayoutMeasures | undefined): string {
  if (!d) return '';
  const parts: string[] = [];
  if (d.detections) parts.push(`${d.detections.outputs.join(', ')} read as detector rows (score ≥ ${DETECTION_SCORE}): ${d.detections.held} of ${d.detections.ref} `
    + `detections held, ${d.detections.got - d.detections.held} other(s) in int8 (score-weighted share ${d.detections.share.toFixed(4)}, at least ${d.detections.min})`);
  if (d.sequences) parts.push(`${d.sequences.outputs.join(', ')} read as classes by steps: decoded identically on ${d.sequences.same} of ${d.sequences.samples} `
    + `sample(s) (${d.sequences.same < sameLinesNeeded(d.sequences.samples, d.sequences.min) ? 'refused at' : 'judged at'} ${Math.round(100 * d.sequences.min)}% with a binomial slack; character error rate `
    + `${(100 * d.sequences.cer).toFixed(2)}%; steps' arg-max held ${(100 * d.sequences.stepShare).toFixed(1)}% of ${d.sequences.steps})`);
  if (d.selectedSets) parts.push(`${d.selectedSets.outputs.join(', ')} read as top-k detection sets (score > ${DETECTION_SCORE}, paired by label and box IoU `
    + `whatever their rank): ${d.selectedSets.held} of ${d.selectedSets.ref} detections held, ${d.selectedSets.got - d.selectedSets.held} other(s) in int8 (score-weighted share `
    + `${d.selectedSets.share.toFixed(4)}, at least ${d.selectedSets.min}; held boxes' mean IoU ${d.selectedSets.iou.toFixed(4)}, at least ${d.selectedSets.minIou})`);
  if (d.pitch) parts.push(`${d.pitch.outputs.join(', ')} read as pitch in cents: ${d.pitch.held} of ${d.pitch.frames} frames within ${MAX_CENTS} cents `
    + `and voiced alike (${d.pitch.share.toFixed(4)}, ${d.pitch.cosine >= 0.99 ? 'within' : 'more misses than'} a miss rate of ${+(1 - d.pitch.min).toFixed(4)} explains; `
    + `median ${d.pitch.medianCents.toFixed(2)} cents)`);
  if (d.twoClass) parts.push(`${d.twoClass.outputs.join(', ')} read as two-class rows: each row's arg-max held on ${d.twoClass.held} of ${d.twoClass.positions} `
    + `(${d.twoClass.cosine >= 0.99 ? 'within' : 'more flips than'} a flip rate of ${+(1 - MIN_ARGMAX_SHARE).toFixed(4)} explains${d.twoClass.ties ? `; ${d.twoClass.ties} near-tie(s) not counted` : ''})`);
  if (d.labels) parts.push(`${d.labels.outputs.join(', ')} read as labels (sigmoids decided at ${DECISION_THRESHOLD}): ${d.labels.held} of ${d.labels.decisions} decisions held `
    + `(${d.labels.cosine >= 0.99 ? 'within' : 'more flips than'} a flip rate of ${+(1 - d.labels.min).toFixed(4)} explains${d.labels.ties ? `; ${d.labels.ties} near-tie(s) not counted` : ''})`);
  if (d.angles) parts.push(`${d.angles.join(', ')} judged as angles (wrapped difference)`);
  return parts.join('; ');
}
