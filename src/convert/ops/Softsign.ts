// ONNX Softsign: x / (1 + |x|) → TFLite ABS, ADD, DIV.
import { composite } from './_emit';

export default composite('Softsign', ['ABS', 'ADD', 'DIV'], (e, x, y) => {
  e.bin('DIV', x, e.bin('ADD', e.un('ABS', x), e.scalar(1)), y);
});
