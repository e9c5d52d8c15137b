// com.microsoft MatMulIntegerToFloat (onnxruntime's optimizer on a dynamically quantized MatMul): Y = (A - a_zp)·a_scale
// × (B - b_zp)·b_scale + bias in float32 → dequantized operands (b's parameters per tensor or per column), the MatMul
// converter, then ADD of the bias (see _qoperator.ts).
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import Add from './Add';
import MatMul from './MatMul';
import { QOP_EMITS, checkOperands, lowerQuantized } from './_qoperator';
import type { Operand } from './_qoperator';

const operands = (i: string[]): Operand[] => [[i[0], i[2], i[4] ?? ''], [i[1], i[3], i[5] ?? '']];

const MatMulIntegerToFloat: OpConverter = {
  op: 'MatMulIntegerToFloat', domain: 'com.microsoft', emits: [...new Set([...MatMul.emits, ...QOP_EMITS])], opset: [1, MAX_OPSET],
  inputs: [4, 7], dtypes: ['uint8', 'int8'], micro: false, layout: MatMul.layout,
  check(node, ctx) {
    if (ctx.rank(node.inputs[0]) < 2 || ctx.rank(node.inputs[1]) < 2) return refuse('rank', 'MatMulIntegerToFloat with a 1-D operand is not supported');
    return checkOperands(node, ctx, operands(node.inputs), [node.inputs[1]]);
  },
  convert(node, ctx) {
    const bias = node.inputs[6];
    const y = node.outputs[0];
    const mm = bias ? `${node.name}/${y}__matmul` : y;
    if (bias) ctx.declare(mm, 'float32', ctx.shape(y));
    lowerQuantized({ ...node, outputs: [mm] }, ctx, MatMul, operands(node.inputs), undefined, undefined,
      { axes: [ctx.rank(node.inputs[0]) - 2, ctx.rank(node.inputs[1]) - 1] });
    if (bias) Add.convert({ ...node, opType: 'Add', domain: '', inputs: [mm, bias], outputs: [y] }, ctx);
  },
};
export default MatMulIntegerToFloat;
