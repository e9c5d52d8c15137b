// ONNX Softplus: log(1 + exp(x)), computed as relu(x) + log(1 + exp(-|x|)) so that large inputs do not overflow.
import { composite } from './_emit';

export default composite('Softplus', ['ABS', 'NEG', 'EXP', 'ADD', 'LOG', 'RELU'], (e, x, y) => {
  const t = e.un('EXP', e.un('NEG', e.un('ABS', x)));
  const l = e.un('LOG', e.bin('ADD', t, e.scalar(1)));
  e.bin('ADD', e.un('RELU', x), l, y);
});
