// com.microsoft QLinearWhere (onnxruntime's QOperator quantization of Where): z = quantize(cond ? dequantize(x) :
// dequantize(y)) with z's scale and zero point → dequantized operands, TFLite SELECT_V2, requantized (see _qoperator.ts).
import type { OpConverter } from '../types';
import { MAX_OPSET } from '../types';
import Where from './Where';
import { QOP_EMITS, checkOperands, lowerQuantized } from './_qoperator';

const QLinearWhere: OpConverter = {
  op: 'QLinearWhere', domain: 'com.microsoft', emits: [...new Set([...Where.emits, ...QOP_EMITS])], opset: [1, MAX_OPSET], inputs: [9, 9],
  dtypes: ['bool'], micro: false, layout: 'any',
  check: (node, ctx) => checkOperands(node, ctx, [[node.inputs[1], node.inputs[2], node.inputs[3]], [node.inputs[4], node.inputs[5], node.inputs[6]]]),
  convert(node, ctx) {
    const [c, x, xs, xz, y, ys, yz, zs, zz] = node.inputs;
    lowerQuantized(node, ctx, Where, [[x, xs, xz], [y, ys, yz]], zs, zz, { attrs: new Map(), lead: [c] });
  },
};
export default QLinearWhere;
