// ONNX InstanceNormalization → TFLite MEAN over the spatial axes (remapped to the input's layout, usually
// channel-last), SUB, MUL, RSQRT and the per-channel scale and bias.
import { attrFloat } from '../attrs';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import { Emitter } from './_emit';
import { channelVector, moments } from './_norm';

const InstanceNormalization: OpConverter = {
  op: 'InstanceNormalization', emits: ['MEAN', 'SUB', 'MUL', 'ADD', 'RSQRT', 'RESHAPE'], opset: [1, MAX_OPSET], inputs: [3, 3], dtypes: ['float32'],
  int8: false, micro: false, layout: 'axis',
  check(node, ctx) {
    const dt = ctx.dtype(node.inputs[0]);
    if (dt !== 'float32') return refuse('dtype', `InstanceNormalization on ${dt} is not supported (float32 only)`);
    if (ctx.rank(node.inputs[0]) < 3) return refuse('rank', 'InstanceNormalization needs an input with spatial dims (rank ≥ 3)');
    return undefined;
  },
  convert(node, ctx) {
    const [xName, scale, bias] = node.inputs;
    const rank = ctx.rank(xName);
    const eps = attrFloat(node, 'epsilon', 1e-5);
    const e = new Emitter(ctx, node);
    const x = ctx.inputAny(xName);
    const axes = x.perm.map((d, i) => (d >= 2 ? i : -1)).filter((i) => i >= 0);
    const m = moments(e, x.index, axes);
    const inv = e.un('RSQRT', e.bin('ADD', m.variance, e.scalar(eps)));
    const k = e.bin('MUL', inv, channelVector(ctx, e, scale, rank, x.perm));
    const scaled = e.bin('MUL', m.centered, k);
    e.bin('ADD', scaled, channelVector(ctx, e, bias, rank, x.perm), ctx.output(node.outputs[0], x.perm));
  },
};
export default InstanceNormalization;
