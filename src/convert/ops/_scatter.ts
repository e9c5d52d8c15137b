// Shared lowering of ONNX ScatterND / ScatterElements / Scatter to TFLite SCATTER_ND, which writes updates into
// zeros: reduction 'none' picks the scattered values where a mask (the same scatter of ones) is set, else the data
// (SELECT_V2); 'add' adds the scattered updates to the data; into constant zeros the scatter is the result; 'max',
// 'min' and 'mul' (opset 18; constant indices that never repeat) combine the data and the updates where written.
// SCATTER_ND adds updates that land on the same element, onnxruntime keeps the last one (the order PyTorch writes
// too): with 'none' and coordinates computed at run time, only each element's last writer is scattered (lastWriters).
import type { Node } from '../../ir/types';
import { toNumbers } from '../../ir/tensor';
import { elementCount } from '../../ir/types';
import { attrInt, attrString, normAxis } from '../attrs';
import type { ConvertContext } from '../context';
import { identity, permute } from '../layout';
import type { Perm } from '../layout';
import { Emitter } from './_emit';
import { refuse } from '../types';
import type { Refusal } from '../types';

/** Reductions other than add, combined with the data where the scatter writes (constant indices that never repeat). */
const COMBINE: Record<string, string> = { max: 'MAXIMUM', min: 'MINIMUM', mul: 'MUL' };

/** Whether two of a constant scatter's coordinates coincide (then max / min / mul would have to fold several updates). */
function repeats(node: Node, ctx: ConvertContext): boolean {
  const dims = ctx.dims(node.inputs[0]);
  const idx = ctx.constant(node.inputs[1])!;
  const v = toNumbers(idx);
  const wrap = (i: number, d: number) => (i < 0 ? i + d : i);
  const seen = new Set<string>();
  if (node.opType === 'ScatterND') {
    const m = idx.dims[idx.dims.length - 1];
    for (let k = 0; k < v.length; k += m) {
      const key = v.slice(k, k + m).map((x, j) => wrap(x, dims[j])).join();
      if (seen.has(key)) return true;
      seen.add(key);
    }
    return false;
  }
  const axis = normAxis(attrInt(node, 'axis', 0), dims.length);
  const strides = idx.dims.map((_, i) => idx.dims.slice(i + 1).reduce((a, b) => a * b, 1));
  for (let k = 0; k < v.length; k++) {
    const at = idx.dims.map((d, i) => (i === axis ? wrap(v[k], dims[axis]) : Math.floor(k / strides[i]) % d));
    const key = at.join();
    if (seen.has(key)) return true;
    seen.add(key);
  }
  return false;
}

export function scatterCheck(node: Node, ctx: ConvertContext): Refusal | undefined {
  const r = attrString(node, 'reduction', 'none');
  if (r !== 'none' && r !== 'add' && !COMBINE[r]) return refuse('attribute', `${node.opType} with reduction=${r} is not supported`);
  if (COMBINE[r] && (!ctx.isConstant(node.inputs[1]) || ctx.dims(node.inputs[0]).some((d) => d < 0) || repeats(node, ctx))) {
    return refuse('attribute', `${node.opType} with reduction=${r} is supported for constant indices that never repeat only (TFLite's SCATTER_ND only adds)`);
  }
  const dt = ctx.dtype(node.inputs[0]);
  const ok = ['float32', 'float64', 'int32', 'int64', ...(r === 'none' ? ['bool'] : [])];
  if (!ok.includes(dt)) return refuse('dtype', `${node.opType} on ${dt} is not supported`);
  return undefined;
}

/** Largest element count lastWriters indexes (its per-element int32 table is 4 bytes an element). */
const LAST_WRITER_CELLS_MAX = 1 << 22;

/**
 * Which updates are the last written to their coordinates, as a BOOL tensor shaped to broadcast over the updates,
 * when `coords` ([...L, m], int32, in range) is computed at run time and L and the first m data dims are known:
 * each row's flat element index, the largest row number per element (UNSORTED_SEGMENT_MAX), and a row is its element's
 * last writer when that is its own number. Undefined when the coordinates are constant or sized at run time.
 * PointPillars' scatter of its pillars into the BEV canvas: padding pillars share cell 0, and SCATTER_ND summed them
 * there (the self-check's seeded coordinates, all 0, differed by 345 at max|ref| 0.56).
 */
