// ONNX Mean (variadic) → a chain of TFLite ADD, then MUL by 1/n.
import type { OpConverter } from '../types';
import { FLOAT, emitVariadic } from './_elementwise';
import { MAX_OPSET } from '../types';

const Mean: OpConverter = {
  op: 'Mean', emits: ['ADD', 'MUL'], opset: [1, MAX_OPSET], dtypes: FLOAT, layout: 'any',
  convert(node, ctx) {
    const inputs = node.inputs.filter(Boolean);
    const out = node.outputs[0];
    if (inputs.length === 1) { emitVariadic(ctx, node, 'ADD'); return; }
    ctx.declare(`${out}__sum`, ctx.dtype(out), ctx.shape(out));
    const sum = emitVariadic(ctx, node, 'ADD', `${out}__sum`);
    const perm = ctx.permOf(`${out}__sum`);
    const y = ctx.output(out, perm);
    ctx.emit('MUL', [sum, ctx.constFloat32([1 / inputs.length], [], `${out}__inv_n`)], [y], { fusedActivationFunction: 'NONE' });
  },
};
export default Mean;
