// Plain int8 when the search's choice fails the held-out samples. The search moves ops out of int8 by their measure on
// the first calibration samples; the held-out guard (held-out-guard.ts) then judges the written file on samples no
// choice was measured on, and refuses a choice that fits its samples only. Plain int8 fitted nothing: when it meets
// the guard on the guard samples (the cosine, or the probability maps' IoU where the map judge decides) and the
// held-out bar too, it is written instead of refusing (int8-stage.ts). SCRFD-2.5G (s27-trained10): the search's 18
// ops float32 read map IoU 0.9734 on the samples they were tuned on and 0.8923 on the held-out ones, refused, while
// `--int16 off` met the guard (0.9857 on the score maps) and the held-out samples (0.9816) and kept 499 / 499 faces.
import type { Model, Tensor } from '../ir/types';
import type { ConvertResult } from '../convert/convert';
import { GUARD_SAMPLES } from './mixed-precision';
import { MIN_MASK_IOU, maskGuard, maskGuardMet } from './mask-guard';
import { probabilityOutputs } from './output-cosine';
import { softOutputs } from './task-signal';
import { type HeldOutGuard, guardRuns, heldOutGuard } from './held-out-guard';

/** Plain int8's verdicts: the guard's cosine, the maps' IoU when they decided, the held-out guard. */
export interface PlainOnHeldOut {
  cosine: number;
  maskIou?: { iou: number; worst: number; maps: number; min: number; outputs: string[] };
  heldOut: HeldOutGuard;
}

/** `--json` `quantization.plainOnHeldOut`: what the search chose and how it read, and plain int8's numbers, when
 *  plain int8 was written because the search's choice missed the held-out samples. */
export interface PlainOnHeldOutSummary {
  searched: { floatOps: number; int16Ops: number; guard: number; heldOut: number };
  plain: { guard: number; heldOut: number };
}

/** The held-out guard's measure in one number: the maps' IoU when they decided, else the cosine. */
export const heldOutMeasure = (h: HeldOutGuard): number => h.task?.value ?? h.cosine;

/** Judges `plain` (plain int8, `cosine`: its worst output cosine on the guard samples) as the guard would: met on the
 *  guard samples by `minCosine`, or by the probability maps `masks` when `byMaps` (no --min-cosine: the map judge),
 *  then on the held-out samples. Undefined when it misses either. */
export async function plainOnHeldOut(onnx: Model, plain: ConvertResult, samples: Tensor[][], held: { samples: Tensor[][]; from: number },
  cosine: number, minCosine: number, masks: Set<string>, byMaps: boolean): Promise<PlainOnHeldOut | undefined> {
  let maskIou: PlainOnHeldOut['maskIou'];
  if (!(cosine >= minCosine)) {
    if (!byMaps || !masks.size) return undefined;
    const { refs, outputs } = await guardRuns(onnx, plain, samples.slice(0, GUARD_SAMPLES));
    const maps = new Set(masks);
    for (const name of softOutputs(refs, maps)) maps.delete(name);
    if (!maps.size) return undefined;
    const m = maskGuard(refs, outputs, maps, probabilityOutputs(plain));
    if (!m.maps || !maskGuardMet(m, minCosine)) return undefined;
    maskIou = { iou: m.iou, worst: m.worstIou, maps: m.maps, min: MIN_MASK_IOU, outputs: [...maps] };
  }
  const heldOut = await heldOutGuard(onnx, plain, held.samples, held.from, minCosine, maskIou ? new Set(maskIou.outputs) : undefined);
  return heldOut.met ? { cosine, ...(maskIou ? { maskIou } : {}), heldOut } : undefined;
}

/** The line saying plain int8 was written. */
export function plainOnHeldOutText(s: PlainOnHeldOutSummary, h: HeldOutGuard, byMaps: boolean): string {
  const what = byMaps ? 'probability-map IoU' : 'output cosine';
  return `int8: the search's choice (${s.searched.floatOps} op(s) float32, ${s.searched.int16Ops} in 16x8) read ${what} ${s.searched.guard.toFixed(4)} `
    + `on the calibration samples it was chosen on but ${s.searched.heldOut.toFixed(4)} on calibration samples ${h.first}-${h.last}, which no choice `
    + `was measured on; plain int8 meets the guard there (${s.plain.guard.toFixed(4)}) and on those samples (${s.plain.heldOut.toFixed(4)}, at least `
    + `${(h.task?.min ?? h.min).toFixed(4)}): plain int8 written (every activation int8)`;
}
