// com.microsoft QGemm (onnxruntime's QOperator quantization of Gemm / a fused dynamic MatMul): Y = alpha·A'·B' + C
// with 8-bit A (per tensor) and B (per tensor or per output column), C an int32 bias in units of
// alpha·a_scale·b_scale, Y requantized with (y_scale, y_zero_point) or float when y_scale is absent → dequantized
// operands, the Gemm converter (FULLY_CONNECTED), requantized (see _qoperator.ts).
import { attrFloat, attrInt } from '../attrs';
import { toNumbers } from '../../ir/tensor';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import Gemm from './Gemm';
import { QOP_EMITS, attrsWithout, checkOperands, floatBias, lowerQuantized, scalarOf } from './_qoperator';
import type { Operand } from './_qoperator';

const operands = (i: string[]): Operand[] => [[i[0], i[1], i[2]], [i[3], i[4], i[5]]];

const QGemm: OpConverter = {
  op: 'QGemm', domain: 'com.microsoft', emits: [...new Set([...Gemm.emits, ...QOP_EMITS])], opset: [1, MAX_OPSET], inputs: [6, 9],
  dtypes: ['uint8', 'int8'], micro: false, layout: Gemm.layout,
  check(node, ctx) {
    const [, as, , b, bs, , c] = node.inputs;
    if (ctx.rank(node.inputs[0]) !== 2 || ctx.rank(b) !== 2) return refuse('rank', 'QGemm takes 2-D A and B');
    if (c && !(ctx.isConstant(c) && scalarOf(ctx, as) !== undefined && ctx.isConstant(bs))) {
      return refuse('computed-input', 'QGemm with a computed bias or computed scales for it is not supported');
    }
    const n = ctx.shape(b)[attrInt(node, 'transB', 0) ? 0 : 1];
    if (c && ctx.shape(bs).length && ctx.shape(bs)[0] > 1 && ctx.shape(c).at(-1) !== n) {
      return refuse('unsupported', 'QGemm with per-column B scales and a bias that is not per column is not supported');
    }
    return checkOperands(node, ctx, operands(node.inputs), [b]);
  },
  convert(node, ctx) {
    const [, as, , , bs, , c, ys, yz] = node.inputs;
    const alpha = attrFloat(node, 'alpha', 1);
    const extra = c ? [floatBias(ctx, node, c, alpha * scalarOf(ctx, as)!, toNumbers(ctx.constant(bs)!))] : [];
    const attrs = attrsWithout(node, 'beta');
    lowerQuantized(node, ctx, Gemm, operands(node.inputs), ys || undefined, yz, { attrs, extra, axes: [1, attrInt(node, 'transB', 0) ? 0 : 1] });
  },
};
export default QGemm;
