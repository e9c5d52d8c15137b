// ONNX Celu: max(0, x) + min(0, alpha * (exp(x / alpha) - 1)) = relu(x) + alpha * (exp(min(x, 0) / alpha) - 1).
import { attrFloat } from '../attrs';
import { composite, expm1Negative } from './_emit';

export default composite('Celu', ['RELU', 'MINIMUM', 'MUL', 'EXP', 'SUB', 'ADD'], (e, x, y, node) => {
  const alpha = attrFloat(node, 'alpha', 1);
  e.bin('ADD', e.un('RELU', x), expm1Negative(e, x, alpha, alpha), y);
});
