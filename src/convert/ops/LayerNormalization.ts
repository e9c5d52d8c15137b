// ONNX LayerNormalization → TFLite MEAN, SUB, MUL, ADD, RSQRT over the remapped normalized axes of the input's
// own layout; Scale and B broadcast from the right as in ONNX. The optional Mean and InvStdDev outputs are the
// intermediate moments (kept dims). Below opset 17 it is onnxruntime's own op in the default domain (what its
// optimizer writes for a LayerNorm it fuses), with the same semantics.
import { attrFloat, attrInt, normAxis } from '../attrs';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import { Emitter } from './_emit';
import { moments } from './_norm';

const LayerNormalization: OpConverter = {
  op: 'LayerNormalization', emits: ['MEAN', 'SUB', 'MUL', 'ADD', 'RSQRT'], opset: [1, MAX_OPSET], inputs: [2, 3], dtypes: ['float32'], int8: false,
  micro: false, layout: 'axis',
  check(node, ctx) {
    const dt = ctx.dtype(node.inputs[0]);
    return dt === 'float32' ? undefined : refuse('dtype', `LayerNormalization on ${dt} is not supported (float32 only)`);
  },
  convert(node, ctx) {
    const [xName, scale, bias] = node.inputs;
    const [y, meanName, invName] = node.outputs;
    const rank = ctx.rank(xName);
    const axis = normAxis(attrInt(node, 'axis', -1), rank);
    const eps = attrFloat(node, 'epsilon', 1e-5);
    const e = new Emitter(ctx, node);
    const x = ctx.inputAny(xName);
    const axes = x.perm.map((d, i) => (d >= axis ? i : -1)).filter((i) => i >= 0);
    const m = moments(e, x.index, axes, meanName ? ctx.output(meanName, x.perm) : undefined);
    const inv = e.un('RSQRT', e.bin('ADD', m.variance, e.scalar(eps)), invName ? ctx.output(invName, x.perm) : undefined);
    const out = ctx.output(y, x.perm);
    const normed = e.bin('MUL', m.centered, inv);
    const scaled = e.bin('MUL', normed, ctx.inputBroadcast(scale, rank, x.perm), bias ? undefined : out);
    if (bias) e.bin('ADD', scaled, ctx.inputBroadcast(bias, rank, x.perm), out);
  },
};
export default LayerNormalization;
