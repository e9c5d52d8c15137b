// Outputs whose rows a TOPK_V2 inside the model selected, compared as sets of rows. A two-stage DETR (RF-DETR,
// LW-DETR) keeps its top-k encoder proposals as decoder queries: every output row (box, class logits) is one selected
// query, in the order of the proposals' scores. Where two scores are near-equal, float16 weights or another
// summation order rank them the other way, and near the k-th score one proposal may take another's place; the rows
// are then the same detections in another order (RF-DETR fp16: 59 of 60 boxes equal to a reference box at another
// row), and a comparison by position reads whole-row errors (0.65 of max|ref|). Here each reference row is paired
// with a row of the other side — by box (the detection pairing of detection-sets.ts: IoU >= 0.5, nearest box) when
// one output holds 4 values a row, else by the nearest row over every output — and the pairs are compared. Rows of a
// real error still differ after any pairing; a row left without a pair (its box matched none) is a mismatch beyond
// the few a near-tie at the k-th score explains (SELECTION_EDGE_SHARE).
import type { TflModel } from '../tflite/model';
import { pairDetections, type DetectionPairing } from './detection-sets';
import { topkRowGroups } from './topk-rows';

/** Up to this share of a selection's rows (rounded down) may be left without a pair (RF-DETR fp16: 2 of 60): a proposal near the k-th score
 *  in one runtime's selection and just outside the other's. */
export const SELECTION_EDGE_SHARE = 0.05;

/** Paired rows further apart than this share of an output's largest |reference| are different rows. */
export const SAME_ROW_REL = 0.1;

export interface SelectionGroup {
  /** Positions in the output list of the outputs whose rows the top-k selected. */
  members: number[];
  /** Selections (the product of the dims before the row axis: batch rows) and rows per selection. */
  outer: number;
  k: number;
  /** The TOPK_V2's position in subgraph 0's op list. */
  op: number;
}

/**
 * Outputs (positions in `tensors`, TFLite tensor indices; `dims`: their ONNX dims) computed from the indices of a
 * TOPK_V2 that selects k of more candidates and whose own values are not a model output (topk-rows.ts pairs those),
 * with an axis of the top-k's length after dims whose product is the top-k's outer size. Outputs in `skip` are left
 * out.
 */
export function selectionGroups(model: TflModel, tensors: number[], dims: (readonly number[] | undefined)[], skip: Set<number>): SelectionGroup[] {
  return topkRowGroups(model, tensors, dims, (op, sg) => {
    if (tensors.includes(op.outputs[0]!)) return undefined;
    const shape = sg.tensors[op.outputs[0]!]!.shape;
    const k = shape[shape.length - 1];
    const from = sg.tensors[op.inputs[0]!]?.shape;
    // A selection: k of more candidates (a full sort — pack_padded_sequence's lengths — reorders, selects nothing).
    if (!k || k < 2 || !from || !(from[from.length - 1]! > k)) return undefined;
    const outer = shape.slice(0, -1).reduce((x, y) => x * y, 1);
    return {
      // Rows the top-k's indices pick (its values alone are scores, not the selected rows).
      from: [op.outputs[1]!],
      rows: (d) => {
        let before = 1;
        for (let a = 0; a < d.length; a++) {
          if (d[a] === k && before === outer) return true;
          before *= d[a]!;
        }
        return false;
      },
      group: (members) => (members.length ? { members, outer, k, op: sg.operators.indexOf(op) } : undefined),
    };
  }, { exclusive: true, skip });
}

export interface SelectionOutput { ref: Float32Array; got: Float32Array }

export interface SelectionPairing {
  /** Every member's paired rows: reference rows and the other side's, in pairs order. */
  paired: SelectionOutput[];
  rows: number;
  pairs: number;
  /** Paired rows not at the same index. */
  reordered: number;
  /** Reference rows without a pair, or whose pair differs beyond SAME_ROW_REL (the other side has as many). */
  unpaired: number;
}

/** Boxes [rows, 4] as corners: as they are when every reference box has x2 >= x1 and y2 >= y1, else read as
 *  (cx, cy, w, h) — DETRs' form — on both sides. */
