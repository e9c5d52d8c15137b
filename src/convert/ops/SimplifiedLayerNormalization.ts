// SimplifiedLayerNormalization (onnxruntime's RMSNorm in the default domain, what its optimizer writes for LLaMA /
// T5-style norms): y = x / √(mean(x²) + ε) · scale over the axes from `axis` on → TFLite MUL, MEAN, ADD, RSQRT in
// the input's layout. The optional second output (inv_std_var) is the RSQRT (kept dims).
import { attrFloat, attrInt, normAxis } from '../attrs';
import type { OpConverter } from '../types';
import { MAX_OPSET } from '../types';
import { Emitter } from './_emit';

const SimplifiedLayerNormalization: OpConverter = {
  op: 'SimplifiedLayerNormalization', emits: ['MUL', 'MEAN', 'ADD', 'RSQRT'], opset: [1, MAX_OPSET], inputs: [2, 2], dtypes: ['float32'], int8: false,
  micro: false, layout: 'axis',
  convert(node, ctx) {
    const [xName, scale] = node.inputs;
    const rank = ctx.rank(xName);
    const axis = normAxis(attrInt(node, 'axis', -1), rank);
    const e = new Emitter(ctx, node);
    const x = ctx.inputAny(xName);
    const axes = x.perm.map((d, i) => (d >= axis ? i : -1)).filter((i) => i >= 0);
    const inv = e.un('RSQRT', e.bin('ADD', e.reduce('MEAN', e.bin('MUL', x.index, x.index), axes, true), e.scalar(attrFloat(node, 'epsilon', 1e-5))),
      node.outputs[1] ? ctx.output(node.outputs[1], x.perm) : undefined);
    e.bin('MUL', e.bin('MUL', x.index, inv), ctx.inputBroadcast(scale, rank, x.perm), ctx.output(node.outputs[0], x.perm));
  },
};
export default SimplifiedLayerNormalization;
