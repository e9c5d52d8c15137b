// ONNX Atanh: log((1 + x) / (1 - x)) / 2 → TFLite ADD, SUB, DIV, LOG, MUL.
import { composite } from './_emit';

export default composite('Atanh', ['ADD', 'SUB', 'DIV', 'LOG', 'MUL'], (e, x, y) => {
  const q = e.bin('DIV', e.bin('ADD', e.scalar(1), x), e.bin('SUB', e.scalar(1), x));
  e.bin('MUL', e.un('LOG', q), e.scalar(0.5), y);
});
