// com.microsoft DynamicQuantizeMatMul (onnxruntime's optimizer on `quantize_dynamic` output): A is float32 and
// quantized to uint8 inside the op, B is 8-bit with per-tensor or per-column parameters, plus an optional bias →
// MatMul of the float A by B dequantized (a constant), then ADD of the bias. As for the unfused form
// (simplify-ortquant.ts), the activation stays float: TFLite computes exactly what onnxruntime rounds to 1/255 of
// A's range, so the two differ by that rounding and the result is the float model's on the same weights.
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import Add from './Add';
import MatMul from './MatMul';
import { Emitter } from './_emit';
import { QOP_EMITS, checkOperands } from './_qoperator';
import { dequantValue } from './_qlinear';

const DynamicQuantizeMatMul: OpConverter = {
  op: 'DynamicQuantizeMatMul', domain: 'com.microsoft', emits: [...new Set([...MatMul.emits, ...QOP_EMITS])], opset: [1, MAX_OPSET],
  inputs: [3, 5], dtypes: ['float32'], micro: false, layout: MatMul.layout,
  check(node, ctx) {
    const [a, b, bs, bz] = node.inputs;
    if (ctx.rank(a) < 2 || ctx.rank(b) < 2) return refuse('rank', 'DynamicQuantizeMatMul with a 1-D operand is not supported');
    return checkOperands(node, ctx, [[b, bs, bz ?? '']], [b]);
  },
  convert(node, ctx) {
    const [a, b, bs, bz, bias] = node.inputs;
    const e = new Emitter(ctx, node);
    const bf = dequantValue(e, b, bs, bz || undefined, ctx.rank(b) - 1);
    const y = node.outputs[0];
    const mm = bias ? `${node.name}/${y}__matmul` : y;
    if (bias) ctx.declare(mm, 'float32', ctx.shape(y));
    MatMul.convert({ ...node, opType: 'MatMul', domain: '', attrs: new Map(), inputs: [a, bf], outputs: [mm] }, ctx);
    if (bias) Add.convert({ ...node, opType: 'Add', domain: '', attrs: new Map(), inputs: [mm, bias], outputs: [y] }, ctx);
  },
};
export default DynamicQuantizeMatMul;
