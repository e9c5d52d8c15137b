// com.microsoft QLinearSigmoid (onnxruntime's QOperator quantization, a lookup table there): y = quantize(sigmoid(dequantize(x))) →
// dequantized input, TFLite LOGISTIC, requantized (see _qoperator.ts).
import type { OpConverter } from '../types';
import { MAX_OPSET } from '../types';
import Sigmoid from './Sigmoid';
import { QOP_EMITS, checkOperands, lowerQuantized } from './_qoperator';

const QLinearSigmoid: OpConverter = {
  op: 'QLinearSigmoid', domain: 'com.microsoft', emits: [...new Set([...Sigmoid.emits, ...QOP_EMITS])], opset: [1, MAX_OPSET], inputs: [4, 5],
  dtypes: ['uint8', 'int8'], micro: false, layout: Sigmoid.layout,
  check: (node, ctx) => checkOperands(node, ctx, [[node.inputs[0], node.inputs[1], node.inputs[2]]]),
  convert(node, ctx) {
    const [x, xs, xz, ys, yz] = node.inputs;
    lowerQuantized(node, ctx, Sigmoid, [[x, xs, xz]], ys, yz);
  },
};
export default QLinearSigmoid;
