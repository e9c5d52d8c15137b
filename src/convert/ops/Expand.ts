// ONNX Expand → TFLite BROADCAST_TO to the inferred output shape (on the stored layout).
import type { OpConverter } from '../types';
import { NUMERIC } from './_elementwise';
import { MAX_OPSET } from '../types';

const Expand: OpConverter = {
  op: 'Expand', emits: ['BROADCAST_TO'], opset: [8, MAX_OPSET], inputs: [2, 2], dtypes: [...NUMERIC, 'bool'], layout: 'any',
  convert(node, ctx) {
    const y = node.outputs[0];
    const rank = ctx.rank(y);
    const perm = ctx.commonPerm([node.inputs[0]], rank);
    const x = ctx.inputBroadcast(node.inputs[0], rank, perm);
    const out = ctx.output(y, perm);
    const shape = ctx.tensors[out].shape;
    ctx.emit('BROADCAST_TO', [x, ctx.constInt32(shape, `${node.name}/shape`)], [out], undefined, 2);
  },
};
export default Expand;
