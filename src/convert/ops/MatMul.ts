// ONNX MatMul → TFLite FULLY_CONNECTED when B is a constant matrix (keep_num_dims for batched A),
// otherwise BATCH_MATMUL. Both operands in ONNX order.
import { toFloat32 } from '../../ir/tensor';
import { transposeData } from '../constdata';
import { identity } from '../layout';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';

const MatMul: OpConverter = {
  op: 'MatMul', emits: ['FULLY_CONNECTED', 'BATCH_MATMUL', 'RESHAPE'], opset: [1, MAX_OPSET], dtypes: ['float32'],
  layout: 'onnx',
  check(node, ctx) {
    if (ctx.dtype(node.inputs[0]) !== 'float32') return refuse('dtype', `MatMul on ${ctx.dtype(node.inputs[0])} is not supported (float32 only)`);
    if (ctx.rank(node.inputs[0]) < 2 || ctx.rank(node.inputs[1]) < 2) return refuse('rank', 'MatMul with a 1-D operand is not supported yet; reshape it to 2-D');
    return undefined;
  },
  convert(node, ctx) {
    const [a, b] = node.inputs;
    const y = node.outputs[0];
    const B = ctx.constant(b);
    const A = ctx.inputOnnx(a);
    const out = ctx.output(y, identity(ctx.rank(y)));
    if (B && B.dims.length === 2) {
      const [k, n] = B.dims;
      const w = transposeData(toFloat32(B), B.dims, [1, 0], (m) => new Float32Array(m));
      ctx.emit('FULLY_CONNECTED', [A, ctx.constFloat32(w, [n, k], `${node.name}/weights`), -1], [out],
        { fusedActivationFunction: 'NONE', weightsFormat: 'DEFAULT', keepNumDims: ctx.rank(a) > 2 });
      return;
    }
    ctx.emit('BATCH_MATMUL', [A, ctx.inputOnnx(b)], [out], { adjX: false, adjY: false });
  },
};
export default MatMul;
