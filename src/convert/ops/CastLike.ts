// ONNX CastLike: Cast to the element type of a second input → the Cast converter's TFLite CAST.
import { tflType } from '../constdata';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import Cast from './Cast';

const CastLike: OpConverter = {
  ...Cast, op: 'CastLike', opset: [15, MAX_OPSET], inputs: [2, 2],
  check(node, ctx) {
    const to = ctx.dtype(node.inputs[1]);
    const from = ctx.dtype(node.inputs[0]);
    if (to === 'string' || !tflType(to)) return refuse('dtype', `CastLike to ${to} is not supported`);
    if (from === 'string') return refuse('dtype', 'CastLike from string (parsing numbers) has no TFLite builtin; parse the strings before the model');
    if (!tflType(from)) return refuse('dtype', `CastLike from ${from} is not supported`);
    return undefined;
  },
};
export default CastLike;
