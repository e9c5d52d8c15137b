// ONNX ThresholdedRelu: x > alpha ? x : 0 → TFLite GREATER and SELECT_V2.
import { attrFloat } from '../attrs';
import { composite } from './_emit';

export default composite('ThresholdedRelu', ['GREATER', 'SELECT_V2'], (e, x, y, node) => {
  const alpha = attrFloat(node, 'alpha', 1);
  e.select(e.bin('GREATER', x, e.scalar(alpha)), x, e.scalar(0), y);
});
