// ONNX PRelu → TFLite PRELU (slope broadcast to the input's layout).
import type { OpConverter } from '../types';

const PRelu: OpConverter = {
  op: 'PRelu', emits: ['PRELU'], opset: [1, 23], dtypes: ['float32'], int8: true, micro: true, layout: 'any',
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
