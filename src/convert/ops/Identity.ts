// ONNX Identity: no op; the output is another name for the input.
import type { OpConverter } from '../types';
import { NUMERIC } from './_elementwise';
import { MAX_OPSET } from '../types';

const Identity: OpConverter = {
  op: 'Identity', emits: [], opset: [1, MAX_OPSET], inputs: [1, 1], dtypes: [...NUMERIC, 'bool'], layout: 'any',
  convert(node, ctx) {
    ctx.alias(node.outputs[0], node.inputs[0]);
  },
};
export default Identity;
