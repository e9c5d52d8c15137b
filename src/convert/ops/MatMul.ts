// ONNX MatMul → TFLite FULLY_CONNECTED when B is a constant matrix (keep_num_dims for batched A),
// otherwise BATCH_MATMUL. Both operands in ONNX order, except that an operand stored with its last two dims swapped
// (attention's Kᵀ after the head split) is read as it is with adj_x / adj_y instead of through a TRANSPOSE.
import { toFloat32 } from '../../ir/tensor';
import { transposeData } from '../constdata';
import type { ConvertContext } from '../context';
import { identity, samePerm } from '../layout';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';

const MatMul: OpConverter = {
  op: 'MatMul', emits: ['FULLY_CONNECTED', 'BATCH_MATMUL', 'RESHAPE'], opset: [1, MAX_OPSET], inputs: [2, 2], dtypes: ['float32'],
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
    const out = ctx.output(y, identity(ctx.rank(y)));
    if (B && B.dims.length === 2) {
      const A = ctx.inputOnnx(a);
      const [k, n] = B.dims;
      const w = transposeData(toFloat32(B), B.dims, [1, 0], (m) => new Float32Array(m));
      ctx.emit('FULLY_CONNECTED', [A, ctx.constFloat32(w, [n, k], `${node.name}/weights`), -1], [out],
        { fusedActivationFunction: 'NONE', weightsFormat: 'DEFAULT', keepNumDims: ctx.rank(a) > 2 });
      return;
    }
    const ga = operand(ctx, a);
    const gb = operand(ctx, b);
    ctx.emit('BATCH_MATMUL', [ga.index, gb.index], [out], { adjX: ga.adj, adjY: gb.adj });
  },
};

/** The operand in ONNX order, or as stored when only its last two dims are swapped (then `adj`). */
function operand(ctx: ConvertContext, name: string): { index: number; adj: boolean } {
  const r = ctx.rank(name);
  const swapped = [...identity(r - 2), r - 1, r - 2];
  const p = ctx.primaryOf(name);
  if (p && !ctx.isConstant(name) && samePerm(p.perm, swapped)) return { index: p.index, adj: true };
  return { index: ctx.inputOnnx(name), adj: false };
}
export default MatMul;
