// ONNX Asin: atan2(x, sqrt(1 - x²)) → TFLite MUL, SUB, SQRT, ATAN2.
import { composite } from './_emit';

export default composite('Asin', ['MUL', 'SUB', 'SQRT', 'ATAN2'], (e, x, y) => {
  const c = e.un('SQRT', e.bin('SUB', e.scalar(1), e.bin('MUL', x, x)));
  e.bin('ATAN2', x, c, y);
});
