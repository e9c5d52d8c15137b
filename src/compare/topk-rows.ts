// Top-k outputs compared as ranked rows with ties. A TOPK_V2 ranks its rows by value; where two reference values are
// equal (SuperPoint's keypoint scores after simple_nms: two pixels of one softmax bin, equal in onnxruntime to the
// last bit) the rank between them is whatever the runtime's last bit says, and LiteRT may give the two rows in the
// other order. Every output computed from the top-k row by row (keypoints from its indices, descriptors sampled at
// them) then swaps the same two rows, and an element-wise comparison reads a swap as a whole-row error. Here, within
// each run of tied reference values only, the other side's rows are paired with the reference rows they match best
// (all the group's outputs at once) and put in the reference's order before the comparison; rows that differ still
// differ after any pairing, so a real mismatch is not hidden.
import type { TflModel, TflOperator, TflSubgraph } from '../tflite/model';
import { consumersOf } from '../tflite/graph';

/** Ranked values closer than this share of the largest |value| are a tie (float32 rounding apart). */
export const TIE_REL = 1e-6;
/** Ranked values closer than four times the two sides' largest difference on the (sorted) values themselves are a
 *  tie too, when that difference is within this share of the largest |value| (within the verified bar): float32
 *  rounding of the same values can rank them either way (CenterPoint's peaks in a random heatmap, 5e-6 apart). The
 *  sorted lists' difference understates a row's own, hence the margin. */
export const NEAR_TIE_BAR = 1e-4;
/** Longer runs of ties are left unpaired (the pairing is quadratic in the run). */
export const MAX_TIE_RUN = 1024;

/** Outputs (positions in the output list) holding one TOPK_V2's ranked rows. */
export interface TopkGroup {
  /** The output that is the TOPK_V2's values. */
  values: number;
  /** The values and every output computed from the top-k with its rows on the same axis. */
  members: number[];
  /** The ranked axis (ONNX dims): the values' last. */
  axis: number;
  k: number;
}

/** What a row rule makes of one TOPK_V2: the top-k outputs its rows are computed from (`from`), which output dims
 *  hold its rows (`rows`), the outputs that belong to the group whatever they are computed from (`fixed`, positions
 *  in the output list), and the group built from its members (undefined: none). */
export interface TopkAnchor<G> {
  from: number[];
  rows: (dims: readonly number[]) => boolean;
  fixed?: number[];
  group: (members: number[]) => G | undefined;
}

/**
 * The one walk from each TOPK_V2 of subgraph 0 to the outputs `tensors` (TFLite tensor indices; `dims`: their ONNX
 * dims) computed from it, for the row rules that compare top-k rows: `anchor` says, for each TOPK_V2, where its
 * rows start and which outputs hold them (the ranked values here; the rows a selection's indices pick in
 * selected-rows.ts). Members are in output order. `exclusive`: an output joins one group at most, and none of
 * `skip`.
 */
export function topkRowGroups<G>(model: TflModel, tensors: number[], dims: (readonly number[] | undefined)[],
  anchor: (op: TflOperator, sg: TflSubgraph) => TopkAnchor<G> | undefined, opts: { exclusive?: boolean; skip?: Set<number> } = {}): G[] {
  const sg = model.subgraphs[0]!;
  const readers = consumersOf(sg.operators);
  const groups: G[] = [];
  const taken = new Set(opts.skip);
  for (const op of sg.operators) {
    if (op.opcode !== 'TOPK_V2') continue;
    const a = anchor(op, sg);
    if (!a) continue;
    const reached = downstream(sg.operators, readers, a.from);
    const fixed = new Set(a.fixed);
    const members = tensors.flatMap((t, i) => {
      const d = dims[i];
      return fixed.has(i) || (!taken.has(i) && reached.has(t) && d && a.rows(d)) ? [i] : [];
    });
    const g = a.group(members);
    if (g === undefined) continue;
    if (opts.exclusive) for (const i of members) taken.add(i);
    groups.push(g);
  }
  return groups;
}

/**
 * The top-k groups among the outputs `tensors` (TFLite tensor indices; `dims`: their ONNX dims): a TOPK_V2 whose
 * values output is a model output, with the outputs computed from its values or indices whose dims before the ranked
 * axis equal the values' and whose ranked axis is K long.
 */
