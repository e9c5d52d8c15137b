// com.microsoft QLinearAdd (onnxruntime's QOperator quantization): y = quantize((a - za)·sa + (b - zb)·sb) with
// numpy broadcasting → dequantized operands, TFLite ADD, requantized (see _qoperator.ts).
import type { OpConverter } from '../types';
import { MAX_OPSET } from '../types';
import Add from './Add';
import { QOP_EMITS, checkOperands, lowerQuantized } from './_qoperator';
import type { Operand } from './_qoperator';

const operands = (i: string[]): Operand[] => [[i[0], i[1], i[2]], [i[3], i[4], i[5]]];

const QLinearAdd: OpConverter = {
  op: 'QLinearAdd', domain: 'com.microsoft', emits: [...new Set([...Add.emits, ...QOP_EMITS])], opset: [1, MAX_OPSET], inputs: [7, 8],
  dtypes: ['uint8', 'int8'], micro: false, layout: 'any',
  check: (node, ctx) => checkOperands(node, ctx, operands(node.inputs)),
  convert(node, ctx) {
    lowerQuantized(node, ctx, Add, operands(node.inputs), node.inputs[6], node.inputs[7]);
  },
};
export default QLinearAdd;
