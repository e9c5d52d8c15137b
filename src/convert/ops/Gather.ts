// ONNX Gather → TFLite GATHER along the remapped axis (negative indices normalized: constants here, computed ones
// with FLOOR_MOD; constant negative ones on an axis sized at run time, `x[:, -1]` in a WHILE body whose sequence
// grows, as computed ones: TFLite's GATHER refuses a negative index).
import { toNumbers } from '../../ir/tensor';
import { attrInt, normAxis } from '../attrs';
import type { OpConverter } from '../types';
import { MAX_OPSET } from '../types';
import { NUMERIC } from './_elementwise';
import { Emitter } from './_emit';

const Gather: OpConverter = {
  op: 'Gather', emits: ['GATHER', 'FLOOR_MOD', 'SHAPE', 'LESS', 'ADD', 'SELECT_V2'],
  incidental: ['FLOOR_MOD', 'SHAPE', 'LESS', 'ADD', 'SELECT_V2'] /* on the indices only */, opset: [1, MAX_OPSET], dtypes: [...NUMERIC, 'bool'],
  layout: 'axis',
  convert(node, ctx) {
    const [data, indices] = node.inputs;
    const ds = ctx.dims(data);
    const axis = normAxis(attrInt(node, 'axis', 0), ds.length);
    const idxRank = ctx.rank(indices);
    const x = idxRank <= 1 ? ctx.inputAny(data) : { index: ctx.inputOnnx(data), perm: ds.map((_, i) => i) };
    let idx: number;
    const c = ctx.constant(indices);
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
