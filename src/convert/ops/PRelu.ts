// ONNX PRelu → TFLite PRELU (slope broadcast to the input's layout). Opsets < 7 apply a 1-D slope of the channel
// count per channel (axis 1); later opsets broadcast it numpy-style onto X (unidirectionally: the output has X's
// shape). A slope that does not broadcast onto X is refused rather than written into a PRELU LiteRT cannot prepare.
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import { preluSlopeShape, reshapedValue } from './_legacy';

function slopeDims(x: number[], s: number[], opset: number): number[] | string {
  const dims = preluSlopeShape(opset, x, s);
  const fits = dims.length <= x.length && dims.every((d, i) => d === 1 || d === x[x.length - dims.length + i]);
  return fits ? dims : `PRelu slope [${s.join(', ')}] does not broadcast onto the input [${x.join(', ')}]`;
}

const PRelu: OpConverter = {
  op: 'PRelu', emits: ['PRELU', 'RESHAPE'], opset: [1, MAX_OPSET], dtypes: ['float32'], layout: 'any',
  check(node, ctx) {
    const d = slopeDims(ctx.shape(node.inputs[0]), ctx.shape(node.inputs[1]), ctx.opset);
    return typeof d === 'string' ? refuse('unsupported', d) : undefined;
  },
  convert(node, ctx) {
    const y = node.outputs[0];
    const rank = ctx.rank(y);
    const perm = ctx.commonPerm([node.inputs[0]], rank);
    const x = ctx.input(node.inputs[0], perm);
    const dims = slopeDims(ctx.shape(node.inputs[0]), ctx.shape(node.inputs[1]), ctx.opset) as number[];
    const slope = ctx.inputBroadcast(reshapedValue(ctx, node.inputs[1], dims), rank, perm);
    ctx.emit('PRELU', [x, slope], [ctx.output(y, perm)]);
  },
};
export default PRelu;
