// ONNX Gather → TFLite GATHER along the remapped axis (negative indices normalized: constants here, computed ones
// with FLOOR_MOD; constant negative ones on an axis sized at run time, `x[:, -1]` in a WHILE body whose sequence
// grows, as computed ones: TFLite's GATHER refuses a negative index).
import { toNumbers } from '../../ir/tensor';
import { attrInt, normAxis } from '../attrs';
import type { OpConverter } from '../types';
import { MAX_OPSET } from '../types';
import { NUMERIC } from './_elementwise';
import { Emitter } from './_emit';
import type { ValueRef } from '../context';

/** Stored dims after the gathered axis at most this many elements: each index copies a run this short. */
const SHORT_RUN = 4;
/** ...over at least this many runs. */
const MANY_RUNS = 256;

/**
 * The data stored with the gathered axis first, when one constant index of an axis of at most 4 would otherwise copy
 * runs of SHORT_RUN elements or fewer, one by one (a scalar index drops the axis, so the output keeps the layout it
 * had: no move after): FastestDet's channel shuffle
 * (`x.reshape(c / 2, 2, h·w).permute(1, 0, 2).reshape(2, ...)`, then x[0] and x[1]) gathered index 0 / 1 of a
 * [44, 44, 24, 2, 1] view of NHWC features element by element, TFLite's own GATHER kernel (XNNPack takes none):
 * 26 GATHERs were 5.4 of its 24 ms in int8. Moved once (one TRANSPOSE, which XNNPack runs and both gathers share),
 * each index is one contiguous copy: the pair timed alone on [44, 44, 24, 2], int8 0.86-2.1 → 0.08 ms, float32
 * 2.2-3.3 → 0.16-0.35 ms (bench/op-latency.ts timeAlone, load 21, s22-i8lat).
 */
function axisFirst(ctx: Parameters<OpConverter['convert']>[1], data: string, axis: number): ValueRef | undefined {
  if (ctx.constant(data)) return undefined;
  const want = axisFirstOrder(ctx.dims(data), ctx.permOf(data), axis);
  return want && { index: ctx.input(data, want), perm: want };
}

/** The stored order `axisFirst` moves data of dims `ds` stored in `perm` to (the gathered axis first, the others as
 *  stored), or undefined when the gathers read it as it is stored (also the Transpose whose parts these gathers are:
 *  Transpose.ts `gathersAxisFirst`). */
export function axisFirstOrder(ds: number[], perm: number[], axis: number): number[] | undefined {
  const at = perm.indexOf(axis);
  if (at <= 0 || ds.some((d) => !(d > 0)) || ds[axis] > 4) return undefined;
  const stored = perm.map((d) => ds[d]);
  const run = stored.slice(at + 1).reduce((a, d) => a * d, 1);
  const runs = stored.slice(0, at).reduce((a, d) => a * d, 1);
  if (run > SHORT_RUN || runs < MANY_RUNS) return undefined;
  return [axis, ...perm.filter((d) => d !== axis)];
}

const Gather: OpConverter = {
  op: 'Gather', emits: ['GATHER', 'FLOOR_MOD', 'SHAPE', 'LESS', 'ADD', 'SELECT_V2'],
  incidental: ['FLOOR_MOD', 'SHAPE', 'LESS', 'ADD', 'SELECT_V2'] /* on the indices only */, opset: [1, MAX_OPSET], dtypes: [...NUMERIC, 'bool'],
  layout: 'axis',
  convert(node, ctx) {
    const [data, indices] = node.inputs;
    const ds = ctx.dims(data);
    const axis = normAxis(attrInt(node, 'axis', 0), ds.length);
    const idxRank = ctx.rank(indices);
    const c = ctx.constant(indices);
    const x = idxRank === 0 && c ? (axisFirst(ctx, data, axis) ?? ctx.inputAny(data))
      : idxRank <= 1 ? ctx.inputAny(data) : { index: ctx.inputOnnx(data), perm: ds.map((_, i) => i) };
    let idx: number;
    if (c && (ds[axis] >= 0 || toNumbers(c).every((v) => v >= 0))) {
      const vals = toNumbers(c).map((v) => (v < 0 ? v + ds[axis] : v));
      idx = ctx.constInt32(vals, `${node.name}/indices`, c.dims.length ? [...c.dims] : []);
    } else {
      // Computed indices may be negative (counted from the end): wrap them with FLOOR_MOD by the axis size.
      const raw = c ? ctx.constInt32(toNumbers(c), `${node.name}/indices`, c.dims.length ? [...c.dims] : []) : ctx.inputOnnx(indices);
      const rt = ctx.tensors[raw];
      idx = ctx.temp(rt.shapeSignature ?? rt.shape, 'INT32', `${indices}__wrapped`);
      if (ds[axis] >= 0) ctx.emit('FLOOR_MOD', [raw, ctx.constInt32([ds[axis]], `${node.name}/axis_size`, [])], [idx]);
      else {
        // The axis is sized at run time (its size from SHAPE, maybe 0: no FLOOR_MOD by it): idx < 0 ? idx + size : idx.
        const e = new Emitter(ctx, node);
        const shape = e.op('SHAPE', [x.index], [ds.length], 'INT32', { outType: 'INT32' });
        const size = e.op('GATHER', [shape, ctx.constInt32([x.perm.indexOf(axis)], `${node.name}/axis`, [])], [], 'INT32', { axis: 0, batchDims: 0 });
        e.select(e.bin('LESS', raw, e.scalar(0, 'INT32')), e.bin('ADD', raw, size), raw, idx);
      }
    }
    // Output layout: the data's layout with the axis replaced by the indices' dims (kept in order).
    const tAxis = x.perm.indexOf(axis);
    let outPerm: number[];
    if (idxRank === 0) outPerm = x.perm.filter((d) => d !== axis).map((d) => (d > axis ? d - 1 : d));
    else if (idxRank === 1) outPerm = x.perm;
    else outPerm = Array.from({ length: ds.length - 1 + idxRank }, (_, i) => i);
    const out = ctx.output(node.outputs[0], outPerm);
    ctx.emit('GATHER', [x.index, idx], [out], { axis: tAxis, batchDims: 0 });
  },
};
export default Gather;
