// com.microsoft QLinearSoftmax (onnxruntime's QOperator quantization of Softmax, a lookup table of exponentials
// there): y = quantize(softmax(dequantize(x))) along `axis`, with the axis rule of the Softmax it replaced (`opset`:
// below 13 the input is seen as 2-D at the axis) → dequantized input, TFLite SOFTMAX, requantized (see _qoperator.ts).
import { attrInt } from '../attrs';
import type { OpConverter } from '../types';
import { MAX_OPSET } from '../types';
import { QOP_EMITS, checkOperands, lowerQuantized } from './_qoperator';
import { softmax } from './_softmax';

const inner = softmax('Softmax', 'SOFTMAX', (node) => attrInt(node, 'opset', 13));

const QLinearSoftmax: OpConverter = {
  op: 'QLinearSoftmax', domain: 'com.microsoft', emits: [...new Set([...inner.emits, ...QOP_EMITS])], opset: [1, MAX_OPSET], inputs: [4, 5],
  dtypes: ['uint8', 'int8'], micro: false, layout: inner.layout,
  check: (node, ctx) => checkOperands(node, ctx, [[node.inputs[0], node.inputs[1], node.inputs[2]]]),
  convert(node, ctx) {
    const [x, xs, xz, ys, yz] = node.inputs;
    lowerQuantized(node, ctx, inner, [[x, xs, xz]], ys, yz);
  },
};
export default QLinearSoftmax;
