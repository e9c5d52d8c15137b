// ONNX ConvInteger → zero-point-shifted operands as float, the Conv converter, the int32 result rounded
// (see _qlinear.ts).
import type { OpConverter } from '../types';
import Conv from './Conv';
import { Emitter } from './_emit';
import { checkIntConv, dequantValue, finish, runFloat } from './_qlinear';
import { MAX_OPSET } from '../types';

const ConvInteger: OpConverter = {
  op: 'ConvInteger', emits: [...Conv.emits, 'CAST', 'SUB', 'ROUND'], opset: [10, MAX_OPSET], dtypes: ['uint8', 'int8'], micro: false,
  layout: 'spatial',
  check(node, ctx) {
    return checkIntConv(node, ctx, node.inputs[1]);
  },
  convert(node, ctx) {
    const [x, w, xz, wz] = node.inputs;
    const e = new Emitter(ctx, node);
    finish(e, runFloat(ctx, node, Conv, [dequantValue(e, x, undefined, xz || undefined, 1), dequantValue(e, w, undefined, wz || undefined, 0)]));
  },
};
export default ConvInteger;
