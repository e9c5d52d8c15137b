// Shared conversion for ops that only change a tensor's dims (Reshape, Flatten, Squeeze, Unsqueeze):
// a TFLite RESHAPE on the stored layout when the data order allows it, else on the ONNX order.
import type { Node } from '../../ir/types';
import type { ConvertContext } from '../context';
import { identity, isIdentity, reshapeLayout } from '../layout';
import type { OpConverter } from '../types';
import { NUMERIC } from './_elementwise';

export function emitReshape(ctx: ConvertContext, x: string, y: string): void {
  const inDims = ctx.shape(x);
  const outDims = ctx.shape(y);
  const have = ctx.permOf(x);
  let perm = identity(outDims.length);
  let src: number;
  const mapped = isIdentity(have) ? undefined : reshapeLayout(inDims, outDims, have);
  if (mapped) {
    src = ctx.input(x, have);
    perm = mapped;
  } else {
    src = ctx.inputOnnx(x);
  }
  const out = ctx.output(y, perm);
  const shape = ctx.tensors[out].shape;
  ctx.emit('RESHAPE', [src, ctx.constInt32(shape, `${y}__shape`)], [out], { newShape: shape });
}

export function reshapeLike(op: string, check?: (node: Node, ctx: ConvertContext) => string | undefined): OpConverter {
  return {
    op, emits: ['RESHAPE'], opset: [1, 23], dtypes: [...NUMERIC, 'bool'], int8: true, micro: true, layout: 'axis', check,
    convert(node, ctx) { emitReshape(ctx, node.inputs[0], node.outputs[0]); },
  };
}
