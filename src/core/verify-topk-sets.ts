// A detector whose top-k rows are separate outputs (D-FINE / DEIMv2: labels [1, K], boxes [1, K, 4], scores [1, K]
// from one TopK) read as a set of detections, by the self-check (float32 and the weight-only modes' guard,
// src/quantize/weight-only-guard.ts). Near-equal scores rank either way: under fp16 weights beyond the ties the
// self-check pairs (DEIMv2-atto on noise: 4 of 300 rows moved, its labels output's cosine 0.58: class ids compared by
// position) while on a photo fp16 keeps 66 / 66 detections; in float32 too (DEIMv2-femto on noise: rows 204 / 205 and
// 263 / 264 swapped, 3e-8 apart, and its 300th row another class of equal score: "NOT verified", a label off by one
// at max rel 1.3e-2). The group's rows are paired as detections (compare/detection-sets.ts pairDetections: same label,
// box IoU >= 0.5), and the paired rows compared by value; a row without a pair is allowed only at the k-th score's
// edge (its score within a near-tie of the last one ranked: the other side ranked it k + 1-th). The set cosine packs
// the rows as an end-to-end detector's [K, 6] rows (x1, y1, x2, y2, score, label) and compares them as int8's guard
// compares packed rows (src/quantize/output-cosine.ts): weighted by score, a detection lost or relabelled costs its weight.
import type { Tensor } from '../ir/types';
import { toFloat32 } from '../ir/tensor';
import type { TflModel } from '../tflite/model';
import { compareViews, onnxView } from '../compare/metrics';
import { isPackedDetections, packedSetVectors, pairDetections } from '../compare/detection-sets';
import { alignTiedRows, NEAR_TIE_BAR, TIE_REL, topkGroups } from '../compare/topk-rows';

/** One top-k group's outputs (flattened in ONNX order, LiteRT's rows already aligned within ties), its K. */
export interface RankedGroup {
  k: number;
  /** Position (in `outs`) of the ranked values: the scores. */
  values: number;
  /** `integer`: the ONNX output's type is an integer one (a detector's class ids; not a float index or keypoint). */
  outs: { ref: Float32Array; got: Float32Array; integer: boolean }[];
}

/** What the self-check reports of top-k outputs (`--json` verification.topk). */
export interface TopkCheck {
  outputs: string[];
  rows: number;
  tied: number;
  reordered: number;
  /** When every group is a detector's labels, boxes and scores: the worst cosine with those rows compared as a set of
   *  detections (the other outputs as measured); the weight-only modes' guard reads it. */
  setCosine?: number;
  /** Those groups' rows paired as detections (summed over groups): `missing` reference rows and `extra` LiteRT rows
   *  without a pair, `edge` of them at the k-th score's edge (allowed); others make the check fail. */
  sets?: { paired: number; missing: number; extra: number; edge: number };
}

/** One group compared as a set: the paired rows of each member (in `outs` order) and the counts. */
export interface RankedSetCheck {
  setCosine: number;
  paired: { ref: Float32Array; got: Float32Array }[];
  pairs: number;
  missing: number;
  extra: number;
  edge: number;
}

/** Packs one side's rows as [K, 6]: boxes (the member of 4 values a row), scores, labels (a whole-valued member). */
function pack(boxes: Float32Array, scores: Float32Array, labels: Float32Array, rows: number[]): Float32Array {
  const out = new Float32Array(rows.length * 6);
  rows.forEach((r, i) => {
    out.set(boxes.subarray(4 * r, 4 * r + 4), 6 * i);
    out[6 * i + 4] = scores[r]!;
    out[6 * i + 5] = labels[r]!;
  });
  return out;
}

/** Every reference row an x1, y1, x2, y2 box (x1 <= x2, y1 <= y2; all-zero rows too). */
const cornerBoxes = (b: Float32Array): boolean => {
  for (let r = 0; r < b.length; r += 4) if (!(b[r]! <= b[r + 2]! && b[r + 1]! <= b[r + 3]!)) return false;
  return true;
};

/** The near-tie margin of ranked scores (as topk-rows.ts alignTiedRows: TIE_REL of the largest, or four times the
 *  sides' largest difference on the sorted scores when that is within NEAR_TIE_BAR). */
