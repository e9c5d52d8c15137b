// The int8 guard on calibration samples that no choice of the int8 pass was measured on. The range method, GPTQ
// against round-to-nearest and the guard's cosine are scored on the first GUARD_SAMPLES calibration samples, and the
// mixed-precision search picks the layers that leave int8 by its measure on the first SEARCH_SAMPLES: judged on those
// same samples, a choice that fits them reads well whether or not it holds on other inputs (selection bias).
// Ultra-Light RFB-640 calibrated on 25 synthetic scenes: the search kept 6 ops float32 that raised the face rows of
// its 4 guard scenes (41 rows) to cosine 0.9921, and the file found 444 of the 889 faces float finds on 30 photos.
// So when the calibration set holds samples past the search's, the written model is judged again on up to
// HELD_OUT_SAMPLES of them by the same measure (output-cosine.ts guardMeasures: class rows, boxes, scale), at a bar
// twice the guard's margin (heldOutBar: a few samples' measure varies between sets of samples), and is refused when it
// misses it, with the reason; the 16 scenes held out read 0.9651 there (slim-320, which keeps its faces, 0.9889).
// A model the map judge passed (mask-guard.ts) is judged there by its maps. Ranges (min / max, percentiles over every
// sample) still see the held-out samples: calibration, not a choice.
import type { Model, Tensor } from '../ir/types';
import type { ConvertResult } from '../convert/convert';
import { serializeTflite } from '../tflite/writer';
import { openConverted } from '../runtime/tflite-onnx-io';
import { GUARD_SAMPLES, SEARCH_SAMPLES, referenceOutputs } from './mixed-precision';
import { type GuardMeasures, guardMeasures, probabilityOutputs } from './output-cosine';
import { MIN_MASK_IOU, maskGuard, maskGuardMet } from './mask-guard';
import { layoutText } from './task-layouts';

/** Calibration samples judged past the search's (the ones after its SEARCH_SAMPLES, at most this many). */
export const HELD_OUT_SAMPLES = 16;

/** The calibration samples no choice was measured on: after the first max(GUARD_SAMPLES, SEARCH_SAMPLES), at most
 *  HELD_OUT_SAMPLES (none when the set is no larger than the search's). */
export function heldOutSamples<T>(samples: T[]): { samples: T[]; from: number } {
  const from = Math.max(GUARD_SAMPLES, SEARCH_SAMPLES);
  return { samples: samples.slice(from, from + HELD_OUT_SAMPLES), from };
}

/** onnxruntime's outputs and the written model's on `samples`, by ONNX name. */
export async function guardRuns(onnx: Model, result: ConvertResult, samples: Tensor[][]): Promise<{ refs: Map<string, Tensor>[]; outputs: Map<string, Tensor>[] }> {
  const refs = await referenceOutputs(onnx, samples);
  const session = await openConverted(serializeTflite(result.model));
  const outputs: Map<string, Tensor>[] = [];
  try {
    for (const s of samples) outputs.push(await session.run(s));
  } finally {
    session.close();
  }
  return { refs, outputs };
}

/** `--json`'s `guard.heldOut`: the samples judged (their 1-based positions in the calibration set), the guard's
 *  measure there and its parts, and whether it meets --min-cosine (or the task judge's bar). */
export interface HeldOutGuard {
  samples: number;
  first: number;
  last: number;
  cosine: number;
  /** The bar it is judged at (heldOutBar). */
  min: number;
  met: boolean;
  classRows?: GuardMeasures['classRows'];
  boxIou?: number;
  /** Outputs read by their layout there (task-layouts.ts: top-k detection sets, pitch frames, two-class rows...). */
  layouts?: GuardMeasures['layouts'];
  /** Set when the map judge decided: the maps' mean IoU and its bar. */
  task?: { kind: 'mask'; value: number; min: number };
}

/** The bar on the held-out samples, as a multiple of the guard's margin (1 − --min-cosine): 0.98 at the default 0.99.
 *  A measure on a few samples varies between sets of samples: Ultra-Light slim-320's int8 file (kept 664 of 671 faces
 *  on 30 photos) read 0.9806-0.9934 on windows of 4 of its 25 calibration scenes and 0.9889 on the 16 held out, where
 *  RFB-640's (444 of 889 faces) read 0.9540-0.9856 and 0.9651. */
