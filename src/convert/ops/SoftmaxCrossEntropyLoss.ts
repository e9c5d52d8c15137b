// ONNX SoftmaxCrossEntropyLoss → TFLite LOG_SOFTMAX over the classes ([M, C], class-last), then the
// NegativeLogLikelihoodLoss lowering (_loss.ts). The optional log_prob output is stored class-last.
import { channelLast } from '../layout';
import { permute } from '../layout';
import type { OpConverter } from '../types';
import { Emitter } from './_emit';
import { classLast2d, emitNll, lossCheck } from './_loss';
import { MAX_OPSET } from '../types';

const SoftmaxCrossEntropyLoss: OpConverter = {
  op: 'SoftmaxCrossEntropyLoss', emits: ['RESHAPE', 'LOG_SOFTMAX', 'ONE_HOT', 'MUL', 'SUM', 'NEG', 'NOT_EQUAL', 'CAST', 'DIV'],
  opset: [12, MAX_OPSET], dtypes: ['float32'], layout: 'onnx',
  check: lossCheck,
  convert(node, ctx) {
    const [scores, labels, weight] = node.inputs;
    const e = new Emitter(ctx, node);
    const x = classLast2d(e, scores);
    const lp = e.un('LOG_SOFTMAX', x);
    if (node.outputs[1]) {
      const dims = ctx.shape(scores);
      const perm = channelLast(dims.length);
      ctx.declare(node.outputs[1], 'float32', dims);
      e.reshape(lp, permute(dims, perm), ctx.output(node.outputs[1], perm));
    }
    emitNll(e, lp, labels, weight || undefined, node.outputs[0]);
  },
};
export default SoftmaxCrossEntropyLoss;
