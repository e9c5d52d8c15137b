// ONNX Tan: sin(x) / cos(x) → TFLite SIN, COS, DIV.
import { composite } from './_emit';

export default composite('Tan', ['SIN', 'COS', 'DIV'], (e, x, y) => {
  e.bin('DIV', e.un('SIN', x), e.un('COS', x), y);
});