export function topkGroups(model: TflModel, tensors: number[], dims: (readonly number[] | undefined)[]): TopkGroup[] {
  return topkRowGroups(model, tensors, dims, (op, sg) => {
    const values = tensors.indexOf(op.outputs[0]!);
    const vd = values < 0 ? undefined : dims[values];
    // TOPK_V2 ranks its last axis: the values must be stored in ONNX order for that to be the ONNX last axis.
    if (!vd || vd.length === 0 || sg.tensors[op.outputs[0]!]!.shape.join() !== vd.join()) return undefined;
    const axis = vd.length - 1;
    const k = vd[axis]!;
    return {
      from: op.outputs, fixed: [values],
      rows: (d) => d.length > axis && d[axis] === k && vd.slice(0, axis).every((x, i) => d[i] === x),
      group: (members) => ({ values, members, axis, k }),
    };
  });
}

/** Tensors computed from `from` in the op list. */
export function downstream(ops: TflModel['subgraphs'][number]['operators'], readers: Map<number, number[]>, from: number[]): Set<number> {
  const seen = new Set<number>(from);
  const todo = [...from];
  while (todo.length) {
    for (const k of readers.get(todo.pop()!) ?? []) {
      for (const o of ops[k]!.outputs) if (!seen.has(o)) { seen.add(o); todo.push(o); }
    }
  }
  return seen;
}

/** One output of a group: reference and other side, flattened in ONNX order. */
export interface RankedOutput {
  ref: Float32Array;
  got: Float32Array;
}

export interface TieAlignment {
  /** The other side's values of each member, rows within tied runs put in the reference's order. */
  got: Float32Array[];
  /** Rows inside runs of tied reference values. */
  tied: number;
  /** Rows the pairing moved. */
  reordered: number;
}

/**
 * Pairs the other side's rows with the reference's within each run of tied reference values (`values`: the ranked
 * values, `members[i]` every output of the group, `values` among them; `outer` × `k` rows each): the nearest pairs
 * first, distance summed over all members (each relative to its largest reference value), a row with itself first
 * at equal distance.
 */
export function alignTiedRows(values: RankedOutput, members: RankedOutput[], outer: number, k: number): TieAlignment {
  const got = members.map((m) => m.got.slice());
  let tied = 0, reordered = 0;
  const inner = members.map((m) => m.ref.length / (outer * k));
  const scale = members.map((m) => { let s = 0; for (const v of m.ref) s = Math.max(s, Math.abs(v)); return s > 0 ? s : 1; });
  let maxV = 0;
  for (const v of values.ref) maxV = Math.max(maxV, Math.abs(v));
  let spread = 0;
  for (let i = 0; i < values.ref.length; i++) spread = Math.max(spread, Math.abs(values.ref[i]! - values.got[i]!));
  const tol = Math.max(TIE_REL * maxV, spread <= NEAR_TIE_BAR * maxV ? 4 * spread : 0);
  const cost = (i: number, j: number) => members.reduce((c, m, n) => {
    let s = 0;
    for (let e = 0; e < inner[n]!; e++) { const d = (m.ref[i * inner[n]! + e]! - m.got[j * inner[n]! + e]!) / scale[n]!; s += d * d; }
    return c + s;
  }, 0);
  for (let o = 0; o < outer; o++) {
    for (let s = 0; s < k;) {
      let e = s + 1;
      while (e < k && Math.abs(values.ref[o * k + e]! - values.ref[o * k + e - 1]!) <= tol) e++;
      const len = e - s;
      if (len >= 2 && len <= MAX_TIE_RUN) {
        tied += len;
        const base = o * k + s;
        const pairs: [number, number, number][] = [];
        for (let i = 0; i < len; i++) for (let j = 0; j < len; j++) pairs.push([cost(base + i, base + j), i, j]);
        pairs.sort((x, y) => x[0] - y[0] || Number(y[1] === y[2]) - Number(x[1] === x[2]));
        const refUsed = new Uint8Array(len), gotUsed = new Uint8Array(len);
        for (const [, i, j] of pairs) {
          if (refUsed[i] || gotUsed[j]) continue;
          refUsed[i] = gotUsed[j] = 1;
          if (i === j) continue;
          reordered++;
          members.forEach((m, n) => got[n]!.set(m.got.subarray((base + j) * inner[n]!, (base + j + 1) * inner[n]!), (base + i) * inner[n]!));
        }
      }
      s = e;
    }
  }
  return { got, tied, reordered };
}
