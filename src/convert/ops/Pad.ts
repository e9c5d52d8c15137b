// ONNX Pad → TFLite PAD / PADV2 (constant mode) or MIRROR_PAD (reflect), on the stored layout.
import { toNumbers } from '../../ir/tensor';
import { attrFloat, attrInts, attrString, normAxis } from '../attrs';
import type { OpConverter } from '../types';
import { NUMERIC } from './_elementwise';

const Pad: OpConverter = {
  op: 'Pad', emits: ['PAD', 'PADV2', 'MIRROR_PAD'], opset: [1, 23], dtypes: NUMERIC, int8: true, micro: true, layout: 'axis',
  check(node, ctx) {
    const mode = attrString(node, 'mode', 'constant');
    if (mode === 'edge' || mode === 'wrap') return `Pad with mode=${mode} has no TFLite builtin; use constant or reflect`;
    if (node.inputs[1] && !ctx.isConstant(node.inputs[1])) return 'Pad with non-constant pads is not supported';
    if (node.inputs[2] && !ctx.isConstant(node.inputs[2])) return 'Pad with a non-constant value is not supported';
    if (node.inputs[3] && !ctx.isConstant(node.inputs[3])) return 'Pad with non-constant axes is not supported';
    const pads = node.inputs[1] ? toNumbers(ctx.constant(node.inputs[1])!) : attrInts(node, 'pads') ?? [];
    if (pads.some((p) => p < 0)) return 'Pad with negative pads (cropping) is not supported';
    return undefined;
  },
  convert(node, ctx) {
    const x = ctx.inputAny(node.inputs[0]);
    const rank = x.perm.length;
    const raw = node.inputs[1] ? toNumbers(ctx.constant(node.inputs[1])!) : attrInts(node, 'pads') ?? attrInts(node, 'paddings') ?? [];
    const axes = node.inputs[3] ? toNumbers(ctx.constant(node.inputs[3])!).map((a) => normAxis(a, rank)) : Array.from({ length: rank }, (_, i) => i);
    const begin = new Array<number>(rank).fill(0);
    const end = new Array<number>(rank).fill(0);
    axes.forEach((a, k) => { begin[a] = raw[k]; end[a] = raw[k + axes.length]; });
    const paddings = x.perm.flatMap((a) => [begin[a], end[a]]);
    const padT = ctx.constInt32(paddings, `${node.name}/paddings`, [rank, 2]);
    const out = ctx.output(node.outputs[0], x.perm);
    const mode = attrString(node, 'mode', 'constant');
    if (mode === 'reflect') {
      ctx.emit('MIRROR_PAD', [x.index, padT], [out], { mode: 'REFLECT' });
      return;
    }
    const value = node.inputs[2] ? toNumbers(ctx.constant(node.inputs[2])!)[0] : attrFloat(node, 'value', 0);
    if (value === 0) ctx.emit('PAD', [x.index, padT], [out]);
    else {
      const t = ctx.tensors[x.index].type;
      const v = t === 'FLOAT32' ? ctx.constFloat32([value], [], `${node.name}/value`) : ctx.constInt32([value], `${node.name}/value`, []);
      ctx.emit('PADV2', [x.index, padT, v], [out]);
    }
  },
};
export default Pad;
