// ONNX DequantizeLinear: (x - zero_point) · scale of an 8- or 16-bit input → TFLite CAST to float, SUB, MUL (see _qdq.ts). int32 inputs are
// QDQ models' biases (scale = input scale · weight scale, zero point 0): constant ones fold (src/ir/fold.ts).
import type { OpConverter } from '../types';
import { Emitter } from './_emit';
import { QTYPES, emitDequantize, qdqCheck } from './_qdq';
import { MAX_OPSET } from '../types';

const DequantizeLinear: OpConverter = {
  op: 'DequantizeLinear', emits: ['CAST', 'SUB', 'MUL', 'RESHAPE'], opset: [10, MAX_OPSET], inputs: [2, 3], dtypes: [...QTYPES, 'int32'], micro: false,
  layout: 'any',
  check(node, ctx) {
    return qdqCheck(node, ctx, ctx.dtype(node.inputs[0]), [...QTYPES, 'int32']);
  },
  convert(node, ctx) {
    const [xName, scale, zp] = node.inputs;
    const x = ctx.inputAny(xName);
    emitDequantize(new Emitter(ctx, node), x.index, x.perm, scale, zp || undefined, ctx.output(node.outputs[0], x.perm));
  },
};
export default DequantizeLinear;
