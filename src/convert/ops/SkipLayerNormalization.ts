// com.microsoft SkipLayerNormalization (onnxruntime's fusion of a transformer's residual Add and LayerNorm):
// s = input + skip (+ bias), y = (s - mean) · rsqrt(var + eps) · gamma (+ beta) over the last axis → TFLite ADD,
// MEAN, SUB, MUL, RSQRT in the input's layout. The optional fourth output is s itself (the next residual).
import { attrFloat } from '../attrs';
import type { OpConverter } from '../types';
import { MAX_OPSET } from '../types';
import { Emitter } from './_emit';
import { moments, skipCheck, skipSum } from './_norm';

const SkipLayerNormalization: OpConverter = {
  op: 'SkipLayerNormalization', domain: 'com.microsoft', emits: ['ADD', 'MEAN', 'SUB', 'MUL', 'RSQRT'], opset: [1, MAX_OPSET],
  inputs: [3, 5], dtypes: ['float32'], int8: false, micro: false, layout: 'axis',
  check: (node, ctx) => skipCheck(node, ctx, 'SkipLayerNormalization'),
  convert(node, ctx) {
    const [xName, , gamma, beta, bias] = node.inputs;
    const [y] = node.outputs;
    const rank = ctx.rank(xName);
    const e = new Emitter(ctx, node);
    const x = ctx.inputAny(xName);
    const s = skipSum(e, ctx, node, x, bias);
    const m = moments(e, s, [x.perm.indexOf(rank - 1)]);
    const inv = e.un('RSQRT', e.bin('ADD', m.variance, e.scalar(attrFloat(node, 'epsilon', 1e-12))));
    const out = ctx.output(y, x.perm);
    const scaled = e.bin('MUL', e.bin('MUL', m.centered, inv), ctx.inputBroadcast(gamma, rank, x.perm), beta ? undefined : out);
    if (beta) e.bin('ADD', scaled, ctx.inputBroadcast(beta, rank, x.perm), out);
  },
};
export default SkipLayerNormalization;
