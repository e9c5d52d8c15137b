// ONNX GlobalAveragePool → TFLite MEAN over the spatial axes, keeping dims (in whatever layout the input has).
import type { OpConverter } from '../types';
import { emitReduce } from './_reduce';

const GlobalAveragePool: OpConverter = {
  op: 'GlobalAveragePool', emits: ['MEAN'], opset: [1, 23], dtypes: ['float32'], int8: true, micro: true, layout: 'axis',
  convert(node, ctx) {
    const rank = ctx.rank(node.inputs[0]);
    emitReduce(ctx, node, 'MEAN', Array.from({ length: rank - 2 }, (_, i) => i + 2), true);
  },
};
export default GlobalAveragePool;
