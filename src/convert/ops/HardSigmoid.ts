// ONNX HardSigmoid: max(0, min(1, alpha*x + beta)) = relu6(6·alpha*x + 6·beta) / 6 → TFLite MUL, ADD with a fused
// RELU6, MUL by 1/6; with PyTorch's alpha = 1/6, beta = 0.5 it is ADD(x, 3) with a fused RELU6, then MUL by 1/6.
import { attrFloat } from '../attrs';
import type { OpConverter } from '../types';
import { MAX_OPSET } from '../types';

const HardSigmoid: OpConverter = {
  op: 'HardSigmoid', emits: ['ADD', 'MUL', 'RELU6'], opset: [1, MAX_OPSET], inputs: [1, 1], dtypes: ['float32'],
  layout: 'any',
  convert(node, ctx) {
    const alpha = attrFloat(node, 'alpha', 0.2);
    const beta = attrFloat(node, 'beta', 0.5);
    const x = ctx.inputAny(node.inputs[0]);
    const y = node.outputs[0];
    const shape = ctx.tensors[x.index].shape;
    if (Math.abs(1 / alpha - 6) < 1e-6 && Math.abs(beta / alpha - 3) < 1e-5) {
      const t = ctx.temp(shape, 'FLOAT32', `${y}__relu6`);
      ctx.emit('ADD', [x.index, ctx.constFloat32([3], [], `${node.name}/three`)], [t], { fusedActivationFunction: 'RELU6' });
      ctx.emit('MUL', [t, ctx.constFloat32([alpha], [], `${node.name}/alpha`)], [ctx.output(y, x.perm)], { fusedActivationFunction: 'NONE' });
      return;
    }
    // clamp(αx + β, 0, 1) = relu6(6αx + 6β) / 6: an ADD with a fused RELU6, no MINIMUM / MAXIMUM (XNNPack has no int8
    // kernel for those: in an int8 model each split the delegated graph; PP-OCR cls has one per SE block).
    const m = ctx.temp(shape, 'FLOAT32', `${y}__mul`);
    ctx.emit('MUL', [x.index, ctx.constFloat32([6 * alpha], [], `${node.name}/alpha6`)], [m], { fusedActivationFunction: 'NONE' });
    const a = ctx.temp(shape, 'FLOAT32', `${y}__relu6`);
    ctx.emit('ADD', [m, ctx.constFloat32([6 * beta], [], `${node.name}/beta6`)], [a], { fusedActivationFunction: 'RELU6' });
    ctx.emit('MUL', [a, ctx.constFloat32([1 / 6], [], `${node.name}/sixth`)], [ctx.output(y, x.perm)], { fusedActivationFunction: 'NONE' });
  },
};
export default HardSigmoid;
