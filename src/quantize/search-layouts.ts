// The int8 search aims at what the guard judges on outputs it reads as tasks by their layout (output-roles.ts,
// task-layouts.ts, layout-guard.ts, sequence-guard.ts):
// - classes by steps (LPRNet's [1, 68, 18]: the class axis not last) are ranked by the steps' arg-max margins against
//   the float32 model (task-signal.ts argmaxAgreement over the class axis moved last): the search's measure was the
//   output's SNR, blind to which class wins a step (s28-guard6: 98.6% of steps and 25 / 32 lines at 20 ops float32);
// - mixed detector rows (Yolo-FastestV2's sigmoid boxes / objectness beside softmax classes) are ranked by the guard's
//   own measure with their detections paired (output-cosine.ts guardMeasures reads them through the roles): the SNR
//   ranked the boxes, which carry the output's energy, while 7 of 211 evaluation detections fell under the floor;
// - and any of these or a label-sequence output (a [1, T, C] softmax the sequence guard decodes) stops the search only
//   when its lines / detections meet a bar on the guard's own samples (up to LAYOUT_SAMPLES calibration samples against
//   onnxruntime): the search stopped at the cosine target on 4 samples, where one line is 25%, and the guard then read
//   lines on 32 (the SAT captcha reader: plain int8 at cosine 0.9952 ran no search, and 10 of 24 lines were refused).
// The bar keeps the cosine target's margin over --min-cosine, as logitMapTarget does (the default target 0.995 asks a
// detection share of 0.95 where the guard asks 0.9, lines identical at 97.5% where it asks 95%, with its binomial
// slack); the guard's own bar is recorded beside it (`guardMet`: the plain-within-noise rule keeps plain int8 only then).
import type { Model, Tensor } from '../ir/types';
import type { ConvertResult } from '../convert/convert';
import type { TflModel } from '../tflite/model';
import { serializeTflite } from '../tflite/writer';
import { openConverted } from '../runtime/tflite-onnx-io';
import { MIN_COSINE } from './guard';
import { type OutputRoles, outputRoles } from './output-roles';
import { LAYOUT_SAMPLES, layoutsMet } from './layout-guard';
import { type LayoutMeasures, MIN_DETECTION_SHARE, layoutMeasures } from './task-layouts';
import { MIN_SAME_SEQUENCES, SEQUENCE_SAMPLES, sameLinesNeeded, sequenceGuard, sequenceLinesMet, sequenceOutputs } from './sequence-guard';
import { type TaskMeasure, argmaxAgreement } from './task-signal';
import { referenceOutputs } from './candidate-runs';

/** The search's bar for a guard bar `min` read on the cosine's scale at MIN_COSINE, for the cosine `target`. */
const withMargin = (min: number, target: number): number => 1 - Math.max(0, 1 - target) * (1 - min) / (1 - MIN_COSINE);
/** The search's bar on the detections' share and on the share of lines identical, for its cosine `target`. */
export const detectionTarget = (target: number): number => withMargin(MIN_DETECTION_SHARE, target);
export const lineTarget = (target: number): number => withMargin(MIN_SAME_SEQUENCES, target);

/** `data` of `dims` with axis `axis` moved last: [positions × classes], positions in order. */
export function classesLast(data: ArrayLike<number>, dims: readonly number[], axis: number): Float32Array {
  const classes = dims[axis];
  const inner = dims.slice(axis + 1).reduce((a, d) => a * d, 1);
  const outer = dims.slice(0, axis).reduce((a, d) => a * d, 1);
  const out = new Float32Array(outer * inner * classes);
  for (let o = 0; o < outer; o++) for (let c = 0; c < classes; c++) for (let i = 0; i < inner; i++) out[(o * inner + i) * classes + c] = data[(o * classes + c) * inner + i];
  return out;
}

/** Sums of the steps' arg-max agreement of classes-by-steps outputs (ONNX name → class axis) over samples. */
export class StepClassTally {
  private readonly sums = new Map<string, { agree: number; soft: number; count: number }>();

  constructor(private readonly axes: ReadonlyMap<string, number>) {}

  /** One sample's outputs by ONNX name (ONNX layout): the float32 model's `want`, the variant's `got`. */
  add(want: Map<string, Tensor>, got: Map<string, Tensor>): void {
    for (const [name, axis] of this.axes) {
      const w = want.get(name);
      const g = got.get(name);
      if (!w || !g || w.data.length !== g.data.length || !(w.dims[axis] > 1)) continue;
      const a = argmaxAgreement(classesLast(w.data as ArrayLike<number>, w.dims, axis), classesLast(g.data as ArrayLike<number>, w.dims, axis), w.dims[axis]);
      const s = this.sums.get(name) ?? { agree: 0, soft: 0, count: 0 };
      s.agree += a.agree; s.soft += a.soft; s.count += a.positions;
      this.sums.set(name, s);
    }
  }

