// The accuracy guard of the weight-only modes (`--quantize fp16 | dynamic`), as int8 has its own (int8-stage.ts):
// when the self-check's worst output cosine against onnxruntime (src/core/verify.ts, on its seeded inputs: these modes
// take no calibration samples) is below `--min-cosine` (default 0.99, the float32 conversion's REFUSE_COSINE), convert
// writes nothing and exits 1, unless `--allow-degraded` (then a warning). Reversi's policy (s23-trained6): dynamic
// range int8 was written with a warning at self-check cosine 0.2628 and played another move on 244 of 480 positions.
// Measured on the trained models of s23-trained6, every other fp16 / dynamic self-check read 0.99884 or more (re-id
// 0288 dynamic, NanoDet 0.99957, GTCRN 0.999997, MNIST 1.000000): none of those is refused. Without the self-check
// (`--no-verify`) there is no measure, and no guard, as for float32. A detector's top-k rows (labels, boxes, scores
// outputs) are judged as a set of detections, whatever their order (verify.ts topk.setCosine):
// DEIMv2-atto fp16 was refused at 0.5806 on noise though it keeps 66 / 66 detections of a photo.
import { ModelError } from '../ir/types';
import { REFUSE_COSINE, type Verification, withinReference } from '../core/verify';
import type { GuardResult } from './guard';
import type { QuantMode } from './modes';

export interface WeightOnlyGuard {
  /** `--json`'s quantization.guard: the bar and the self-check's cosine. */
  guard: GuardResult;
  /** The warning to add when the model is written below the bar (--allow-degraded). */
  warning?: string;
}

/** The guard of an fp16 / dynamic model on its self-check: undefined for int8 (its own guard), without a self-check or
 *  when nothing could be compared; throws ModelError (nothing written) below the bar unless `allowDegraded`. A
 *  quantized source (QDQ) within onnxruntime's own spread of it passes (withinReference, as float32 conversions). */
export function weightOnlyGuard(mode: QuantMode, v: Verification | undefined, minCosine: number | undefined, allowDegraded: boolean): WeightOnlyGuard | undefined {
  if ((mode !== 'fp16' && mode !== 'dynamic') || !v || Number.isNaN(v.maxRel)) return undefined;
  const bar = minCosine ?? REFUSE_COSINE;
  // A detector's top-k rows are judged as a set of detections (core/verify-topk-sets.ts): rows ranked the other way
  // pass, a detection lost or relabelled fails (a class id off by one reads as cosine 0.9999 by position).
  const cosine = v.topk?.setCosine ?? v.cosine;
  const met = cosine >= bar || withinReference(v);
  const guard: GuardResult = { minCosine: bar, cosine, met };
  if (met) return { guard };
  const msg = `--quantize ${mode}: output cosine ${Number.isNaN(cosine) ? 'NaN' : cosine.toFixed(4)} against onnxruntime on the self-check's inputs is below `
    + `--min-cosine ${bar} (max rel error ${v.maxRel.toExponential(1)}): its ${mode === 'fp16' ? 'float16' : 'int8'} weights change what the model computes`;
  if (!allowDegraded) throw new ModelError(`${msg}; nothing written (--quantize fp16 or float32 may hold it; --allow-degraded writes it anyway)`);
  return { guard, warning: `${msg}; written anyway because of --allow-degraded` };
}
