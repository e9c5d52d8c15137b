// ONNX GlobalLpPool: (Σ over the spatial axes |x|^p)^(1/p) → |x|^p, SUM keeping dims, the root (ops/_lp.ts), on the
// input as stored.
import type { OpConverter } from '../types';
import { MAX_OPSET } from '../types';
import { Emitter } from './_emit';
import { LP_EMITS, lpPower, lpRoot } from './_lp';

const GlobalLpPool: OpConverter = {
  op: 'GlobalLpPool', emits: [...LP_EMITS, 'SUM'], opset: [2, MAX_OPSET], inputs: [1, 1], dtypes: ['float32'], int8: false, layout: 'axis',
  convert(node, ctx) {
    const x = ctx.inputAny(node.inputs[0]);
    const rank = ctx.rank(node.inputs[0]);
    const e = new Emitter(ctx, node);
    const axes = Array.from({ length: rank - 2 }, (_, i) => x.perm.indexOf(i + 2));
    lpRoot(e, e.reduce('SUM', lpPower(e, x.index), axes, true), ctx.output(node.outputs[0], x.perm));
  },
};
export default GlobalLpPool;
