// ONNX LeakyRelu → TFLite LEAKY_RELU.
import { attrFloat } from '../attrs';
import type { OpConverter } from '../types';
import { emitUnary } from './_elementwise';
import { MAX_OPSET } from '../types';

const LeakyRelu: OpConverter = {
  op: 'LeakyRelu', emits: ['LEAKY_RELU'], opset: [1, MAX_OPSET], inputs: [1, 1], dtypes: ['float32'], layout: 'any',
  convert(node, ctx) {
    emitUnary(ctx, node, 'LEAKY_RELU', { alpha: attrFloat(node, 'alpha', 0.01) });
  },
};
export default LeakyRelu;