  /** The worst output's measure (an arg-max task), undefined when none was added. */
  measure(): TaskMeasure | undefined {
    let worst: TaskMeasure | undefined;
    for (const s of this.sums.values()) {
      if (!s.count) continue;
      const m: TaskMeasure = { kind: 'argmax', agreement: s.agree / s.count, soft: s.soft / s.count, count: s.count };
      if (!worst || m.soft < worst.soft) worst = m;
    }
    return worst;
  }
}

/** What the layout bar read on a candidate (the search's trace, `met` for its stop). */
export interface LayoutBar {
  /** The search's bar (with the target's margin) met. */
  met: boolean;
  /** The guard's own bar met (layout-guard.ts layoutsMet, sequence-guard.ts sequenceLinesMet). */
  guardMet: boolean;
  samples: number;
  /** Lines decoded identically / judged (classes by steps and label sequences together), detections' share. */
  same?: number;
  lines?: number;
  share?: number;
}

/** Runs a candidate on the judged samples (`samples` of them) and reads its layout bar. */
export type LayoutJudge = ((model: TflModel) => Promise<LayoutBar>) & { samples?: number };

/** The roles the layout bar reads: detector rows and classes by steps (no angles: they have no lines). */
const judgedRoles = (roles: OutputRoles): OutputRoles => ({ angles: new Set(), detectorRows: roles.detectorRows, stepClasses: roles.stepClasses });

/** The layout bar of a candidate's outputs against onnxruntime's `refs` (both by ONNX name, one map a sample). */
export function layoutBar(refs: Map<string, Tensor>[], outputs: Map<string, Tensor>[], roles: OutputRoles, sequences: Set<string>, target: number): LayoutBar {
  const d: LayoutMeasures | undefined = layoutMeasures(refs, outputs, judgedRoles(roles)).details;
  const seq = sequences.size ? sequenceGuard(refs, outputs, sequences) : undefined;
  const same = (d?.sequences?.same ?? 0) + (seq?.same ?? 0);
  const lines = (d?.sequences?.samples ?? 0) + (seq?.samples ?? 0);
  const share = d?.detections?.share;
  const guardMet = (!d || layoutsMet(d)) && (!seq || sequenceLinesMet(seq));
  const met = guardMet && (share === undefined || share >= detectionTarget(target)) && (lines === 0 || same >= sameLinesNeeded(lines, lineTarget(target)));
  return { met, guardMet, samples: refs.length, ...(lines ? { same, lines } : {}), ...(share !== undefined ? { share } : {}) };
}

/** The layout bar's judge for `result`'s candidates on the first calibration samples the guard reads them on, or
 *  undefined when no output has a detector-row, classes-by-steps or label-sequence layout. onnxruntime runs once. */
export async function layoutJudge(result: ConvertResult, onnx: Model, samples: Tensor[][], target: number): Promise<LayoutJudge | undefined> {
  const sg = result.model.subgraphs[0];
  const roles = outputRoles(sg, result.metadata);
  const sequences = sequenceOutputs(sg, result.metadata);
  if (!roles.detectorRows.size && !roles.stepClasses.size && !sequences.size) return undefined;
  const judged = samples.slice(0, Math.max(LAYOUT_SAMPLES, SEQUENCE_SAMPLES));
  if (!judged.length) return undefined;
  const refs = await referenceOutputs(onnx, judged);
  // No line to decode (softmax steps with no CTC runs: a token distribution) and no detector rows: nothing to judge.
  const self = layoutBar(refs, refs, roles, sequences, target);
  if (!self.lines && self.share === undefined) return undefined;
  const judge: LayoutJudge = async (model) => {
    const session = await openConverted(serializeTflite(model));
    const outputs: Map<string, Tensor>[] = [];
    try {
      for (const s of judged) outputs.push(await session.run(s));
    } finally {
      session.close();
    }
    return layoutBar(refs, outputs, roles, sequences, target);
  };
  return Object.assign(judge, { samples: judged.length });
}

/** "lines 30 / 32, detections 0.951 on 32 samples": the bar's reading for the search's trace. */
export const layoutBarText = (b: LayoutBar): string =>
  [b.lines ? `lines ${b.same} / ${b.lines}` : '', b.share !== undefined ? `detections ${b.share.toFixed(3)}` : ''].filter(Boolean).join(', ') + ` on ${b.samples} samples`;
