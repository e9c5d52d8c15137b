// com.microsoft SkipSimplifiedLayerNormalization (onnxruntime's fusion of a residual Add and RMSNorm, LLaMA-style
// decoders): s = input + skip (+ bias), y = s / √(mean(s²) + ε) · gamma over the last axis → TFLite ADD, MUL, MEAN,
// RSQRT in the input's layout. The optional fourth output is s itself (the next residual).
import { attrFloat } from '../attrs';
import type { OpConverter } from '../types';
import { MAX_OPSET } from '../types';
import { Emitter } from './_emit';
import { skipCheck, skipSum } from './_norm';

const SkipSimplifiedLayerNormalization: OpConverter = {
  op: 'SkipSimplifiedLayerNormalization', domain: 'com.microsoft', emits: ['ADD', 'MUL', 'MEAN', 'RSQRT'], opset: [1, MAX_OPSET],
  inputs: [3, 4], dtypes: ['float32'], int8: false, micro: false, layout: 'axis',
  check: (node, ctx) => skipCheck(node, ctx, 'SkipSimplifiedLayerNormalization'),
  convert(node, ctx) {
    const [xName, , gamma, bias] = node.inputs;
    const [y] = node.outputs;
    const rank = ctx.rank(xName);
    const e = new Emitter(ctx, node);
    const x = ctx.inputAny(xName);
    const s = skipSum(e, ctx, node, x, bias);
    const last = [x.perm.indexOf(rank - 1)];
    const inv = e.un('RSQRT', e.bin('ADD', e.reduce('MEAN', e.bin('MUL', s, s), last, true), e.scalar(attrFloat(node, 'epsilon', 1e-5))));
    e.bin('MUL', e.bin('MUL', s, inv), ctx.inputBroadcast(gamma, rank, x.perm), ctx.output(y, x.perm));
  },
};
export default SkipSimplifiedLayerNormalization;
