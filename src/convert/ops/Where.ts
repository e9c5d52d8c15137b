// ONNX Where → TFLite SELECT_V2 (numpy broadcasting of condition and both branches).
import type { OpConverter } from '../types';
import { NUMERIC } from './_elementwise';
import { MAX_OPSET } from '../types';

const Where: OpConverter = {
  op: 'Where', emits: ['SELECT_V2'], opset: [9, MAX_OPSET], inputs: [3, 3], dtypes: [...NUMERIC, 'bool'], micro: false, layout: 'any',
  convert(node, ctx) {
    const y = node.outputs[0];
    const rank = ctx.rank(y);
    const perm = ctx.commonPerm(node.inputs, rank);
    const ins = node.inputs.map((i) => ctx.inputBroadcast(i, rank, perm));
    ctx.emit('SELECT_V2', ins, [ctx.output(y, perm)]);
  },
};
export default Where;
