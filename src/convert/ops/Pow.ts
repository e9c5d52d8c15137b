// ONNX Pow → TFLite SQUARE (exponent 2), SQRT (0.5), RSQRT (-0.5), the input itself (1), or POW.
import { toNumbers } from '../../ir/tensor';
import { tflType } from '../constdata';
import type { OpConverter } from '../types';
import { broadcastPair, emitArith, emitBinary, emitUnary } from './_elementwise';
import { MAX_OPSET } from '../types';

const Pow: OpConverter = {
  op: 'Pow', emits: ['SQUARE', 'SQRT', 'RSQRT', 'POW', 'CAST'], opset: [1, MAX_OPSET], inputs: [2, 2], dtypes: ['float32', 'int32', 'int64'],
  layout: 'any',
  convert(node, ctx) {
    const e = ctx.constant(node.inputs[1]);
    const ev = e && e.dims.reduce((a, b) => a * b, 1) === 1 ? toNumbers(e)[0] : undefined;
    const sameRank = ctx.rank(node.outputs[0]) === ctx.rank(node.inputs[0]);
    if (ev !== undefined && sameRank) {
      if (ev === 2) return emitUnary(ctx, node, 'SQUARE');
      if (ev === 0.5) return emitUnary(ctx, node, 'SQRT');
      if (ev === -0.5) return emitUnary(ctx, node, 'RSQRT');
    }
    if (e && tflType(ctx.dtype(node.inputs[1])) !== tflType(ctx.dtype(node.inputs[0]))) {
      // TFLite POW needs both operands of one type: retype the constant exponent.
      const name = `${node.inputs[1]}__as_${ctx.dtype(node.inputs[0])}`;
      ctx.constants.set(name, { ...e, name, dtype: ctx.dtype(node.inputs[0]),
        data: ctx.dtype(node.inputs[0]) === 'float32' ? Float32Array.from(toNumbers(e)) : Int32Array.from(toNumbers(e)) });
      emitBinary(ctx, node.inputs[0], name, node.outputs[0], 'POW');
      return;
    }
    const [a, b] = node.inputs;
    const { ia, ib, y } = broadcastPair(ctx, a, b, node.outputs[0]);
    const type = ctx.tensors[ia].type;
    if (ctx.tensors[ib].type === type) {
      emitArith(ctx, 'POW', ia, ib, y);
      return;
    }
    // A computed exponent of another type: CAST it to the base's type (the output's type in ONNX).
    const cast = ctx.temp(ctx.tensors[ib].shape, type, `${b}__as_${type.toLowerCase()}`);
    ctx.emit('CAST', [ib], [cast]);
    ctx.emit('POW', [ia, cast], [y]);
  },
};
export default Pow;
