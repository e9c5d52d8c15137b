// com.microsoft SkipSimplifiedLayerNormalization (onnxruntime's fusion of a residual Add and RMSNorm, LLaMA-style
// decoders): s = input + skip (+ bias), y = s / √(mean(s²) + ε) · gamma over the last axis → TFLite ADD, MUL, MEAN,
// RSQRT in the input's layout. The optional fourth output is s itself (the next residual).
import { attrFloat } from '../attrs';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import { Emitter } from './_emit';

const SkipSimplifiedLayerNormalization: OpConverter = {
  op: 'SkipSimplifiedLayerNormalization', domain: 'com.microsoft', emits: ['ADD', 'MUL', 'MEAN', 'RSQRT'], opset: [1, MAX_OPSET],
  inputs: [3, 4], dtypes: ['float32'], int8: false, micro: false, layout: 'axis',
  check(node, ctx) {
    if (node.outputs[1] || node.outputs[2]) return refuse('unsupported', 'SkipSimplifiedLayerNormalization with mean / inv_std_var outputs is not supported');
    const x = ctx.dims(node.inputs[0]);
    const s = ctx.dims(node.inputs[1]);
    if (x.length !== s.length || x.some((d, i) => d !== s[i])) return refuse('unsupported', `SkipSimplifiedLayerNormalization skip [${s.join(', ')}] differs from the input [${x.join(', ')}]`);
    return undefined;
  },
  convert(node, ctx) {
    const [xName, skip, gamma, bias] = node.inputs;
    const [y, , , sum] = node.outputs;
    const rank = ctx.rank(xName);
    const e = new Emitter(ctx, node);
    const x = ctx.inputAny(xName);
    const added = e.bin('ADD', x.index, ctx.input(skip, x.perm), bias || !sum ? undefined : ctx.output(sum, x.perm));
    const s = bias ? e.bin('ADD', added, ctx.inputBroadcast(bias, rank, x.perm), sum ? ctx.output(sum, x.perm) : undefined) : added;
    const last = [x.perm.indexOf(rank - 1)];
    const inv = e.un('RSQRT', e.bin('ADD', e.reduce('MEAN', e.bin('MUL', s, s), last, true), e.scalar(attrFloat(node, 'epsilon', 1e-5))));
    e.bin('MUL', e.bin('MUL', s, inv), ctx.inputBroadcast(gamma, rank, x.perm), ctx.output(y, x.perm));
  },
};
export default SkipSimplifiedLayerNormalization;
