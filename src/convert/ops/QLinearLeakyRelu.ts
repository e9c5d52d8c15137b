// com.microsoft QLinearLeakyRelu (onnxruntime's QOperator quantization, a lookup table there): y = quantize(leaky_relu(dequantize(x), alpha)) →
// dequantized input, TFLite LEAKY_RELU, requantized (see _qoperator.ts).
import type { OpConverter } from '../types';
import { MAX_OPSET } from '../types';
import LeakyRelu from './LeakyRelu';
import { QOP_EMITS, checkOperands, lowerQuantized } from './_qoperator';

const QLinearLeakyRelu: OpConverter = {
  op: 'QLinearLeakyRelu', domain: 'com.microsoft', emits: [...new Set([...LeakyRelu.emits, ...QOP_EMITS])], opset: [1, MAX_OPSET], inputs: [4, 5],
  dtypes: ['uint8', 'int8'], micro: false, layout: LeakyRelu.layout,
  check: (node, ctx) => checkOperands(node, ctx, [[node.inputs[0], node.inputs[1], node.inputs[2]]]),
  convert(node, ctx) {
    const [x, xs, xz, ys, yz] = node.inputs;
    lowerQuantized(node, ctx, LeakyRelu, [[x, xs, xz]], ys, yz);
  },
};
export default QLinearLeakyRelu;
