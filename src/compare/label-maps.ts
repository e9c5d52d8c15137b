// Label-map outputs (a segmentation network's per-pixel arg-max, a classifier's class index): integers picked among
// near-tied scores. A float rounding apart may pick the other class at a tie (BiSeNetV2-style, 512×1024: 6 of 524,288
// pixels, onnxruntime against itself 1), which a relative max error reads as a whole-class error. The self-check
// compares them as labels instead: the share of elements that differ.
import type { TflModel } from '../tflite/model';

/** Up to this share of a label map's elements may differ (ties); beyond it the labels count as a mismatch. */
export const LABELS_OFF_SHARE = 1e-3;

/** Ops a label map may pass through after its arg-max (PaddleSeg's `.int()` cast, a squeeze of the class axis). */
const CARRIERS = new Set(['CAST', 'RESHAPE', 'SQUEEZE', 'EXPAND_DIMS']);

/** Outputs (by position in `tensors`) written by ARG_MAX / ARG_MIN in the main subgraph, directly or through a cast /
 *  reshape: label maps. */
export function labelOutputs(model: TflModel, tensors: number[]): Set<number> {
  const sg = model.subgraphs[0]!;
  const producer = new Map<number, (typeof sg.operators)[number]>();
  for (const op of sg.operators) for (const o of op.outputs) producer.set(o, op);
  const isLabel = (t: number): boolean => {
    for (let op = producer.get(t), k = 0; op && k < 4; op = producer.get(op.inputs[0]!), k++) {
      if (op.opcode === 'ARG_MAX' || op.opcode === 'ARG_MIN') return true;
      if (!CARRIERS.has(op.opcode)) return false;
    }
    return false;
  };
  return new Set(tensors.flatMap((t, k) => (isLabel(t) ? [k] : [])));
}

/** How many elements of two label maps differ. */
export function labelsDiffering(ref: ArrayLike<number>, got: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < ref.length; i++) if (ref[i] !== got[i]) n++;
  return n;
}

/** Label maps within the tie allowance: at most LABELS_OFF_SHARE of the elements differ. */
export function labelsAgree(differ: number, count: number): boolean {
  return differ <= Math.floor(count * LABELS_OFF_SHARE);
}
