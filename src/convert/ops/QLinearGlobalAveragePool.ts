// com.microsoft QLinearGlobalAveragePool (onnxruntime's QOperator quantization): the float GlobalAveragePool of the dequantized
// input, requantized → TFLite MEAN between a dequantize and a quantize (see _qoperator.ts). channels_last = 1 (an
// NHWC input [N, H, W, C], which onnxruntime's quantizer writes for NHWC models) averages axes 1 .. rank-2 instead.
import type { AttrValue } from '../../ir/types';
import { attrInt } from '../attrs';
import type { OpConverter } from '../types';
import { MAX_OPSET } from '../types';
import GlobalAveragePool from './GlobalAveragePool';
import ReduceMean from './ReduceMean';
import { QOP_EMITS, attrsWithout, checkOperands, lowerQuantized } from './_qoperator';

const QLinearGlobalAveragePool: OpConverter = {
  op: 'QLinearGlobalAveragePool', domain: 'com.microsoft', emits: [...new Set([...GlobalAveragePool.emits, ...ReduceMean.emits, ...QOP_EMITS])],
  opset: [1, MAX_OPSET], inputs: [4, 5], dtypes: ['uint8', 'int8'], micro: false, layout: GlobalAveragePool.layout,
  check: (node, ctx) => checkOperands(node, ctx, [[node.inputs[0], node.inputs[1], node.inputs[2]]]),
  convert(node, ctx) {
    const [x, xs, xz, ys, yz] = node.inputs;
    if (attrInt(node, 'channels_last', 0) !== 1) {
      lowerQuantized(node, ctx, GlobalAveragePool, [[x, xs, xz]], ys, yz, { attrs: attrsWithout(node, 'channels_last') });
      return;
    }
    const rank = ctx.rank(x);
    const axes = { type: 'ints' as const, value: Array.from({ length: rank - 2 }, (_, i) => i + 1) };
    lowerQuantized(node, ctx, ReduceMean, [[x, xs, xz]], ys, yz, { attrs: new Map<string, AttrValue>([['axes', axes], ['keepdims', { type: 'int', value: 1 }]]) });
  },
};
export default QLinearGlobalAveragePool;
