// ONNX Dropout in inference: the output is the input (the optional mask output is refused).
import type { OpConverter } from '../types';
import { FLOAT } from './_elementwise';

const Dropout: OpConverter = {
  op: 'Dropout', emits: [], opset: [1, 23], dtypes: FLOAT, int8: true, micro: true, layout: 'any',
  check(node, ctx) {
    if (node.outputs[1] && !ctx.isConstant(node.outputs[1])) return 'Dropout\'s mask output is not supported in inference models; remove it';
    const training = node.inputs[2];
    if (training && !ctx.isConstant(training)) return 'Dropout with a non-constant training_mode input is not supported';
    return undefined;
  },
  convert(node, ctx) {
    ctx.alias(node.outputs[0], node.inputs[0]);
  },
};
export default Dropout;
