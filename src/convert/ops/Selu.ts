// ONNX Selu: gamma * (x > 0 ? x : alpha * (exp(x) - 1)) = gamma * (relu(x) + alpha * (exp(min(x, 0)) - 1)).
import { attrFloat } from '../attrs';
import { composite, expm1Negative } from './_emit';

export default composite('Selu', ['RELU', 'MINIMUM', 'EXP', 'SUB', 'MUL', 'ADD'], (e, x, y, node) => {
  const alpha = attrFloat(node, 'alpha', 1.67326319217681884765625);
  const gamma = attrFloat(node, 'gamma', 1.05070102214813232421875);
  const s = e.bin('ADD', e.un('RELU', x), expm1Negative(e, x, alpha));
  e.bin('MUL', s, e.scalar(gamma), y);
});
