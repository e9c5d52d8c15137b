// ONNX Acos: atan2(sqrt(1 - x²), x) → TFLite MUL, SUB, SQRT, ATAN2.
import { composite } from './_emit';

export default composite('Acos', ['MUL', 'SUB', 'SQRT', 'ATAN2'], (e, x, y) => {
  const s = e.un('SQRT', e.bin('SUB', e.scalar(1), e.bin('MUL', x, x)));
  e.bin('ATAN2', s, x, y);
});