function lastWriters(e: Emitter, coords: number, dims: number[]): number | undefined {
  const { ctx, node } = e;
  const cs = e.shape(coords);
  const m = cs[cs.length - 1];
  const lead = cs.slice(0, -1);
  if (ctx.tensors[coords].data !== undefined || m < 1 || lead.some((d) => d < 0) || dims.slice(0, m).some((d) => d < 0)) return undefined;
  const rows = elementCount(lead);
  const cells = elementCount(dims.slice(0, m));
  if (rows < 2 || cells > LAST_WRITER_CELLS_MAX) return undefined;
  const strides = dims.slice(0, m).map((_, j) => elementCount(dims.slice(j + 1, m)));
  const flat = m === 1 ? e.reshape(coords, [rows])
    : e.reduce('SUM', e.bin('MUL', e.reshape(coords, [rows, m]), ctx.constInt32(strides, `${node.name}/strides`, [m])), [1], false);
  const ids = ctx.constInt32(Array.from({ length: rows }, (_, i) => i), `${node.name}/rows`, [rows]);
  const last = e.op('UNSORTED_SEGMENT_MAX', [ids, flat, ctx.constInt32([cells], `${node.name}/cells`, [])], [cells], 'INT32');
  const mine = e.op('GATHER', [last, flat], [rows], 'INT32', { axis: 0, batchDims: 0 });
  return e.reshape(e.bin('EQUAL', mine, ids), [...lead, ...dims.slice(m).map(() => 1)]);
}

/** Scatters `updates` at int32 coordinates `coords` ([..., m]) into the data input, writing the node's output.
 *  Data and updates may have dims known only at run time (then the shape and the mask's ones are measured).
 *  `sum`: updates landing on one element add up (torch's index_add exported without reduction) instead of the last
 *  one winning. */
export function emitScatter(e: Emitter, coords: number, sum = false, stored?: Perm): void {
  const { ctx, node } = e;
  const [data, , updatesName] = node.inputs;
  const rank = ctx.dims(data).length;
  // Data, updates and output in one stored order (`stored`, static dims; coords listed in it): dims are the stored ones.
  const perm = stored ?? identity(rank);
  const dims = permute(ctx.dims(data), perm);
  const read = (t: string) => (stored ? ctx.input(t, stored) : ctx.inputOnnx(t));
  // Boolean masks (Mask2Former's `attn_mask[rows all True] = False`) are scattered as int32 and cast back.
  const bool = e.type(read(data)) === 'BOOL';
  const asInt = (t: number) => (bool ? e.cast(t, 'INT32') : t);
  const x = asInt(read(data));
  const type = e.type(x);
  const reduction = attrString(node, 'reduction', 'none');
  const winners = reduction === 'none' && !sum ? lastWriters(e, coords, dims) : undefined;
  const given = asInt(read(updatesName));
  const updates = winners === undefined ? given : e.select(winners, given, e.scalar(0, type));
  const dynamic = dims.some((d) => d < 0);
  const shape = dynamic ? e.op('SHAPE', [x], [rank], 'INT32', { outType: 'INT32' }) : ctx.constInt32(dims, `${node.name}/shape`);
  const result = dynamic ? ctx.dynamicOutput(node.outputs[0], identity(rank), dims) : ctx.output(node.outputs[0], perm);
  const out = bool ? undefined : result;
  const done = (t: number) => { if (bool) e.cast(t, 'BOOL', result); };
  const zeros = ctx.constant(data);
  if (!COMBINE[reduction] && zeros && toNumbers(zeros).every((v) => v === 0)) {
    done(e.op('SCATTER_ND', [coords, updates, shape], dims, type, undefined, out));
    return;
  }
  const scattered = e.op('SCATTER_ND', [coords, updates, shape], dims, type);
  if (reduction === 'add') {
    e.bin('ADD', x, scattered, out);
    return;
  }
  const us = e.shape(updates);
  let ones: number;
  if (us.some((d) => d < 0)) {
    ones = e.op('FILL', [e.op('SHAPE', [updates], [us.length], 'INT32', { outType: 'INT32' }), e.scalar(1, type)], us, type);
  } else {
    ones = type === 'FLOAT32' ? ctx.constFloat32(new Float32Array(elementCount(us)).fill(1), us, `${node.name}/ones`)
      : ctx.constInt32(new Array<number>(elementCount(us)).fill(1), `${node.name}/ones`, us);
  }
  const hit = e.op('SCATTER_ND', [coords, winners === undefined ? ones : e.select(winners, ones, e.scalar(0, type)), shape], dims, type);
  const written = COMBINE[reduction] ? e.bin(COMBINE[reduction], x, scattered) : scattered;
  done(e.select(e.bin('GREATER', hit, e.scalar(0, type)), written, x, out));
}
