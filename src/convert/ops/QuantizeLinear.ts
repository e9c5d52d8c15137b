// ONNX QuantizeLinear → TFLite QUANTIZE (per-tensor scale and zero point on the output tensor). With
// `--quantize int8`, QuantizeLinear → DequantizeLinear pairs fold away and their parameters become the int8 model's
// (src/quantize/qdq.ts). A constant input is quantized here.
import { toFloat32 } from '../../ir/tensor';
import type { OpConverter } from '../types';
import { convertConstant, qdqParams, quantizeValues } from './_qdq';

const QuantizeLinear: OpConverter = {
  op: 'QuantizeLinear', emits: ['QUANTIZE'], opset: [10, 23], dtypes: ['float32'], int8: true, micro: true, layout: 'any',
  check(node, ctx) {
    const p = qdqParams(node, ctx);
    if (typeof p === 'string') return p;
    if (p.outType !== 'int8' && p.outType !== 'uint8') return `QuantizeLinear to ${p.outType} is not supported (int8 and uint8 are)`;
    if (!ctx.isConstant(node.inputs[0]) && p.scale.length !== 1) return 'per-axis QuantizeLinear of a computed tensor is not supported (per-tensor is)';
    return undefined;
  },
  convert(node, ctx) {
    const { p, done } = convertConstant(node, ctx, (c, q) => ({ dtype: q.outType, data: quantizeValues(toFloat32(c), c.dims, q) }));
    if (done) return;
    const x = ctx.inputAny(node.inputs[0]);
    const out = ctx.output(node.outputs[0], x.perm, p.outType === 'int8' ? 'INT8' : 'UINT8');
    ctx.tensors[out].quantization = { scale: [p.scale[0]], zeroPoint: [p.zeroPoint[0]], quantizedDimension: 0 };
    ctx.emit('QUANTIZE', [x.index], [out]);
  },
};
export default QuantizeLinear;
