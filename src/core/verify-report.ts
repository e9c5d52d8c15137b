// The self-check's verdict and wording: the bars a conversion is held to, whether it is degraded, the line convert
// prints and the --json form. The check itself is verify.ts.
import { labelsAgree } from '../compare/metrics';
import { unpairedWithinEdge } from '../compare/selected-rows';
import { HEAD_ROWS_OFF_SHARE } from '../compare/detection-sets';
import type { SelectedRowsCheck } from './verify-selected';
import type { DetectionCheck, Verification } from './verify';

/** A quantized model no further from onnxruntime than onnxruntime's two ways of running it are from each other
 *  (twice their 1 - cosine): the rounding-boundary spread, not a conversion error. */
export function withinReference(v: Verification): boolean {
  return !!v.reference && 1 - v.cosine <= 2 * (1 - v.reference.cosine) + 1e-6;
}

/** The bar for "verified" (float conversions): the worst output within max rel error 1e-2 and cosine 0.999. Beyond
 *  it the line says so and convert warns; under REFUSE_COSINE convert refuses to write unless --allow-degraded. */
export const VERIFIED_MAX_REL = 1e-2;
/** #12's bar for float conversions (max rel error against onnxruntime). Over it a verified float model's line also
 *  gives onnxruntime's own spread (optimized vs as written) and says which side of FLOAT32_SPREAD_FACTOR × that spread
 *  LiteRT is: against a float64 evaluation (scripts/f64-reference.ts) every float32 runtime sits about equally far,
 *  so two of them differ by up to about twice one's error (RTMDet: LiteRT vs onnxruntime 1.7e-4, onnxruntime's two
 *  runs 1.1e-4; U²-Netp 1.1e-3 and 1.1e-3; docs/model-sweep.md, "float64 references"). */
export const PRECISE_MAX_REL = 1e-4;
export const FLOAT32_SPREAD_FACTOR = 2;
export const VERIFIED_MIN_COSINE = 0.999;
export const REFUSE_COSINE = 0.99;

export function isDegraded(v: Verification): boolean {
  const structure = unpaired(v) > 0 || (v.topk?.sets !== undefined && v.topk.sets.missing + v.topk.sets.extra > 0) || (v.selected !== undefined && !v.selected.fedIndices && !unpairedWithinEdge(v.selected.unpaired, v.selected.rows)) || (v.labels !== undefined && !labelsAgree(v.labels.differ, v.labels.count));
  // An int8 file is held to the bar of the guard that accepted it (verify-bar.ts), not to the float bar.
  if (v.bar) return structure || !v.bar.met;
  return structure || (!Number.isNaN(v.maxRel) && (v.maxRel > VERIFIED_MAX_REL || !(v.cosine >= VERIFIED_MIN_COSINE)));
}

/** Detection rows of either side without a pair on the other. */
function unpaired(v: Verification): number {
  return v.detections ? v.detections.missing + v.detections.extra : 0;
}

