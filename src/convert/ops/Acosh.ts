// ONNX Acosh: log(x + sqrt(x² - 1)) → TFLite MUL, SUB, SQRT, ADD, LOG.
import { composite } from './_emit';

export default composite('Acosh', ['MUL', 'SUB', 'SQRT', 'ADD', 'LOG'], (e, x, y) => {
  const s = e.un('SQRT', e.bin('SUB', e.bin('MUL', x, x), e.scalar(1)));
  e.un('LOG', e.bin('ADD', x, s), y);
});
