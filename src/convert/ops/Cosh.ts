// ONNX Cosh: (exp(x) + exp(-x)) / 2 → TFLite EXP, NEG, ADD, MUL.
import { composite } from './_emit';

export default composite('Cosh', ['EXP', 'NEG', 'ADD', 'MUL'], (e, x, y) => {
  e.bin('MUL', e.bin('ADD', e.un('EXP', x), e.un('EXP', e.un('NEG', x))), e.scalar(0.5), y);
});
