// ONNX DepthToSpace → TFLite DEPTH_TO_SPACE, channel-last (TFLite's order is ONNX's DCR mode). CRD mode first
// reorders the channels into DCR order with a constant GATHER on the channel axis (not for one output channel, where
// both orders are one; a CRD one fed by a Conv alone takes the Conv's channels in DCR order: simplify-pixel-shuffle.ts).
import { attrInt, attrString } from '../attrs';
import { channelLast } from '../layout';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import { Emitter } from './_emit';

const DepthToSpace: OpConverter = {
  op: 'DepthToSpace', emits: ['DEPTH_TO_SPACE', 'GATHER'], opset: [1, MAX_OPSET], inputs: [1, 1], dtypes: ['float32', 'int32', 'int64', 'uint8', 'int8'],
  layout: 'spatial',
  check(node, ctx) {
    if (ctx.rank(node.inputs[0]) !== 4) return refuse('rank', 'DepthToSpace needs a 4-D NCHW input');
    return undefined;
  },
  convert(node, ctx) {
    const b = attrInt(node, 'blocksize', 1);
    const e = new Emitter(ctx, node);
    let x = ctx.inputChannelLast(node.inputs[0]);
    const C = e.shape(x)[3];
    const cOut = C / (b * b);
    if (attrString(node, 'mode', 'DCR') === 'CRD' && cOut > 1) {
      // DCR reads channel (i·b + j)·C' + c where CRD reads c·b² + i·b + j (the same for one output channel).
      const idx = Array.from({ length: C }, (_, k) => (k % cOut) * b * b + Math.floor(k / cOut));
      x = e.op('GATHER', [x, ctx.constInt32(idx, `${node.name}/crd_to_dcr`)], e.shape(x), e.type(x), { axis: 3, batchDims: 0 });
    }
    ctx.emit('DEPTH_TO_SPACE', [x], [ctx.output(node.outputs[0], channelLast(4))], { blockSize: b });
  },
};
export default DepthToSpace;
