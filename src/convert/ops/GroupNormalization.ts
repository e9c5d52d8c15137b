// ONNX GroupNormalization (opset 18: scale and bias per group; opset 21: per channel) → TFLite RESHAPE, MEAN, SUB,
// MUL, ADD, RSQRT in the input's own layout: the channel dim is split in place into (groups, channels per group)
// by a RESHAPE (a contiguous split, valid in any stored order), the moments are taken over every axis but the batch
// and the group, and the result is reshaped back. So a GroupNorm between two Convs stays channel-last with no
// TRANSPOSE. PyTorch's GroupNorm export (Reshape → InstanceNormalization → Reshape) becomes this op in
// simplify-norm.ts, with per-channel scale and bias whatever the model's opset.
import { toNumbers } from '../../ir/tensor';
import { attrFloat, attrInt } from '../attrs';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import { Emitter } from './_emit';
import { moments } from './_norm';

const GroupNormalization: OpConverter = {
  // opset from 1: the fused form of PyTorch's GroupNorm export (simplify-norm.ts) appears at any opset.
  op: 'GroupNormalization', emits: ['RESHAPE', 'MEAN', 'SUB', 'MUL', 'ADD', 'RSQRT'], opset: [1, MAX_OPSET], dtypes: ['float32'],
  inputs: [3, 3], int8: false, micro: false, layout: 'axis',
  check(node, ctx) {
    const s = ctx.shape(node.inputs[0]);
    const g = attrInt(node, 'num_groups', 0);
    if (s.length < 2) return refuse('rank', 'GroupNormalization needs an input with channels (rank ≥ 2)');
    if (g < 1 || s[1] % g !== 0) return refuse('attribute', `GroupNormalization: ${s[1]} channels do not split into ${g} groups`);
    for (const p of node.inputs.slice(1, 3)) {
      const n = ctx.shape(p).reduce((a, b) => a * b, 1);
      if (n !== s[1] && n !== g) return refuse('unsupported', `GroupNormalization: scale and bias need ${s[1]} (channels) or ${g} (groups) values, "${p}" has ${n}`);
    }
    return undefined;
  },
  convert(node, ctx) {
    const [xName, scale, bias] = node.inputs;
    const g = attrInt(node, 'num_groups', 1);
    const eps = attrFloat(node, 'epsilon', 1e-5);
    const e = new Emitter(ctx, node);
    const x = ctx.inputAny(xName);
    const dims = ctx.shape(xName);
    const c = dims[1];
    const stored = ctx.tensors[x.index].shape;
    const pc = x.perm.indexOf(1);
    const pn = x.perm.indexOf(0);
    // Stored shape with the channel dim split into [groups, channels per group].
    const split = [...stored.slice(0, pc), g, c / g, ...stored.slice(pc + 1)];
    const gAxis = pc;
    const nAxis = pn < pc ? pn : pn + 1;
    const axes = split.map((_, i) => i).filter((i) => i !== gAxis && i !== nAxis);
    const xs = e.reshape(x.index, split);
    const m = moments(e, xs, axes);
    const inv = e.un('RSQRT', e.bin('ADD', m.variance, e.scalar(eps)));
    const normed = e.reshape(e.bin('MUL', m.centered, inv), stored);
    // Scale and bias per channel (a per-group vector of opset 18–20 is repeated over each group's channels), shaped
    // [C, 1, ...] along the stored channel position.
    const vec = (name: string): number => {
      const k = ctx.constant(name);
      const shape = stored.map((d, i) => (i === pc ? c : 1));
      if (k) {
        const n = toNumbers(k);
        const v = n.length === c ? n : Array.from({ length: c }, (_, i) => n[Math.floor(i / (c / g))]);
        return ctx.constFloat32(v, shape, `${name}__per_channel`);
      }
      if (ctx.shape(name).reduce((a, b) => a * b, 1) !== c) ctx.fail('GroupNormalization with a computed per-group scale or bias is not supported');
      return e.reshape(ctx.inputOnnx(name), shape);
    };
    const out = ctx.output(node.outputs[0], x.perm);
    const scaled = e.bin('MUL', normed, vec(scale));
    e.bin('ADD', scaled, vec(bias), out);
  },
};
export default GroupNormalization;