export const HELD_OUT_MARGIN = 2;

/** The held-out bar for a guard of `minCosine`. */
export const heldOutBar = (minCosine: number): number => 1 - HELD_OUT_MARGIN * (1 - minCosine);

/** The guard's measure of the written model on the held-out samples, met at heldOutBar. With `masks` (the map judge
 *  decided the guard, int8-stage.ts), the maps are judged there by their IoU as on the guard's samples (MIN_MASK_IOU),
 *  the other outputs at the held-out bar; maps with no region to judge tell nothing. Label sequences need no held-out
 *  judge: sequence-guard.ts already decodes up to SEQUENCE_SAMPLES, most of them past the search's. */
export async function heldOutGuard(onnx: Model, result: ConvertResult, held: Tensor[][], from: number, minCosine: number,
  masks?: Set<string>): Promise<HeldOutGuard> {
  const { refs, outputs } = await guardRuns(onnx, result, held);
  const probabilities = probabilityOutputs(result);
  const m = guardMeasures(refs, outputs, probabilities);
  const bar = heldOutBar(minCosine);
  const base = { samples: held.length, first: from + 1, last: from + held.length, cosine: m.cosine, min: bar,
    ...(m.classRows ? { classRows: m.classRows } : {}), ...(m.boxes ? { boxIou: m.boxes.iou } : {}), ...(m.layouts ? { layouts: m.layouts } : {}) };
  if (masks?.size) {
    const g = maskGuard(refs, outputs, masks, probabilities);
    if (g.maps) return { ...base, met: maskGuardMet(g, bar), task: { kind: 'mask', value: g.iou, min: MIN_MASK_IOU } };
  }
  return { ...base, met: m.cosine >= bar };
}

/** The refusal's words for a held-out miss; `tuned`: the guard's measure on the samples the choices were scored on. */
export function heldOutText(h: HeldOutGuard, tuned: number): string {
  const measure = h.task ? `probability-map IoU ${h.task.value.toFixed(4)} (at least ${h.task.min})`
    : `output cosine ${h.cosine.toFixed(4)}${h.classRows ? ` (${h.classRows.outputs.join(', ')} judged as class rows on ${h.classRows.rows} row(s): ${h.classRows.cosine.toFixed(4)}`
      + `${h.boxIou !== undefined ? `; boxes' IoU on those rows ${h.boxIou.toFixed(4)}` : ''})` : ''}${layoutText(h.layouts) ? ` (${layoutText(h.layouts)})` : ''}, at least ${h.min.toFixed(4)} there,`;
  return `the guard's measure reads ${tuned.toFixed(4)} on the calibration samples the range choice and the search were scored on, but `
    + `${measure} on calibration samples ${h.first}-${h.last}, which no choice of the int8 pass was measured on: the choices fit the samples they were `
    + 'tuned to and do not hold on others';
}

/** The warning when the search moved ops out of int8 and the calibration folder holds no sample past the search's:
 *  the guard could judge only the samples the choice was made on. */
export function heldOutNote(samples: number, ops: number, searched: number): string {
  return `int8: the guard judged only the ${samples} calibration sample(s) the search chose its ${ops} op(s) out of int8 on: a choice `
    + `that fits its samples reads well there whether or not it holds on other inputs; with more than ${searched} --calibration samples `
    + 'the guard also judges samples no choice was measured on';
}

/** The warning when plain int8 (no op moved out of int8 by the search) misses the held-out bar: no choice was fitted to
 *  the first samples, so the later ones are inputs int8 reads worse (quieter, or unlike them), not a choice's fit. */
export function heldOutPlainNote(h: HeldOutGuard): string {
  return `int8: output cosine ${h.cosine.toFixed(4)} on calibration samples ${h.first}-${h.last} is below ${h.min.toFixed(4)} there; no op was moved `
    + 'out of int8 on the first samples, so those inputs are ones int8 reads less closely (quieter or unlike the first samples: compare them '
    + 'layer by layer with onnx2lite compare); written, as the guard\'s samples meet --min-cosine';
}
