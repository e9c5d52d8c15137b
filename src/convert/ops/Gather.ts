// ONNX Gather → TFLite GATHER along the remapped axis (negative indices normalized: constants here, computed ones
// with FLOOR_MOD).
import { toNumbers } from '../../ir/tensor';
import { attrInt, normAxis } from '../attrs';
import type { OpConverter } from '../types';
import { NUMERIC } from './_elementwise';

const Gather: OpConverter = {
  op: 'Gather', emits: ['GATHER', 'FLOOR_MOD', 'SHAPE'], opset: [1, 23], dtypes: [...NUMERIC, 'bool'], int8: true, micro: true, layout: 'axis',
  convert(node, ctx) {
    const [data, indices] = node.inputs;
    const ds = ctx.dims(data);
    const axis = normAxis(attrInt(node, 'axis', 0), ds.length);
    const idxRank = ctx.rank(indices);
    const x = idxRank <= 1 ? ctx.inputAny(data) : { index: ctx.inputOnnx(data), perm: ds.map((_, i) => i) };
    let idx: number;
    const c = ctx.constant(indices);
    if (c) {
      const vals = toNumbers(c).map((v) => (v < 0 ? v + ds[axis] : v));
      idx = ctx.constInt32(vals, `${node.name}/indices`, c.dims.length ? [...c.dims] : []);
    } else {
      // Computed indices may be negative (counted from the end): wrap them with FLOOR_MOD by the axis size.
      const raw = ctx.inputOnnx(indices);
      const rt = ctx.tensors[raw];
      idx = ctx.temp(rt.shapeSignature ?? rt.shape, 'INT32', `${indices}__wrapped`);
      let size = ctx.constInt32([ds[axis]], `${node.name}/axis_size`, []);
      if (ds[axis] < 0) {
        // The axis is sized at run time: its size from SHAPE.
        const shape = ctx.temp([ds.length], 'INT32', `${node.name}/shape`);
        ctx.emit('SHAPE', [x.index], [shape], { outType: 'INT32' });
        size = ctx.temp([], 'INT32', `${node.name}/axis_size`);
        ctx.emit('GATHER', [shape, ctx.constInt32([x.perm.indexOf(axis)], `${node.name}/axis`, [])], [size], { axis: 0, batchDims: 0 });
      }
      ctx.emit('FLOOR_MOD', [raw, size], [idx]);
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
