// com.microsoft FusedMatMul (onnxruntime's optimizer: a MatMul with a Transpose of the last two dims of either
// operand and a scale folded in: transA, transB, alpha) → the MatMul converter's FULLY_CONNECTED for a constant 2-D B
// (transposed here), else BATCH_MATMUL with adj_x / adj_y; MUL by alpha after. transBatchA / transBatchB are put back
// as the Transposes they fused before conversion (simplify-fused-matmul.ts); an operand of unknown rank is refused.
import { toFloat32 } from '../../ir/tensor';
import { attrFloat, attrInt } from '../attrs';
import { transposeData } from '../constdata';
import { identity } from '../layout';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import MatMul, { operand } from './MatMul';

const FusedMatMul: OpConverter = {
  op: 'FusedMatMul', domain: 'com.microsoft', emits: ['FULLY_CONNECTED', 'BATCH_MATMUL', 'RESHAPE', 'MUL'], opset: [1, MAX_OPSET],
  inputs: [2, 2], dtypes: ['float32'], layout: 'onnx',
  check(node, ctx) {
    if (attrInt(node, 'transBatchA', 0) || attrInt(node, 'transBatchB', 0)) return refuse('attribute', 'FusedMatMul with transBatchA / transBatchB is not supported');
    if (ctx.rank(node.inputs[0]) < 2 || ctx.rank(node.inputs[1]) < 2) return refuse('rank', 'FusedMatMul with a 1-D operand is not supported');
    return undefined;
  },
  convert(node, ctx) {
    const [a, b] = node.inputs;
    const y = node.outputs[0];
    const transA = attrInt(node, 'transA', 0) === 1;
    const transB = attrInt(node, 'transB', 0) === 1;
    const alpha = attrFloat(node, 'alpha', 1);
    const product = alpha === 1 ? y : `${y}__product`;
    if (alpha !== 1) ctx.declare(product, 'float32', ctx.dims(y));
    const B = ctx.constant(b);
    if (B && B.dims.length === 2 && !transA) {
      let bName = b;
      if (transB) {
        bName = `${node.name}/b_transposed`;
        const data = transposeData(toFloat32(B), B.dims, [1, 0], (n) => new Float32Array(n));
        ctx.constants.set(bName, { name: bName, dtype: 'float32', dims: [B.dims[1], B.dims[0]], data });
      }
      MatMul.convert({ ...node, opType: 'MatMul', domain: '', attrs: new Map(), inputs: [a, bName], outputs: [product] }, ctx);
    } else {
      const ga = operand(ctx, a);
      const gb = operand(ctx, b);
      const out = ctx.output(product, identity(ctx.rank(y)));
      ctx.emit('BATCH_MATMUL', [ga.index, gb.index], [out], { adjX: ga.adj !== transA, adjY: gb.adj !== transB });
    }
    if (alpha === 1) return;
    const p = ctx.inputAny(product);
    ctx.emit('MUL', [p.index, ctx.constFloat32([alpha], [], `${node.name}/alpha`)], [ctx.output(y, p.perm)], { fusedActivationFunction: 'NONE' });
  },
};
export default FusedMatMul;
