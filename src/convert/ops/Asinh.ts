// ONNX Asinh: sign(x) * log(|x| + sqrt(x² + 1)) (odd-symmetric form: no cancellation for negative x).
import { composite } from './_emit';

export default composite('Asinh', ['ABS', 'MUL', 'ADD', 'SQRT', 'LOG', 'SIGN'], (e, x, y) => {
  const a = e.un('ABS', x);
  const l = e.un('LOG', e.bin('ADD', a, e.un('SQRT', e.bin('ADD', e.bin('MUL', x, x), e.scalar(1)))));
  e.bin('MUL', e.un('SIGN', x), l, y);
});
