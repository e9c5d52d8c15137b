// ONNX SpaceToDepth → TFLite SPACE_TO_DEPTH, channel-last (same block order as ONNX).
import { attrInt } from '../attrs';
import { channelLast } from '../layout';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';

const SpaceToDepth: OpConverter = {
  op: 'SpaceToDepth', emits: ['SPACE_TO_DEPTH'], opset: [1, MAX_OPSET], inputs: [1, 1], dtypes: ['float32', 'int32', 'int64', 'uint8', 'int8'],
  layout: 'spatial',
  check(node, ctx) {
    if (ctx.rank(node.inputs[0]) !== 4) return refuse('rank', 'SpaceToDepth needs a 4-D NCHW input');
    return undefined;
  },
  convert(node, ctx) {
    const x = ctx.inputChannelLast(node.inputs[0]);
    ctx.emit('SPACE_TO_DEPTH', [x], [ctx.output(node.outputs[0], channelLast(4))], { blockSize: attrInt(node, 'blocksize', 1) });
  },
};
export default SpaceToDepth;
