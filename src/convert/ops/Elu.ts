// ONNX Elu → TFLite ELU (elementwise, any layout) for alpha = 1; other alphas as relu(x) + alpha * (exp(min(x, 0)) - 1).
import { attrFloat } from '../attrs';
import { composite, expm1Negative } from './_emit';

export default composite('Elu', ['ELU', 'RELU', 'MINIMUM', 'EXP', 'SUB', 'MUL', 'ADD'], (e, x, y, node) => {
  const alpha = attrFloat(node, 'alpha', 1);
  if (alpha === 1) e.un('ELU', x, y);
  else e.bin('ADD', e.un('RELU', x), expm1Negative(e, x, alpha), y);
});
