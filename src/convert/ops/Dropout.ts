// ONNX Dropout in inference: the output is the input, and the optional mask output is all true (a constant).
// Training mode (a constant true training_mode with a non-zero ratio) is random and refused.
import { makeTensor, toNumbers } from '../../ir/tensor';
import { attrFloat } from '../attrs';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import { FLOAT } from './_elementwise';

const Dropout: OpConverter = {
  op: 'Dropout', emits: [], opset: [1, MAX_OPSET], inputs: [1, 3], dtypes: FLOAT, layout: 'any',
  check(node, ctx) {
    const [, ratio, training] = node.inputs;
    if (training && !ctx.isConstant(training)) return refuse('computed-input', 'Dropout with a non-constant training_mode input is not supported');
    if (training && toNumbers(ctx.constant(training)!)[0]) {
      const r = ratio ? (ctx.isConstant(ratio) ? toNumbers(ctx.constant(ratio)!)[0] : NaN) : 0.5;
      if (r !== 0) return refuse('attribute', 'Dropout in training mode (random) is not supported; export the model for inference');
    }
    if (attrFloat(node, 'is_test', 1) === 0 && attrFloat(node, 'ratio', 0.5) !== 0) return refuse('attribute', 'Dropout in training mode (is_test=0) is not supported');
    return undefined;
  },
  convert(node, ctx) {
    ctx.alias(node.outputs[0], node.inputs[0]);
    const mask = node.outputs[1];
    if (mask && !ctx.isConstant(mask)) {
      const dims = ctx.shape(node.inputs[0]);
      ctx.constants.set(mask, makeTensor(mask, ctx.dtype(mask), dims, new Array<number>(dims.reduce((a, b) => a * b, 1)).fill(1)));
    }
  },
};
export default Dropout;
