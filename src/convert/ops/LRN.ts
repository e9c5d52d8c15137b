// ONNX LRN (odd size) → TFLite LOCAL_RESPONSE_NORMALIZATION over the channels, channel-last: radius (size-1)/2 and
// alpha/size (TFLite sums squares without dividing by the window size).
import { attrFloat, attrInt } from '../attrs';
import { channelLast } from '../layout';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';

const LRN: OpConverter = {
  op: 'LRN', emits: ['LOCAL_RESPONSE_NORMALIZATION'], opset: [1, MAX_OPSET], inputs: [1, 1], dtypes: ['float32'], layout: 'spatial',
  check(node, ctx) {
    if (ctx.rank(node.inputs[0]) !== 4) return refuse('rank', 'LRN is supported on 4-D NCHW inputs only');
    const size = attrInt(node, 'size', 1);
    if (size % 2 === 0) return refuse('unsupported', `LRN with an even size (${size}) has an asymmetric window that TFLite's LOCAL_RESPONSE_NORMALIZATION lacks`);
    return undefined;
  },
  convert(node, ctx) {
    const size = attrInt(node, 'size', 1);
    const x = ctx.inputChannelLast(node.inputs[0]);
    ctx.emit('LOCAL_RESPONSE_NORMALIZATION', [x], [ctx.output(node.outputs[0], channelLast(4))], {
      radius: (size - 1) / 2, bias: attrFloat(node, 'bias', 1), alpha: attrFloat(node, 'alpha', 0.0001) / size, beta: attrFloat(node, 'beta', 0.75),
    });
  },
};
export default LRN;
