// ONNX Mish (opset 18): x · tanh(softplus(x)), softplus in its overflow-free form (_emit.ts softplusOf).
import { MAX_OPSET } from '../types';
import { composite, softplusOf } from './_emit';

export default composite('Mish', ['ABS', 'NEG', 'EXP', 'ADD', 'LOG', 'RELU', 'TANH', 'MUL'], (e, x, y) => {
  e.bin('MUL', x, e.un('TANH', softplusOf(e, x)), y);
}, { opset: [18, MAX_OPSET] });
