// ONNX QLinearMatMul → dequantized operands (per-row a and per-column b parameters allowed), the MatMul converter in
// float, requantized output (see _qlinear.ts).
import type { OpConverter } from '../types';
import MatMul from './MatMul';
import { Emitter } from './_emit';
import { checkIntMatMul, dequantValue, finish, runFloat } from './_qlinear';
import { MAX_OPSET } from '../types';

const QLinearMatMul: OpConverter = {
  op: 'QLinearMatMul', emits: [...MatMul.emits, 'CAST', 'SUB', 'MUL', 'DIV', 'ROUND', 'ADD', 'MAXIMUM', 'MINIMUM'], opset: [10, MAX_OPSET],
  dtypes: ['uint8', 'int8'], micro: false, layout: 'onnx',
  check: checkIntMatMul,
  convert(node, ctx) {
    const [a, as, az, b, bs, bz, ys, yz] = node.inputs;
    const e = new Emitter(ctx, node);
    const ra = ctx.rank(a);
    const rb = ctx.rank(b);
    finish(e, runFloat(ctx, node, MatMul, [dequantValue(e, a, as, az, ra - 2), dequantValue(e, b, bs, bz, rb - 1)]), ys, yz || undefined);
  },
};
export default QLinearMatMul;
