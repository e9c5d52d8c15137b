// ONNX ConstantOfShape: a constant shape gives a constant (computed here when folding has not already done it); a
// computed shape gives TFLite FILL, sized at run time (the dims traced to numbers stay known).
import { makeTensor, toNumbers } from '../../ir/tensor';
import { constantBytes } from '../constdata';
import { identity } from '../layout';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import { vectorOf } from './_dynamic';
import { Emitter } from './_emit';

const ConstantOfShape: OpConverter = {
  op: 'ConstantOfShape', emits: ['FILL'], incidental: ['FILL'] /* a computed shape only */, opset: [9, MAX_OPSET], dtypes: ['int64'], layout: 'onnx',
  check(node, ctx) {
    if (!ctx.isConstant(node.inputs[0]) && ctx.dims(node.inputs[0]).some((d) => d < 0)) {
      return refuse('dynamic-shape', 'ConstantOfShape with a shape of unknown length is not supported');
    }
    return undefined;
  },
  convert(node, ctx) {
    const v = node.attrs.get('value');
    const t = v?.type === 'tensor' ? v.value : undefined;
    const y = node.outputs[0];
    const value = makeTensor(`${y}__value`, t?.dtype ?? 'float32', [], [t ? toNumbers(t)[0] : 0]);
    if (ctx.isConstant(node.inputs[0])) {
      const dims = toNumbers(ctx.constant(node.inputs[0])!);
      const n = dims.reduce((a, b) => a * b, 1);
      ctx.constants.set(y, makeTensor(y, value.dtype, dims, new Array<number>(n).fill(toNumbers(value)[0])));
      return;
    }
    const rank = ctx.dims(node.inputs[0])[0] ?? 1;
    const shape = vectorOf(ctx, new Emitter(ctx, node), node.inputs[0]);
    // Dims that shape inference traced to numbers (torchvision's zeros(n, C, 7, 7) from Shape ops) stay known.
    let traced: number[] = [];
    try { traced = ctx.dims(y); } catch { /* no inferred shape: every dim at run time */ }
    // (Only when some dim stays unknown: dims all known may be the model's declared output shape, which the
    // computed shape input need not agree with; the output then stays sized at run time, as the shape says.)
    const mixed = traced.length === rank && traced.some((d) => d < 0);
    const dims = mixed ? traced : new Array<number>(rank).fill(-1);
    const out = ctx.dynamicOutput(y, identity(rank), dims);
    const { type, bytes } = constantBytes(value, []);
    ctx.emit('FILL', [shape, ctx.constTensor({ name: `${y}/value`, type, shape: [], data: bytes })], [out]);
  },
};
export default ConstantOfShape;
