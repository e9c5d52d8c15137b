// ONNX Split → TFLite SPLIT (equal parts) or SPLIT_V (given sizes) along the remapped axis.
import { toNumbers } from '../../ir/tensor';
import { attrInt, attrInts, normAxis } from '../attrs';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import { NUMERIC } from './_elementwise';

const Split: OpConverter = {
  op: 'Split', emits: ['SPLIT', 'SPLIT_V'], opset: [1, MAX_OPSET], dtypes: NUMERIC, layout: 'axis',
  check(node, ctx) {
    if (node.inputs[1] && !ctx.isConstant(node.inputs[1])) return refuse('computed-input', 'Split with non-constant split sizes is not supported');
    return undefined;
  },
  convert(node, ctx) {
    const x = ctx.inputAny(node.inputs[0]);
    const xs = ctx.shape(node.inputs[0]);
    const axis = normAxis(attrInt(node, 'axis', 0), xs.length);
    const tAxis = x.perm.indexOf(axis);
    const sizes = node.inputs[1] ? toNumbers(ctx.constant(node.inputs[1])!) : attrInts(node, 'split');
    const outs = node.outputs.map((o) => ctx.output(o, x.perm));
    const axisT = ctx.constInt32([tAxis], `${node.name}/axis`, []);
    const equal = !sizes || sizes.every((s) => s === sizes[0]);
    if (equal && xs[axis] % node.outputs.length === 0) {
      ctx.emit('SPLIT', [axisT, x.index], outs, { numSplits: node.outputs.length });
    } else {
      const sz = sizes ?? node.outputs.map((o) => ctx.shape(o)[axis]);
      ctx.emit('SPLIT_V', [x.index, ctx.constInt32(sz, `${node.name}/sizes`), axisT], outs, { numSplits: node.outputs.length });
    }
  },
};
export default Split;
