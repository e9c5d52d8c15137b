// ONNX QuantizeLinear: saturate(round(x / scale) + zero_point) → TFLite DIV, ROUND (half to even, as ONNX), ADD,
// MAXIMUM, MINIMUM, CAST to the 8- or 16-bit type, in float (see _qdq.ts).
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import { Emitter } from './_emit';
import { emitQuantize, qdqCheck } from './_qdq';

const QuantizeLinear: OpConverter = {
  op: 'QuantizeLinear', emits: ['DIV', 'ROUND', 'ADD', 'MAXIMUM', 'MINIMUM', 'CAST', 'RESHAPE'], opset: [10, MAX_OPSET], inputs: [2, 3], dtypes: ['float32'],
  micro: false, layout: 'any',
  check(node, ctx) {
    const qtype = node.inputs[2] ? ctx.dtype(node.inputs[2]) : 'uint8';
    return ctx.dtype(node.inputs[0]) !== 'float32' ? refuse('dtype', 'QuantizeLinear of a non-float32 input is not supported') : qdqCheck(node, ctx, qtype);
  },
  convert(node, ctx) {
    const [xName, scale, zp] = node.inputs;
    const x = ctx.inputAny(xName);
    const e = new Emitter(ctx, node);
    const out = ctx.output(node.outputs[0], x.perm);
    emitQuantize(e, x.index, x.perm, scale, zp || undefined, out);
  },
};
export default QuantizeLinear;
