// com.microsoft QLinearAveragePool (onnxruntime's QOperator quantization): the float AveragePool of the dequantized
// input, requantized → TFLite AVERAGE_POOL_2D between a dequantize and a quantize (see _qoperator.ts). channels_last = 1
// (an NHWC input, which onnxruntime's quantizer writes only for NHWC models) is refused.
import { attrInt } from '../attrs';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import AveragePool from './AveragePool';
import { QOP_EMITS, attrsWithout, checkOperands, lowerQuantized } from './_qoperator';

const QLinearAveragePool: OpConverter = {
  op: 'QLinearAveragePool', domain: 'com.microsoft', emits: [...new Set([...AveragePool.emits, ...QOP_EMITS])], opset: [1, MAX_OPSET], inputs: [4, 5],
  dtypes: ['uint8', 'int8'], micro: false, layout: AveragePool.layout,
  check(node, ctx) {
    if (attrInt(node, 'channels_last', 0) !== 0) return refuse('attribute', `${node.opType} with channels_last = 1 is not supported`);
    return checkOperands(node, ctx, [[node.inputs[0], node.inputs[1], node.inputs[2]]]);
  },
  convert(node, ctx) {
    const [x, xs, xz, ys, yz] = node.inputs;
    lowerQuantized(node, ctx, AveragePool, [[x, xs, xz]], ys, yz, { attrs: attrsWithout(node, 'channels_last') });
  },
};
export default QLinearAveragePool;
