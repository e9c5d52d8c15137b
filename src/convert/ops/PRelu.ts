// ONNX PRelu → TFLite PRELU (slope broadcast to the input's layout).
import type { OpConverter } from '../types';
import { MAX_OPSET } from '../types';

const PRelu: OpConverter = {
  op: 'PRelu', emits: ['PRELU'], opset: [1, MAX_OPSET], dtypes: ['float32'], layout: 'any',
  convert(node, ctx) {
    const y = node.outputs[0];
    const rank = ctx.rank(y);
    const perm = ctx.commonPerm([node.inputs[0]], rank);
    const x = ctx.input(node.inputs[0], perm);
    const slope = ctx.inputBroadcast(node.inputs[1], rank, perm);
    ctx.emit('PRELU', [x, slope], [ctx.output(y, perm)]);
  },
};
export default PRelu;
