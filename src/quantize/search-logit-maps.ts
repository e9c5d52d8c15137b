// The int8 search's measure on logit maps: single-channel map outputs with no Sigmoid in the graph, which the guard
// judges by the IoU of their positive regions against onnxruntime's at MIN_MASK_IOU (logit-map-guard.ts), with or
// without --min-cosine. The search (sensitivity.ts makeScorer, mixed-precision.ts) used to stop at its cosine target:
// LDC's plain int8 read cosine 0.9961 (over the target 0.995), so no search ran, and the guard then refused the file on
// its edges (IoU 0.9262, worst map 0.8874; docs/model-sweep.md s27-guard5). Here those outputs are what the search
// ranks and stops by: ranked by the sign maps' IoU against the float32 model's, softened (a logistic of the logit,
// LOGIT_TEMPERATURE wide, as task-signal.ts softens a probability map's threshold), and stopped when the guard's own
// measure (the worst output's mean IoU against onnxruntime on the guard samples) reaches logitMapTarget, the guard's
// bar with the margin the cosine target keeps over --min-cosine.
import type { Tensor } from '../ir/types';
import { MIN_COSINE } from './guard';
import { MIN_MASK_IOU } from './mask-guard';
import { logitMapOutputs } from './logit-map-guard';
import type { TaskMeasure } from './task-signal';

/** Width (logit units) of the soft sign in the smooth measure. */
const LOGIT_TEMPERATURE = 0.25;

/** The IoU of the positive regions of float32's logits `want` and a variant's `got`, and its smooth version. */
export function signMapAgreement(want: ArrayLike<number>, got: ArrayLike<number>): { iou: number; soft: number } {
  let both = 0, either = 0, sBoth = 0, sEither = 0;
  for (let i = 0; i < want.length; i++) {
    const x = want[i] > 0, y = got[i] > 0;
    if (x && y) both++;
    if (x || y) either++;
    const a = 1 / (1 + Math.exp(-want[i] / LOGIT_TEMPERATURE));
    const b = 1 / (1 + Math.exp(-got[i] / LOGIT_TEMPERATURE));
    sBoth += Math.min(a, b);
    sEither += Math.max(a, b);
  }
  return { iou: either ? both / either : 1, soft: sEither > 1e-9 ? sBoth / sEither : 1 };
}

/** The search's bar on the guard's logit-map IoU for its cosine `target`: MIN_MASK_IOU where the cosine's bar is
 *  MIN_COSINE, the margin scaled (the default target 0.995 asks 0.975, half the guard's margin, as the cosine's). */
export const logitMapTarget = (target: number): number => 1 - Math.max(0, 1 - target) * (1 - MIN_MASK_IOU) / (1 - MIN_COSINE);

/** The logit-map outputs among `candidates` (ONNX names of outputs no other task judge reads) by onnxruntime's
 *  references `refs` (the guard samples); none without references. */
export const searchedLogitMaps = (refs: Map<string, Tensor>[], candidates: string[]): Set<string> =>
  (refs.length ? logitMapOutputs(refs, candidates) : new Set<string>());

/** Sums of one logit-map output's agreement over samples. */
export class SignMapTally {
  private readonly sums = new Map<number, { iou: number; soft: number; count: number }>();

  /** Output `j` of one sample: float32's logits and the variant's. */
  add(j: number, want: ArrayLike<number>, got: ArrayLike<number>): void {
    const s = this.sums.get(j) ?? { iou: 0, soft: 0, count: 0 };
    const a = signMapAgreement(want, got);
    s.iou += a.iou; s.soft += a.soft; s.count++;
    this.sums.set(j, s);
  }

  /** The worst output's measure ('mask': a map read thresholded), undefined when none was added. */
  measure(): TaskMeasure | undefined {
    let worst: TaskMeasure | undefined;
    for (const s of this.sums.values()) {
      const m: TaskMeasure = { kind: 'mask', agreement: s.iou / s.count, soft: s.soft / s.count, count: s.count };
      if (!worst || m.soft < worst.soft) worst = m;
    }
    return worst;
  }
}
