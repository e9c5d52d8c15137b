// ONNX Shape of a tensor sized at run time → TFLite SHAPE (INT32, the converter's int64) in ONNX order, sliced by
// start/end (opset 15). The shape of a tensor with static dims is a constant, folded before conversion. A tensor
// stored in another layout (channel-last RoI features) is not moved for it: its stored SHAPE is GATHERed back to ONNX
// order.
import { attrInt } from '../attrs';
import { isIdentity } from '../layout';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import { Emitter } from './_emit';

const Shape: OpConverter = {
  op: 'Shape', emits: ['SHAPE', 'STRIDED_SLICE', 'GATHER'], incidental: ['GATHER'], opset: [1, MAX_OPSET], dtypes: ['float32', 'int32', 'int64', 'bool', 'uint8', 'int8'],
  layout: 'onnx',
  convert(node, ctx) {
    const rank = ctx.rank(node.inputs[0]);
    const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
    const start = clamp(attrInt(node, 'start', 0));
    const end = Math.max(start, clamp(attrInt(node, 'end', rank)));
    const e = new Emitter(ctx, node);
    const { index: x, perm } = ctx.inputAny(node.inputs[0]);
    const out = ctx.output(node.outputs[0], [0]);
    if (!isIdentity(perm)) {
      const all = e.op('SHAPE', [x], [rank], 'INT32', { outType: 'INT32' });
      const idx = Array.from({ length: end - start }, (_, k) => perm.indexOf(start + k));
      ctx.emit('GATHER', [all, ctx.constInt32(idx, `${node.name}/onnx_order`)], [out], { axis: 0, batchDims: 0 });
      return;
    }
    if (start === 0 && end === rank) {
      ctx.emit('SHAPE', [x], [out], { outType: 'INT32' });
      return;
    }
    const all = e.op('SHAPE', [x], [rank], 'INT32', { outType: 'INT32' });
    ctx.emit('STRIDED_SLICE', [all, ctx.constInt32([start], `${node.name}/begin`), ctx.constInt32([end], `${node.name}/end`),
      ctx.constInt32([1], `${node.name}/strides`)], [out], { beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0, offset: false });
  },
};
export default Shape;
