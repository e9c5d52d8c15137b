// com.microsoft QLinearConcat (onnxruntime's QOperator quantization): inputs Y_scale, Y_zero_point, then (X, scale,
// zero point) per joined tensor; each is dequantized, joined by TFLite CONCATENATION, and requantized with the
// output's parameters (see _qoperator.ts).
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import Concat from './Concat';
import { QOP_EMITS, checkOperands, lowerQuantized } from './_qoperator';
import type { Operand } from './_qoperator';

function operands(inputs: string[]): Operand[] {
  const out: Operand[] = [];
  for (let i = 2; i + 2 < inputs.length + 1; i += 3) out.push([inputs[i], inputs[i + 1] ?? '', inputs[i + 2] ?? '']);
  return out;
}

const QLinearConcat: OpConverter = {
  op: 'QLinearConcat', domain: 'com.microsoft', emits: [...new Set([...Concat.emits, ...QOP_EMITS])], opset: [1, MAX_OPSET],
  inputs: [5, Infinity], dtypes: ['float32'], micro: false, layout: Concat.layout,
  check(node, ctx) {
    if ((node.inputs.length - 2) % 3 !== 0) return refuse('unsupported', 'QLinearConcat takes (X, scale, zero point) triples after Y_scale and Y_zero_point');
    return checkOperands(node, ctx, operands(node.inputs));
  },
  convert(node, ctx) {
    lowerQuantized(node, ctx, Concat, operands(node.inputs), node.inputs[0], node.inputs[1]);
  },
};
export default QLinearConcat;
