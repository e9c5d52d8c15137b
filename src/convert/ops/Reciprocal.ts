// ONNX Reciprocal: 1 / x → TFLite DIV with a constant numerator (elementwise, any layout).
import { composite } from './_emit';

export default composite('Reciprocal', ['DIV'], (e, x, y) => {
  e.bin('DIV', e.scalar(1), x, y);
});