/** ", as detection sets (98/100 paired, 2 missing)" for detectors' outputs, else ''. */
function asSets(v: Verification): string {
  const d = v.detections;
  if (!d) return '';
  const odd = [d.missing ? `${d.missing} missing on LiteRT` : '', d.extra ? `${d.extra} extra on LiteRT` : '',
    d.headRowsOff ? `${d.headRowsOff} with keypoints / masks beyond the bar${d.headRowsOff <= Math.floor(d.paired * HEAD_ROWS_OFF_SHARE) ? ` (left out: up to ${HEAD_ROWS_OFF_SHARE * 100}% may be, a box at a step of its head's grid)` : ''}` : ''].filter(Boolean);
  return `, detections compared as sets (${d.paired}/${d.refRows} paired${odd.length ? `, ${odd.join(', ')}` : ''})`;
}

/** ", label maps compared as labels (6 of 524288 differ)" for ARG_MAX / ARG_MIN outputs, else ''. */
function asLabels(v: Verification): string {
  return v.labels ? `, label maps compared as labels (${v.labels.differ} of ${v.labels.count} differ)` : '';
}

/** ", top-k rows paired within ties (2 of 256 reordered)" for top-k outputs with ties, else ''; a detector's top-k
 *  rows: ", top-k detections compared as a set (299/300 paired, 1 at the k-th score's edge)". */
function asRanked(v: Verification): string {
  const s = v.topk?.sets;
  if (s) {
    const odd = [s.missing ? `${s.missing} missing on LiteRT` : '', s.extra ? `${s.extra} extra on LiteRT` : '',
      s.edge ? `${s.edge} at the k-th score's edge` : ''].filter(Boolean);
    return `, top-k detections compared as a set (${s.paired}/${v.topk!.rows} paired${odd.length ? `, ${odd.join(', ')}` : ''})`;
  }
  return v.topk?.reordered ? `, top-k rows paired within ties (${v.topk.reordered} of ${v.topk.rows} reordered)` : '';
}

/** ", rows a top-k selected compared as sets (59/60 paired, 12 reordered)" when rows moved or lack a pair, else '';
 *  then, when onnxruntime was given LiteRT's top-k indices, what that comparison measured. */
function asSelected(v: Verification): string {
  const s = v.selected;
  const fed = s?.fedIndices ? `; given LiteRT's top-k indices, onnxruntime's rows agree by position to max rel ${s.fedIndices.maxRel.toExponential(1)}`
    + ` and the k best scores to ${s.fedIndices.scoresMaxRel.toExponential(1)}` : '';
  return s && (s.reordered || s.unpaired) ? `, rows a top-k selected compared as sets (${s.paired}/${s.rows} paired, ${s.reordered} reordered)${fed}` : '';
}

/** ", on calibration sample 9 of 16 (held out)" when the check ran on a calibration sample, else ''. */
function onSample(v: Verification): string {
  const c = v.calibration;
  return c ? `, on calibration sample ${c.sample} of ${c.of}${c.heldOut ? ' (held out: no choice of the int8 pass was measured on it)' : ''}` : '';
}

/** The warning for a conversion beyond the bar. */
export function degradedWarning(v: Verification): string {
  if (unpaired(v) > 0) {
    return `the converted model's detections differ from onnxruntime's${asSets(v)}: check it on real inputs (onnx2lite compare)`;
  }
  if (v.topk?.sets && v.topk.sets.missing + v.topk.sets.extra > 0) {
    return `the converted model's top-k detections differ from onnxruntime's${asRanked(v)}, set cosine ${v.cosine.toFixed(6)}: check it on real inputs (onnx2lite compare)`;
  }
  if (v.bar && !v.bar.met) return `the int8 model misses ${barText(v.bar)} on the self-check's inputs: check it on real inputs (onnx2lite compare)`;
  return `the converted model differs from onnxruntime beyond the verified bar (max rel error ${v.maxRel.toExponential(1)} > ${VERIFIED_MAX_REL}`
    + ` or cosine ${v.cosine.toFixed(6)} < ${VERIFIED_MIN_COSINE}): check it on real inputs (onnx2lite compare)`;
}

/** The line convert prints, e.g. `verified on LiteRT: max rel error 3.1e-6, cosine 1.000000 (412 ms)`. */
export function verificationLine(v: Verification): string {
  if (Number.isNaN(v.maxRel)) return `verified on LiteRT: loads and runs (not compared with onnxruntime) (${v.ms} ms)`;
  const spread = v.reference ? `; onnxruntime itself, optimized vs as written: max rel ${v.reference.maxRel.toExponential(1)}, cosine ${v.reference.cosine.toFixed(6)}` : '';
  if (v.bar) return `${isDegraded(v) ? 'NOT verified' : 'verified'} on LiteRT ${barText(v.bar)}: max rel error ${v.maxRel.toExponential(1)}, cosine ${v.cosine.toFixed(6)}${asSets(v)}${asLabels(v)}${asRanked(v)}${asSelected(v)}${onSample(v)} (${v.ms} ms)`;
  if (isDegraded(v)) return `NOT verified on LiteRT: max rel error ${v.maxRel.toExponential(1)}, cosine ${v.cosine.toFixed(6)}${asSets(v)}${asLabels(v)}${asRanked(v)}${asSelected(v)}${onSample(v)} (${v.ms} ms), beyond max rel ${VERIFIED_MAX_REL} / cosine ${VERIFIED_MIN_COSINE}${unpaired(v) || v.topk?.sets?.missing || v.topk?.sets?.extra ? ' / every detection paired' : ''}${spread}`;
  const rounding = v.rounding === 'within' ? `: over ${PRECISE_MAX_REL.toExponential(0)} but within ${FLOAT32_SPREAD_FACTOR}× onnxruntime's own spread, this model's float32 rounding`
    : v.rounding === 'beyond' ? `: over ${PRECISE_MAX_REL.toExponential(0)} and over ${FLOAT32_SPREAD_FACTOR}× onnxruntime's own spread, more than float32 rounding explains (onnx2lite compare shows where)` : '';
  return `verified on LiteRT: max rel error ${v.maxRel.toExponential(1)}, cosine ${v.cosine.toFixed(6)}${asSets(v)}${asLabels(v)}${asRanked(v)}${asSelected(v)}${onSample(v)} (${v.ms} ms)${spread}${rounding}`;
}

/** JSON-safe form (NaN → null). */
export function verificationJson(v: Verification): { maxRel: number | null; cosine: number | null; ms: number; degraded?: true;
  reference?: { maxRel: number | null; cosine: number | null }; detections?: DetectionCheck; labels?: Verification['labels'];
  topk?: Verification['topk']; selected?: SelectedRowsCheck; seeds?: Verification['seeds']; calibration?: Verification['calibration']; bar?: VerificationBar } {
  const n = (x: number) => (Number.isFinite(x) ? x : null);
  return { maxRel: n(v.maxRel), cosine: n(v.cosine), ms: v.ms, ...(isDegraded(v) ? { degraded: true as const } : {}),
    ...(v.reference ? { reference: { maxRel: n(v.reference.maxRel), cosine: n(v.reference.cosine) } } : {}),
    ...(v.detections ? { detections: v.detections } : {}), ...(v.labels ? { labels: v.labels } : {}), ...(v.topk ? { topk: v.topk } : {}), ...(v.selected ? { selected: v.selected } : {}),
    ...(v.seeds ? { seeds: v.seeds } : {}), ...(v.calibration ? { calibration: v.calibration } : {}), ...(v.bar ? { bar: v.bar } : {}) };
}

// The self-check of an int8 file against the bar of the guard that accepted it. The float bar (max rel error 1e-2,
// cosine 0.999, above) is a float conversion's: an int8 file differs from the float model by its own
// rounding, so MOMENT's int8, accepted by its guard at cosine 0.9986 on its calibration series, read "NOT verified" at
// cosine 0.998616 / max rel 8.1e-2 on a calibration sample (s26-verify3). The int8 pass hands verify.ts a judge
// (src/quantize/verify-int8-bar.ts) that measures the outputs as its guard did: by cosine against --min-cosine (its
// held-out bar on a sample the guard never measured), and the outputs it judged by their task (probability maps by
// thresholded IoU, label sequences by their decode, logit maps by the IoU of their sign maps, a pitch by its frames within
// 50 cents) the same way; max rel is
// reported, not judged (an int8 step is a large relative error on a small value).

/** A plain output of the self-check (ONNX layout, flattened): its values on both runtimes and its cosine. */
export interface JudgedOutput { name: string; dims: number[]; ref: Float32Array; got: Float32Array; cosine: number }

/** `--json` `verification.bar`: what the file was judged against and how it measured. */
export interface VerificationBar {
  /** Who set the bar (the int8 guard that accepted the file). */
  by: 'int8 guard';
  /** The cosine bar: --min-cosine (given or default) on one of the guard's samples, the guard's held-out bar
   *  (held-out-guard.ts) on a sample it never measured (a held-out calibration sample, or the seeded inputs). */
  minCosine: number;
  basis: 'min-cosine' | 'held-out';
  /** The worst cosine over the outputs judged by cosine (every output but the task ones below). */
  cosine: number;
  /** Outputs the guard judged by their task, measured so on this sample: kind, outputs, value, bar, verdict. */
  task?: { kind: 'mask' | 'sequence' | 'logit map' | 'pitch' | 'labels'; outputs: string[]; value: number; min: number; met: boolean }[];
  met: boolean;
}

/** Measures the self-check's outputs against a bar; `otherCosine`: the worst cosine of what is not a plain output
 *  (detections or top-k rows compared as sets). */
export type BarJudge = (outputs: JudgedOutput[], otherCosine: number) => VerificationBar;

/** "against the int8 guard's bar (cosine 0.998616 >= 0.99, --min-cosine; maps (prob) IoU 0.9712 >= 0.95)". */
export function barText(b: VerificationBar): string {
  const basis = b.basis === 'held-out' ? 'the guard\'s held-out bar: a sample it did not measure' : '--min-cosine, on a sample the guard measured';
  const kind = { sequence: 'label sequences', mask: 'probability maps', 'logit map': 'logit maps (read at 0)', pitch: 'pitch in cents', labels: 'multi-label sigmoids' };
  const measure = { sequence: 'decoded identically', mask: 'IoU', 'logit map': 'IoU', pitch: 'frames within 50 cents', labels: 'decisions at 0.5 held' };
  const tasks = (b.task ?? []).map((t) => `; ${kind[t.kind]} (${t.outputs.join(', ')}) ${measure[t.kind]} ${t.value.toFixed(4)} ${t.met ? '>=' : '<'} ${t.min}`
    + `${t.kind === 'pitch' || t.kind === 'labels' ? ' with the binomial slack' : ''}`).join('');
  return `against the int8 guard's bar (cosine ${b.cosine.toFixed(6)} ${b.cosine >= b.minCosine ? '>=' : '<'} ${b.minCosine}, ${basis}${tasks}; `
    + 'max rel error not judged: int8 rounding)';
}