export function corners(ref: Float32Array, got: Float32Array): { ref: Float32Array; got: Float32Array } {
  let xyxy = true;
  for (let r = 0; 4 * r < ref.length; r++) if (!(ref[4 * r + 2]! >= ref[4 * r]! && ref[4 * r + 3]! >= ref[4 * r + 1]!)) xyxy = false;
  if (xyxy) return { ref, got };
  const conv = (v: Float32Array) => {
    const o = new Float32Array(v.length);
    for (let r = 0; 4 * r < v.length; r++) {
      const [cx, cy, w, h] = [v[4 * r]!, v[4 * r + 1]!, v[4 * r + 2]!, v[4 * r + 3]!];
      o.set([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], 4 * r);
    }
    return o;
  };
  return { ref: conv(ref), got: conv(got) };
}

/** Greedy nearest-row pairing over every member (relative to each member's largest |reference|), a row with
 *  itself first at equal cost. */
function nearestRows(members: SelectionOutput[], rows: number): DetectionPairing {
  const width = members.map((m) => m.ref.length / rows);
  const scale = members.map((m) => { let s = 0; for (const v of m.ref) s = Math.max(s, Math.abs(v)); return s > 0 ? s : 1; });
  const used = new Uint8Array(rows);
  const pairs: [number, number][] = [];
  for (let i = 0; i < rows; i++) {
    let best = -1, bestCost = Infinity;
    for (let j = 0; j < rows; j++) {
      if (used[j]) continue;
      let c = 0;
      members.forEach((m, n) => {
        const w = width[n]!;
        for (let e = 0; e < w; e++) { const d = (m.ref[i * w + e]! - m.got[j * w + e]!) / scale[n]!; c += d * d; }
      });
      if (c < bestCost || (c === bestCost && j === i)) { bestCost = c; best = j; }
    }
    used[best] = 1;
    pairs.push([i, best]);
  }
  return { pairs, missing: [], extra: [] };
}

/** Pairs the rows of a selection group's outputs (`members`, flattened in ONNX order; `outer` × `k` rows each),
 *  within each of the `outer` selections. */
export function pairSelectedRows(members: SelectionOutput[], outer: number, k: number): SelectionPairing {
  const rows = outer * k;
  const width = members.map((m) => m.ref.length / rows);
  const boxes = members.findIndex((m, n) => width[n] === 4 && m.got.length === m.ref.length);
  const all: [number, number][] = [];
  let unpaired = 0;
  for (let o = 0; o < outer; o++) {
    const block = members.map((m, n) => ({
      ref: m.ref.subarray(o * k * width[n]!, (o + 1) * k * width[n]!), got: m.got.subarray(o * k * width[n]!, (o + 1) * k * width[n]!),
    }));
    let p: DetectionPairing;
    if (boxes >= 0) {
      const c = corners(block[boxes]!.ref, block[boxes]!.got);
      p = pairDetections({ boxes: c.ref }, { boxes: c.got });
    } else p = nearestRows(block, k);
    for (const [i, j] of p.pairs) all.push([o * k + i, o * k + j]);
    unpaired += p.missing.length;
  }
  // A pair whose rows differ by more than SAME_ROW_REL (of the output's largest |reference|) is two proposals, not one
  // (a box near another's, at the k-th score): unpaired.
  const scale = members.map((m) => { let x = 0; for (const v of m.ref) x = Math.max(x, Math.abs(v)); return x > 0 ? x : 1; });
  const same = all.filter(([i, j]) => members.every((m, n) => {
    const w = width[n]!;
    for (let e = 0; e < w; e++) if (!(Math.abs(m.ref[i * w + e]! - m.got[j * w + e]!) <= SAME_ROW_REL * scale[n]!)) return false;
    return true;
  }));
  unpaired += all.length - same.length;
  all.splice(0, all.length, ...same);
  const paired = members.map((m, n) => {
    const w = width[n]!;
    const ref = new Float32Array(all.length * w);
    const got = new Float32Array(all.length * w);
    all.forEach(([i, j], q) => { ref.set(m.ref.subarray(i * w, (i + 1) * w), q * w); got.set(m.got.subarray(j * w, (j + 1) * w), q * w); });
    return { ref, got };
  });
  return { paired, rows, pairs: all.length, reordered: all.filter(([i, j]) => i !== j).length, unpaired };
}

/** Whether a selection's unpaired rows are within what a near-tie at the k-th score explains. */
export function unpairedWithinEdge(unpaired: number, rows: number): boolean {
  return unpaired <= Math.floor(rows * SELECTION_EDGE_SHARE);
}
