// ONNX NegativeLogLikelihoodLoss → TFLite ONE_HOT, MUL, SUM, NEG (+ DIV for mean) on [M, C], see _loss.ts.
import type { OpConverter } from '../types';
import { Emitter } from './_emit';
import { classLast2d, emitNll, lossCheck } from './_loss';
import { MAX_OPSET } from '../types';

const NegativeLogLikelihoodLoss: OpConverter = {
  op: 'NegativeLogLikelihoodLoss', emits: ['RESHAPE', 'ONE_HOT', 'MUL', 'SUM', 'NEG', 'NOT_EQUAL', 'CAST', 'DIV'], opset: [12, MAX_OPSET],
  dtypes: ['float32'], layout: 'onnx',
  check: lossCheck,
  convert(node, ctx) {
    const [input, target, weight] = node.inputs;
    const e = new Emitter(ctx, node);
    emitNll(e, classLast2d(e, input), target, weight || undefined, node.outputs[0]);
  },
};
export default NegativeLogLikelihoodLoss;
