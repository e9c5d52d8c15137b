// ONNX RandomNormalLike (Piper's randn_like(m_p), on a run-time frame count) → RANDOM_STANDARD_NORMAL of SHAPE of the
// input as stored, in the input's layout (_random.ts).
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import { NUMERIC } from './_elementwise';
import { Emitter } from './_emit';
import { emitRandomNormal } from './_random';

const RandomNormalLike: OpConverter = {
  op: 'RandomNormalLike', emits: ['RANDOM_STANDARD_NORMAL', 'SHAPE', 'MUL', 'ADD'], opset: [1, MAX_OPSET], dtypes: NUMERIC,
  layout: 'any', int8: false, micro: false,
  check(node, ctx) {
    if (ctx.dtype(node.outputs[0]) !== 'float32') return refuse('dtype', `RandomNormalLike of ${ctx.dtype(node.outputs[0])} is not supported (float32 only)`);
    return undefined;
  },
  convert(node, ctx) {
    const x = ctx.inputAny(node.inputs[0]);
    const rank = ctx.rank(node.inputs[0]);
    const shape = new Emitter(ctx, node).op('SHAPE', [x.index], [rank], 'INT32', { outType: 'INT32' });
    emitRandomNormal(ctx, node, shape, x.perm);
  },
};
export default RandomNormalLike;
