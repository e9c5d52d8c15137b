// ONNX Concat → TFLite CONCATENATION on the inputs' common layout (axis remapped). A single input is a
// plain alias (TFLite's CONCATENATION needs two inputs to be useful, and some runtimes reject one). A stack of unit
// parts viewed into a conv's channels takes the layout that view needs (stack-layout.ts); parts each stored in ONNX
// order's bytes (a decoder's key cache grown one token at a time) are concatenated in ONNX order (cache-concat.ts).
import { attrInt, normAxis } from '../attrs';
import { onnxOrderConcat } from '../cache-concat';
import { stackPerm } from '../stack-layout';
import type { OpConverter } from '../types';
import { NUMERIC } from './_elementwise';
import { MAX_OPSET } from '../types';

const Concat: OpConverter = {
  op: 'Concat', emits: ['CONCATENATION'], opset: [1, MAX_OPSET], dtypes: [...NUMERIC, 'bool'], layout: 'axis',
  convert(node, ctx) {
    const inputs = node.inputs.filter((i) => i && !ctx.dims(i).includes(0));
    const y = node.outputs[0];
    if (inputs.length === 1) {
      ctx.alias(y, inputs[0]);
      return;
    }
    const rank = ctx.rank(y);
    const axis = normAxis(attrInt(node, 'axis', 0), rank);
    const common = ctx.commonPerm(inputs, rank);
    const perm = stackPerm(ctx, inputs, axis, y, common) ?? onnxOrderConcat(ctx, inputs, y, common) ?? common;
    const ins = inputs.map((i) => ctx.input(i, perm));
    const out = ctx.output(y, perm);
    ctx.emit('CONCATENATION', ins, [out], { axis: perm.indexOf(axis), fusedActivationFunction: 'NONE' });
  },
};
export default Concat;