function tieMargin(ref: Float32Array, got: Float32Array): number {
  let maxV = 0, spread = 0;
  for (let i = 0; i < ref.length; i++) {
    maxV = Math.max(maxV, Math.abs(ref[i]!));
    spread = Math.max(spread, Math.abs(ref[i]! - got[i]!));
  }
  return Math.max(TIE_REL * maxV, spread <= NEAR_TIE_BAR * maxV ? 4 * spread : 0);
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/**
 * The group's rows compared as a set of detections, or undefined when the group is not one batch of detections
 * (exactly corner boxes, scores in [0, 1] and an integer output of whole labels, K rows: isPackedDetections on the
 * reference). SuperPoint's keypoints [1, K, 1] and descriptors [1, K, 4] beside its scores are no such group.
 */
export function rankedSetCheck(g: RankedGroup): RankedSetCheck | undefined {
  if (g.outs.length !== 3) return undefined;
  const scores = g.outs[g.values]!;
  const others = g.outs.filter((_, i) => i !== g.values);
  const boxes = others.find((o) => o.ref.length === 4 * g.k && o.got.length === 4 * g.k);
  const labels = others.find((o) => o !== boxes && o.integer && o.ref.length === g.k && o.got.length === g.k);
  if (!boxes || !labels || !cornerBoxes(boxes.ref) || scores.ref.length !== g.k || scores.got.length !== g.k) return undefined;
  const ref = pack(boxes.ref, scores.ref, labels.ref, range(g.k));
  if (!isPackedDetections([g.k, 6], ref)) return undefined;
  const pairing = pairDetections({ boxes: boxes.ref, scores: scores.ref, labels: labels.ref }, { boxes: boxes.got, scores: scores.got, labels: labels.got });
  // Rows without a pair whose score is within a near-tie of the last one ranked (either side's) fell out of the other
  // side's top k on a rounding: left out of the comparison.
  const last = Math.min(scores.ref[g.k - 1]!, scores.got[g.k - 1]!);
  const margin = tieMargin(scores.ref, scores.got);
  const missing = pairing.missing.filter((i) => !(scores.ref[i]! - last <= margin));
  const extra = pairing.extra.filter((j) => !(scores.got[j]! - last <= margin));
  const edge = pairing.missing.length - missing.length + pairing.extra.length - extra.length;
  const refRows = range(g.k).filter((i) => !pairing.missing.includes(i) || missing.includes(i));
  const gotRows = range(g.k).filter((j) => !pairing.extra.includes(j) || extra.includes(j));
  const v = packedSetVectors(pack(boxes.ref, scores.ref, labels.ref, refRows), pack(boxes.got, scores.got, labels.got, gotRows), 6);
  const paired = g.outs.map((o) => {
    const w = o.ref.length / g.k;
    const a = new Float32Array(pairing.pairs.length * w), b = new Float32Array(pairing.pairs.length * w);
    pairing.pairs.forEach(([i, j], n) => { a.set(o.ref.subarray(i * w, (i + 1) * w), n * w); b.set(o.got.subarray(j * w, (j + 1) * w), n * w); });
    return { ref: a, got: b };
  });
  return { setCosine: compareViews(onnxView(v.ref, [v.ref.length]), onnxView(v.got, [v.got.length])).cosine, paired, pairs: pairing.pairs.length,
    missing: missing.length, extra: extra.length, edge };
}

/** The set cosine alone (rankedSetCheck). */
export function rankedSetCosine(g: RankedGroup): number | undefined {
  return rankedSetCheck(g)?.setCosine;
}

/** Top-k outputs (by output position) as compared: LiteRT's rows put in onnxruntime's order within runs of tied
 *  ranked values; a detector's labels / boxes / scores group as its paired rows on both sides (`ref` holds those), and
 *  `setsCosine` the worst of those groups' set cosines (1 without one). */
export function rankedRows(model: TflModel, tensors: number[], refs: (Tensor | undefined)[], views: (Tensor | undefined)[], names: string[])
  : { got: Map<number, Float32Array>; ref: Map<number, Float32Array>; check: TopkCheck; setsCosine: number } | undefined {
  const got = new Map<number, Float32Array>();
  const ref = new Map<number, Float32Array>();
  const check: TopkCheck = { outputs: [] as string[], rows: 0, tied: 0, reordered: 0 };
  let sets: number | undefined = 1;
  let setsCosine = 1;
  for (const g of topkGroups(model, tensors, refs.map((r) => r?.dims))) {
    const members = g.members.filter((k) => views[k] && !got.has(k));
    const outs = members.map((k) => ({ ref: toFloat32(refs[k]!), got: toFloat32(views[k]!) }));
    if (!members.includes(g.values) || outs.some((o) => o.ref.length !== o.got.length)) continue;
    const outer = outs[members.indexOf(g.values)]!.ref.length / g.k;
    const a = alignTiedRows(outs[members.indexOf(g.values)]!, outs, outer, g.k);
    members.forEach((k, i) => got.set(k, a.got[i]!));
    const set = outer === 1 && members.length === g.members.length
      ? rankedSetCheck({ k: g.k, values: members.indexOf(g.values), outs: outs.map((o, i) => ({ ref: o.ref, got: a.got[i]!, integer: !refs[members[i]!]!.dtype.startsWith('float') })) }) : undefined;
    sets = set === undefined || sets === undefined ? undefined : Math.min(sets, set.setCosine);
    if (set) {
      setsCosine = Math.min(setsCosine, set.setCosine);
      members.forEach((k, i) => { ref.set(k, set.paired[i]!.ref); got.set(k, set.paired[i]!.got); });
      const s = check.sets ?? { paired: 0, missing: 0, extra: 0, edge: 0 };
      check.sets = { paired: s.paired + set.pairs, missing: s.missing + set.missing, extra: s.extra + set.extra, edge: s.edge + set.edge };
    }
    check.outputs.push(...members.map((k) => names[k]!));
    check.rows += outer * g.k;
    check.tied += a.tied;
    check.reordered += a.reordered;
  }
  if (sets !== undefined) check.setCosine = sets;
  return check.outputs.length ? { got, ref, check, setsCosine } : undefined;
}
