// ONNX IsNaN: x != x → TFLite NOT_EQUAL (true only for NaN).
import { composite } from './_emit';

export default composite('IsNaN', ['NOT_EQUAL'], (e, x, y) => {
  e.bin('NOT_EQUAL', x, x, y);
});
