// The bar an int8 file's self-check is held to: the guard's that accepted it (core/verify-report.ts, "The self-check of an int8 file", says why). Outputs
// the guard judged by their task are measured so on the self-check's one sample (probability maps: mean IoU at 0.3 /
// 0.5, label sequences: the same greedy decode, logit maps: the IoU of their sign maps, a pitch: its frames within 50
// cents with the class ids' binomial slack, multi-label sigmoids: their decisions at 0.5 likewise), the rest by cosine against
// --min-cosine on one of the guard's samples or its held-out bar on any other (a held-out calibration sample, the
// seeded inputs a random-calibrated file is checked on).
import type { Tensor } from '../ir/types';
import { makeTensor } from '../ir/tensor';
import type { BarJudge, JudgedOutput, VerificationBar } from '../core/verify-report';
import type { GuardResult } from './guard';
import { MIN_MASK_IOU, maskGuard } from './mask-guard';
import { MIN_SAME_SEQUENCES, sequenceGuard } from './sequence-guard';
import { heldOutBar } from './held-out-guard';
import { logitMapIou } from './logit-map-guard';
import { unwrapped } from './task-layouts';
import { pitchFrames } from './pitch-frames';
import { MIN_ARGMAX_SHARE } from './argmax-guard';
import { labelDecisions } from './multi-label';

/** The cosine of `ref` and `got` (0 when either is all zero and the other is not). */
function cosineOf(ref: ArrayLike<number>, got: ArrayLike<number>): number {
  let rr = 0, gg = 0, rg = 0;
  for (let i = 0; i < ref.length; i++) { rr += ref[i] * ref[i]; gg += got[i] * got[i]; rg += ref[i] * got[i]; }
  return rr === 0 && gg === 0 ? 1 : rr && gg ? rg / Math.sqrt(rr * gg) : 0;
}

/** The judge of the int8 file the guard `guard` accepted; `onGuardSample`: the self-check runs on one of the guard's
 *  own samples (the first calibration sample when the folder holds no held-out one). */
export function int8BarJudge(guard: GuardResult, onGuardSample: boolean): BarJudge {
  const minCosine = onGuardSample ? guard.minCosine : heldOutBar(guard.minCosine);
  return (outputs: JudgedOutput[], otherCosine: number): VerificationBar => {
    const maps = new Set(guard.maskIou?.outputs ?? []);
    const sequences = new Set(guard.sequences?.outputs ?? []);
    // A pitch decoded from cents by its frames within 50 cents (pitch-frames.ts), as the guard judged it.
    const pitch = new Set(guard.layouts?.pitch?.outputs ?? []);
    // Multi-label sigmoids by their decisions at 0.5 (multi-label.ts), as the guard judged them.
    const labels = new Set(guard.layouts?.labels?.outputs ?? []);
    const byTask = (o: JudgedOutput) => maps.has(o.name) || sequences.has(o.name) || pitch.has(o.name) || labels.has(o.name);
    // Angles (an atan2 phase) by the wrapped difference, as the guard judged them (task-layouts.ts).
    const angles = new Set(guard.layouts?.angles ?? []);
    const cosineOfOutput = (o: JudgedOutput) => (angles.has(o.name) && o.got.length === o.ref.length ? cosineOf(o.ref, unwrapped(o.ref, o.got)) : o.cosine);
    const cosine = outputs.filter((o) => !byTask(o)).reduce((c, o) => { const x = cosineOfOutput(o); return Math.min(c, Number.isFinite(x) ? x : 0); }, otherCosine);
    const one = (pick: (o: JudgedOutput) => Float32Array): Map<string, Tensor>[] => [new Map(outputs.map((o) => [o.name, makeTensor(o.name, 'float32', o.dims, pick(o))]))];
    const [refs, gots] = [one((o) => o.ref), one((o) => o.got)];
    const task: NonNullable<VerificationBar['task']> = [];
    const judgedMaps = [...maps].filter((n) => outputs.some((o) => o.name === n));
    if (judgedMaps.length) {
      const g = maskGuard(refs, gots, new Set(judgedMaps));
      // A sample whose maps light nothing: nothing to judge there (the cosine of the other outputs decides).
      if (g.maps) task.push({ kind: 'mask', outputs: judgedMaps, value: g.iou, min: MIN_MASK_IOU, met: g.iou >= MIN_MASK_IOU });
    }
    const judgedSequences = [...sequences].filter((n) => outputs.some((o) => o.name === n));
    if (judgedSequences.length) {
      const g = sequenceGuard(refs, gots, new Set(judgedSequences));
      if (g.samples) task.push({ kind: 'sequence', outputs: judgedSequences, value: g.same / g.samples, min: MIN_SAME_SEQUENCES, met: g.same === g.samples });
    }
    const judgedPitch = [...pitch].filter((n) => outputs.some((o) => o.name === n));
    const p = judgedPitch.length ? pitchFrames(refs, gots, new Set(judgedPitch), MIN_ARGMAX_SHARE) : undefined;
    if (p) task.push({ kind: 'pitch', outputs: p.outputs, value: p.share, min: p.min, met: p.cosine >= 0.99 });
    const judgedLabels = [...labels].filter((n) => outputs.some((o) => o.name === n));
    const l = judgedLabels.length ? labelDecisions(refs, gots, new Set(judgedLabels), MIN_ARGMAX_SHARE) : undefined;
    if (l) task.push({ kind: 'labels', outputs: l.outputs, value: l.share, min: l.min, met: l.cosine >= 0.99 });
    // Logit maps: judged by cosine like every output, and by their sign maps' IoU as the guard judged them.
    const logits = (guard.logitMaps?.outputs ?? []).map((n) => outputs.find((o) => o.name === n)).filter((o): o is JudgedOutput => !!o);
    if (logits.length && guard.logitMaps) {
      const ious = logits.map((o) => logitMapIou(o.ref, o.got)).filter((x): x is number => x !== undefined);
      if (ious.length) {
        const iou = Math.min(...ious);
        task.push({ kind: 'logit map', outputs: logits.map((o) => o.name), value: iou, min: guard.logitMaps.min, met: iou >= guard.logitMaps.min });
      }
    }
    return { by: 'int8 guard', minCosine, basis: onGuardSample ? 'min-cosine' : 'held-out', cosine,
      ...(task.length ? { task } : {}), met: cosine >= minCosine && task.every((t) => t.met) };
  };
}
