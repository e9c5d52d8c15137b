// ONNX Gather → TFLite GATHER along the remapped axis (negative indices normalized: constants here, computed ones
// with FLOOR_MOD).
import { toNumbers } from '../../ir/tensor';
import { attrInt, normAxis } from '../attrs';
import type { OpConverter } from '../types';
import { NUMERIC } from './_elementwise';
import { MAX_OPSET } from '../types';

const Gather: OpConverter = {
  op: 'Gather', emits: ['GATHER', 'FLOOR_MOD'], incidental: ['FLOOR_MOD'] /* on the indices only */, opset: [1, MAX_OPSET], dtypes: [...NUMERIC, 'bool'], layout: 'axis',
  convert(node, ctx) {
    const [data, indices] = node.inputs;
    const ds = ctx.shape(data);
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
      idx = ctx.temp(ctx.tensors[raw].shape, 'INT32', `${indices}__wrapped`);
      ctx.emit('FLOOR_MOD', [raw, ctx.constInt32([ds[axis]], `${node.name}/axis_size`, [])], [idx]);
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
