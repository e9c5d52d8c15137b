// ONNX DequantizeLinear → TFLite DEQUANTIZE for computed int8/uint8 tensors (per-tensor); constant inputs (QDQ
// weights and int32 biases, per-axis too) are dequantized here into float32 constants.
import { toNumbers } from '../../ir/tensor';
import type { OpConverter } from '../types';
import { convertConstant, dequantizeValues, qdqParams } from './_qdq';

const DequantizeLinear: OpConverter = {
  op: 'DequantizeLinear', emits: ['DEQUANTIZE'], opset: [10, 23], dtypes: ['int8', 'uint8', 'int32'], int8: true, micro: true, layout: 'any',
  check(node, ctx) {
    const p = qdqParams(node, ctx);
    if (typeof p === 'string') return p;
    if (!ctx.isConstant(node.inputs[0])) {
      const dt = ctx.dtype(node.inputs[0]);
      if (dt !== 'int8' && dt !== 'uint8') return `DequantizeLinear of a computed ${dt} tensor is not supported (int8 and uint8 are)`;
      if (p.scale.length !== 1) return 'per-axis DequantizeLinear of a computed tensor is not supported (per-tensor is)';
    }
    return undefined;
  },
  convert(node, ctx) {
    const { p, done } = convertConstant(node, ctx, (c, q) => ({ dtype: 'float32', data: dequantizeValues(toNumbers(c), c.dims, q) }));
    if (done) return;
    const x = ctx.inputAny(node.inputs[0]);
    const t = ctx.tensors[x.index];
    t.quantization ??= { scale: [p.scale[0]], zeroPoint: [p.zeroPoint[0]], quantizedDimension: 0 };
    const out = ctx.output(node.outputs[0], x.perm, 'FLOAT32');
    ctx.emit('DEQUANTIZE', [x.index], [out], undefined, t.type === 'INT8' ? 2 : 1);
  },
};
export default DequantizeLinear;
