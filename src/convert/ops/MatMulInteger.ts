// ONNX MatMulInteger → zero-point-shifted operands as float (per-row a and per-column b zero points allowed), the
// MatMul converter, the int32 result rounded (see _qlinear.ts).
import type { OpConverter } from '../types';
import MatMul from './MatMul';
import { Emitter } from './_emit';
import { checkIntMatMul, dequantValue, finish, runFloat } from './_qlinear';
import { MAX_OPSET } from '../types';

const MatMulInteger: OpConverter = {
  op: 'MatMulInteger', emits: [...MatMul.emits, 'CAST', 'SUB', 'ROUND'], opset: [10, MAX_OPSET], dtypes: ['uint8', 'int8'],
  micro: false, layout: 'onnx',
  check: checkIntMatMul,
  convert(node, ctx) {
    const [a, b, az, bz] = node.inputs;
    const e = new Emitter(ctx, node);
    finish(e, runFloat(ctx, node, MatMul, [dequantValue(e, a, undefined, az || undefined, ctx.rank(a) - 2),
      dequantValue(e, b, undefined, bz || undefined, ctx.rank(b) - 1)]));
  },
};
export default MatMulInteger;
