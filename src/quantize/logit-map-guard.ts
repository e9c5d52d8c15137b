// The int8 guard on logit maps: a single-channel map output with no Sigmoid in the graph, whose user applies it (or
// just reads the sign: logit 0 is probability 0.5). LDC's edge maps are such outputs (logits spanning -22..+11, edges
// where they are positive): its int8 file met the cosine guard at 0.9961 while the edge pixels (> 0) held IoU 0.919-0.937
// against onnxruntime's (floor 0.986; s22-trained5, s26-trained9): the cosine of values spanning 30 units does not see
// the few near 0 that decide the edges. Nothing in the graph says how an output is read, so the float model's own values
// decide: pooled over the guard's samples, a logit map's reference values are positive on a minority region (at least
// MIN_MASK_FRACTION, at most MAX_POSITIVE of the values), at most MAX_SOFT_SHARE of them lie within ±LOGIT_BAND (a
// probability in (0.27, 0.73)) and at least half of them under −LOGIT_BAND (a confident background). LDC's five maps
// on 4 calibration photos: 9-13% positive, 10-18% within ±1, medians −3.2 to −5.1. A regression does not look so: a
// ReLU'd density or depth map has no negative values, an image or a residual sits near 0, a Sigmoid / Tanh output lies
// within the band, a signed field (flow, offsets) is not mostly one sign. Such outputs are judged, with or without --min-cosine, by the IoU of their
// positive regions against onnxruntime's (mean over samples whose region is not empty) at MIN_MASK_IOU, the issue's
// mask bar: below it the file is refused like any guard miss.
import type { Tensor } from '../ir/types';
import { MAX_SOFT_SHARE } from './task-signal';
import { MIN_MASK_FRACTION, MIN_MASK_IOU } from './mask-guard';

/** |logit| under this is a probability in (0.27, 0.73): undecided. */
export const LOGIT_BAND = 1;
/** A logit map's region (positive values) is at most this share of its values: a minority, as edges, text, objects. */
export const MAX_POSITIVE = 0.35;

/** A single map: ONNX dims [N, 1, H, W] (a conv's one channel), H and W over 1. A rank-3 [1, N, C] is as often a
 *  table of rows (anchors' class logits, a distribution per box side) as a squeezed map: not taken. */
const isSingleMap = (dims: readonly number[]): boolean => dims.length === 4 && dims[1] === 1 && dims[2] > 1 && dims[3] > 1;

/** Shares of `maps`' values inside (−LOGIT_BAND, LOGIT_BAND), above 0 and under −LOGIT_BAND, pooled. */
export function logitShares(maps: ArrayLike<number>[]): { near: number; positive: number; negative: number } {
  let near = 0, positive = 0, negative = 0, n = 0;
  for (const m of maps) {
    for (let i = 0; i < m.length; i++) {
      const x = m[i];
      if (x > -LOGIT_BAND && x < LOGIT_BAND) near++;
      if (x > 0) positive++;
      else if (x <= -LOGIT_BAND) negative++;
    }
    n += m.length;
  }
  return n ? { near: near / n, positive: positive / n, negative: negative / n } : { near: 1, positive: 0, negative: 0 };
}

/** Whether reference maps read as logits of a binary map (see the header). */
export function readAsLogits(maps: ArrayLike<number>[]): boolean {
  const s = logitShares(maps);
  return s.near <= MAX_SOFT_SHARE && s.positive >= MIN_MASK_FRACTION && s.positive <= MAX_POSITIVE && s.negative >= 0.5;
}

/** Of the float outputs `candidates` (ONNX names: not probability maps, class ids nor sequences), those whose
 *  references `refs` (by ONNX name, one map a sample) are single maps read as logits. */
export function logitMapOutputs(refs: Map<string, Tensor>[], candidates: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const name of candidates) {
    const ts = refs.map((r) => r.get(name)).filter((t): t is Tensor => !!t && t.data instanceof Float32Array);
    if (ts.length && ts.every((t) => isSingleMap(t.dims)) && readAsLogits(ts.map((t) => t.data as Float32Array))) out.add(name);
  }
  return out;
}

/** IoU of the positive regions of `want` and `got`; undefined when the reference region is under MIN_MASK_FRACTION
 *  of the values (nothing to judge). */
export function logitMapIou(want: ArrayLike<number>, got: ArrayLike<number>): number | undefined {
  let both = 0, either = 0, region = 0;
  for (let i = 0; i < want.length; i++) {
    const x = want[i] > 0, y = got[i] > 0;
    if (x) region++;
    if (x && y) both++;
    if (x || y) either++;
  }
  return region >= MIN_MASK_FRACTION * want.length && either ? both / either : undefined;
}

/** `--json` `guard.logitMaps`: the outputs judged, maps judged (sample × output), the worst output's mean IoU over
 *  its samples (`iou`, the measure: as the cosine, the worst output decides), the worst single map's, the bar. */
export interface LogitMapGuard { outputs: string[]; samples: number; maps: number; iou: number; worst: number; min: number }

/** The logit-map outputs `names`: the written model's `outputs` against onnxruntime's `refs` (by ONNX name). */
export function logitMapGuard(refs: Map<string, Tensor>[], outputs: Map<string, Tensor>[], names: Set<string>): LogitMapGuard {
  let maps = 0, iou = NaN, worst = NaN;
  for (const name of names) {
    const ious: number[] = [];
    refs.forEach((ref, k) => {
      const want = ref.get(name)?.data;
      const got = outputs[k]?.get(name)?.data;
      if (!(want instanceof Float32Array) || !(got instanceof Float32Array) || want.length !== got.length) return;
      const x = logitMapIou(want, got);
      if (x !== undefined) ious.push(x);
    });
    if (!ious.length) continue;
    maps += ious.length;
    const mean = ious.reduce((a, b) => a + b, 0) / ious.length;
    if (!(mean >= iou)) iou = mean;
    if (!(Math.min(...ious) >= worst)) worst = Math.min(...ious);
  }
  return { outputs: [...names], samples: refs.length, maps, iou, worst, min: MIN_MASK_IOU };
}

/** Met when no map could be judged (empty regions) or their mean IoU reaches the bar. */
export const logitMapGuardMet = (g: LogitMapGuard): boolean => g.maps === 0 || g.iou >= g.min;

/** "logit maps (fused) read at 0 (no Sigmoid in the model): positive regions' IoU 0.9312 (worst 0.8801) against
 *  onnxruntime on 16 map(s), below 0.95". */
export function logitMapText(g: LogitMapGuard): string {
  return `logit map(s) (${g.outputs.join(', ')}) read at 0 (their Sigmoid is not in the model): the positive regions' IoU against onnxruntime is `
    + `${g.iou.toFixed(4)} (worst ${g.worst.toFixed(4)}) on ${g.maps} map(s) of ${g.samples} calibration sample(s), ${logitMapGuardMet(g) ? 'at least' : 'below'} ${g.min}`;
}
