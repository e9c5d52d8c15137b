// ONNX LpNormalization (p 1 or 2 along `axis`): x / ‖x‖_p → |x|^p (ops/_lp.ts), SUM over the axis kept, the root,
// DIV, on the input as stored (the axis remapped, never the data).
import { attrInt, normAxis } from '../attrs';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import { Emitter } from './_emit';
import { LP_EMITS, lpPower, lpRoot } from './_lp';

const LpNormalization: OpConverter = {
  op: 'LpNormalization', emits: [...LP_EMITS, 'SUM', 'DIV'], opset: [1, MAX_OPSET], inputs: [1, 1], dtypes: ['float32'], int8: false, layout: 'axis',
  check(node) {
    const p = attrInt(node, 'p', 2);
    return p === 1 || p === 2 ? undefined : refuse('attribute', `LpNormalization with p=${p} (the spec allows 1 and 2)`);
  },
  convert(node, ctx) {
    const x = ctx.inputAny(node.inputs[0]);
    const axis = normAxis(attrInt(node, 'axis', -1), ctx.rank(node.inputs[0]));
    const e = new Emitter(ctx, node);
    const norm = lpRoot(e, e.reduce('SUM', lpPower(e, x.index), [x.perm.indexOf(axis)], true));
    e.bin('DIV', x.index, norm, ctx.output(node.outputs[0], x.perm));
  },
};
export default LpNormalization;
