// Class ids that reach an output through more than views (task-signal.ts classIdSource takes ARG_MAX / ARG_MIN and
// TopK k = 1 through views, a CAST, an id offset and a score threshold's SELECT):
// - a CONCATENATION that joins them with other values: a detection row [x1, y1, x2, y2, score, label] whose label column
//   is an ARG_MAX cast to float, several heads' ArgMaxes side by side (Medusa's candidates). Each input that is a
//   class-id path is judged; the other columns keep the cosine and the box guards;
// - a GATHER of id rows by indices (CondInst's labels of the kept detections, gathered by a TopK over the scores): the
//   positions judged are those the float32 model's indices select (run-time indices are tapped beside the values);
// - a TOPK_V2's indices with 1 < k <= MAX_TOPK_IDS over a class axis (a top-5 classifier): the k ids of a position
//   judged in rank order, or as a set when the ONNX TopK said its order is unspecified (sorted = 0). A larger k is a
//   selection of rows (a detector's top-300 queries), compared as sets by the self-check, not a class answer.
// argmax-guard.ts judges what these paths reach; the search's task measure (outputTasks) keeps classIdSource's.
import type { TflSubgraph } from '../tflite/model';
import { producersOf } from './graph';

/** A TopK's indices with k up to this over a class axis are class ids ranked by the model (top-5 classifiers). */
export const MAX_TOPK_IDS = 10;

/** One class-id path into an output: the op making the ids, the tensor they are taken from (`tap`), ARG_MIN's sign,
 *  the ids per position (1, or a TopK's k) and a GATHER selecting positions: its indices tensor, axis and the shape of
 *  the ids it gathers from (whose flattened order is the tap's positions). */
export interface IdPath {
  op: number;
  tap: number;
  sign: 1 | -1;
  k: number;
  gather?: { indices: number; axis: number; dims: number[] };
}

const VIEWS = new Set(['RESHAPE', 'SQUEEZE', 'EXPAND_DIMS', 'CAST']);

/** The constant int32 scalar of tensor `t` (an axis, a k). */
function constInt(sg: TflSubgraph, t: number): number | undefined {
  const d = sg.tensors[t]?.data;
  return d && d.byteLength >= 4 ? new DataView(d.buffer, d.byteOffset, 4).getInt32(0, true) : undefined;
}

/** The class-id paths into output `o` (empty when it carries no ids). */
export function classIdPaths(sg: TflSubgraph, o: number, producer = producersOf(sg)): IdPath[] {
  const walk = (t: number, gather: IdPath['gather'], depth: number): IdPath[] | undefined => {
    const k = producer.get(t);
    if (k === undefined || depth > 64) return undefined;
    const op = sg.operators[k];
    if (VIEWS.has(op.opcode)) return walk(op.inputs[0], gather, depth + 1);
    if (op.opcode === 'ADD' || op.opcode === 'SUB') {
      const offset = sg.tensors[op.inputs[1]];
      return offset?.data && offset.shape.reduce((a, d) => a * d, 1) <= 1 ? walk(op.inputs[0], gather, depth + 1) : undefined;
    }
    if (op.opcode === 'SELECT' || op.opcode === 'SELECT_V2') {
      const computed = op.inputs.slice(1).filter((i) => i >= 0 && !sg.tensors[i].data);
      return computed.length === 1 ? walk(computed[0], gather, depth + 1) : undefined;
    }
    if (op.opcode === 'CONCATENATION') {
      // Positions gathered from a concatenation are not the tap's: not followed.
      if (gather) return undefined;
      const paths = op.inputs.filter((i) => i >= 0 && !sg.tensors[i].data).flatMap((i) => walk(i, undefined, depth + 1) ?? []);
      return paths.length ? paths : undefined;
    }
    if (op.opcode === 'GATHER') {
      if (gather || Number(op.options?.batchDims ?? 0) !== 0) return undefined;
      const dims = sg.tensors[op.inputs[0]]?.shape ?? [];
      const axis = Number(op.options?.axis ?? 0);
      return walk(op.inputs[0], { indices: op.inputs[1], axis: axis < 0 ? axis + dims.length : axis, dims }, depth + 1);
    }
    const tap = op.inputs[0];
    const rank = sg.tensors[tap]?.shape.length ?? 0;
    if (op.opcode === 'ARG_MAX' || op.opcode === 'ARG_MIN') {
      const axis = constInt(sg, op.inputs[1]);
      return axis === rank - 1 || axis === -1 ? [{ op: k, tap, sign: op.opcode === 'ARG_MIN' ? -1 : 1, k: 1, ...(gather ? { gather } : {}) }] : undefined;
    }
    if (op.opcode === 'TOPK_V2' && op.outputs[1] === t) {
      const n = constInt(sg, op.inputs[1]) ?? 0;
      // Gathered ranks of a top-k are not positions of the tap: only k = 1 there.
      return n >= 1 && n <= MAX_TOPK_IDS && (n === 1 || !gather) ? [{ op: k, tap, sign: 1, k: n, ...(gather ? { gather } : {}) }] : undefined;
    }
    return undefined;
  };
  return walk(o, undefined, 0) ?? [];
}

/** The tap's positions (rows of its last axis, flattened) that a GATHER with `indices` along `axis` of ids shaped
 *  `dims` reads, in the gathered order. */
export function gatheredPositions(dims: number[], axis: number, indices: ArrayLike<number>): number[] {
  const outer = dims.slice(0, axis).reduce((a, d) => a * Math.max(1, d), 1);
  const size = Math.max(1, dims[axis] ?? 1);
  const inner = dims.slice(axis + 1).reduce((a, d) => a * Math.max(1, d), 1);
  const out: number[] = [];
  for (let a = 0; a < outer; a++) {
    for (let j = 0; j < indices.length; j++) {
      const i = indices[j] < 0 ? indices[j] + size : indices[j];
      if (i < 0 || i >= size) continue;
      for (let n = 0; n < inner; n++) out.push((a * size + i) * inner + n);
    }
  }
  return out;
}
