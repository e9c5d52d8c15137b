// ONNX Constant: its value is known before conversion (folded by shape inference); nothing is emitted.
import type { OpConverter } from '../types';
import { NUMERIC } from './_elementwise';
import { MAX_OPSET } from '../types';

const Constant: OpConverter = {
  op: 'Constant', emits: [], opset: [1, MAX_OPSET], dtypes: [...NUMERIC, 'bool'], layout: 'any',
  convert(node, ctx) {
    ctx.fail(`Constant ${node.outputs[0]} was not folded`);
  },
};
export default Constant;
