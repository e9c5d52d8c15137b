// A detector whose top-k rows are separate outputs (D-FINE / DEIMv2: labels [1, K], boxes [1, K, 4], scores [1, K]
// from one TopK) read as a set of detections, for the weight-only modes' guard (src/quantize/weight-only-guard.ts).
// Under fp16 weights near-equal scores rank the other way beyond the ties the self-check pairs (DEIMv2-atto on noise:
// 4 of 300 rows moved, its labels output's cosine 0.58: class ids compared by position), while on a photo fp16 keeps
// 66 / 66 detections. The group's rows are packed as an end-to-end detector's [K, 6] rows (x1, y1, x2, y2, score,
// label) and compared as int8's guard does for packed rows (src/quantize/output-cosine.ts): paired by label and box,
// weighted by score (compare/detection-sets.ts packedSetVectors). A detection lost or relabelled still costs its weight.
import { compareViews, onnxView } from '../compare/metrics';
import { isPackedDetections, packedSetVectors } from '../compare/detection-sets';

/** One top-k group's outputs (flattened in ONNX order, LiteRT's rows already aligned within ties), its K. */
export interface RankedGroup {
  k: number;
  /** Position (in `outs`) of the ranked values: the scores. */
  values: number;
  /** `integer`: the ONNX output's type is an integer one (a detector's class ids; not a float index or keypoint). */
  outs: { ref: Float32Array; got: Float32Array; integer: boolean }[];
}

/** Packs one side's rows as [K, 6]: boxes (the member of 4 values a row), scores, labels (a whole-valued member). */
function pack(boxes: Float32Array, scores: Float32Array, labels: Float32Array, k: number): Float32Array {
  const out = new Float32Array(k * 6);
  for (let r = 0; r < k; r++) {
    out.set(boxes.subarray(4 * r, 4 * r + 4), 6 * r);
    out[6 * r + 4] = scores[r]!;
    out[6 * r + 5] = labels[r]!;
  }
  return out;
}

/** Every reference row an x1, y1, x2, y2 box (x1 <= x2, y1 <= y2; all-zero rows too). */
const cornerBoxes = (b: Float32Array): boolean => {
  for (let r = 0; r < b.length; r += 4) if (!(b[r]! <= b[r + 2]! && b[r + 1]! <= b[r + 3]!)) return false;
  return true;
};

/**
 * The cosine of the group's rows compared as a set of detections, or undefined when the group is not one batch of
 * detections (exactly corner boxes, scores in [0, 1] and an integer output of whole labels, K rows: isPackedDetections
 * on the reference). SuperPoint's keypoints [1, K, 1] and descriptors [1, K, 4] beside its scores are no such group.
 */
export function rankedSetCosine(g: RankedGroup): number | undefined {
  if (g.outs.length !== 3) return undefined;
  const scores = g.outs[g.values]!;
  const others = g.outs.filter((_, i) => i !== g.values);
  const boxes = others.find((o) => o.ref.length === 4 * g.k && o.got.length === 4 * g.k);
  const labels = others.find((o) => o !== boxes && o.integer && o.ref.length === g.k && o.got.length === g.k);
  if (!boxes || !labels || !cornerBoxes(boxes.ref) || scores.ref.length !== g.k || scores.got.length !== g.k) return undefined;
  const ref = pack(boxes.ref, scores.ref, labels.ref, g.k);
  if (!isPackedDetections([g.k, 6], ref)) return undefined;
  const v = packedSetVectors(ref, pack(boxes.got, scores.got, labels.got, g.k), 6);
  return compareViews(onnxView(v.ref, [v.ref.length]), onnxView(v.got, [v.got.length])).cosine;
}
