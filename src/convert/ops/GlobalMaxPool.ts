// ONNX GlobalMaxPool → TFLite REDUCE_MAX over the spatial axes, keeping dims (in whatever layout the input has).
import type { OpConverter } from '../types';
import { emitReduce } from './_reduce';

const GlobalMaxPool: OpConverter = {
  op: 'GlobalMaxPool', emits: ['REDUCE_MAX'], opset: [1, 23], dtypes: ['float32'], int8: true, micro: true, layout: 'axis',
  convert(node, ctx) {
    const rank = ctx.rank(node.inputs[0]);
    emitReduce(ctx, node, 'REDUCE_MAX', Array.from({ length: rank - 2 }, (_, i) => i + 2), true);
  },
};
export default GlobalMaxPool;
