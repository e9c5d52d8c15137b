// ONNX QLinearConv → dequantized operands, the Conv converter in float, requantized output (see _qlinear.ts).
// The int32 bias (scale x_scale · w_scale, zero point 0) must be constant.
import { makeTensor, toNumbers } from '../../ir/tensor';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import Conv from './Conv';
import { Emitter } from './_emit';
import { checkIntConv, dequantValue, finish, runFloat } from './_qlinear';

const QLinearConv: OpConverter = {
  op: 'QLinearConv', emits: [...Conv.emits, 'CAST', 'SUB', 'MUL', 'DIV', 'ROUND', 'ADD', 'MAXIMUM', 'MINIMUM'], opset: [10, MAX_OPSET],
  dtypes: ['uint8', 'int8'], micro: false, layout: 'spatial',
  check(node, ctx) {
    const [, xs, , w, ws, , , , b] = node.inputs;
    if (b && !(ctx.isConstant(b) && ctx.isConstant(xs) && ctx.isConstant(ws))) return refuse('computed-input', 'QLinearConv with a computed bias or scales for it is not supported');
    return checkIntConv(node, ctx, w);
  },
  convert(node, ctx) {
    const [x, xs, xz, w, ws, wz, ys, yz, b] = node.inputs;
    const e = new Emitter(ctx, node);
    const inputs = [dequantValue(e, x, xs, xz, 1), dequantValue(e, w, ws, wz, 0)];
    if (b) {
      const key = `${node.name}/${b}__float`;
      const sx = toNumbers(ctx.constant(xs)!)[0];
      const sw = toNumbers(ctx.constant(ws)!);
      ctx.constants.set(key, makeTensor(key, 'float32', ctx.shape(b), toNumbers(ctx.constant(b)!).map((v, i) => v * sx * (sw[i] ?? sw[0]))));
      inputs.push(key);
    }
    finish(e, runFloat(ctx, node, Conv, inputs), ys, yz || undefined);
  },
};
export default QLinearConv;
