// ONNX Sinh: (exp(x) - exp(-x)) / 2 → TFLite EXP, NEG, SUB, MUL.
import { composite } from './_emit';

export default composite('Sinh', ['EXP', 'NEG', 'SUB', 'MUL'], (e, x, y) => {
  e.bin('MUL', e.bin('SUB', e.un('EXP', x), e.un('EXP', e.un('NEG', x))), e.scalar(0.5), y);
});
