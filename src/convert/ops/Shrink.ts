// ONNX Shrink: x < -lambd ? x + bias : x > lambd ? x - bias : 0 → TFLite comparisons and SELECT_V2.
import { attrFloat } from '../attrs';
import { composite } from './_emit';

export default composite('Shrink', ['LESS', 'GREATER', 'ADD', 'SUB', 'SELECT_V2'], (e, x, y, node) => {
  const lambd = attrFloat(node, 'lambd', 0.5);
  const bias = attrFloat(node, 'bias', 0);
  const low = e.select(e.bin('LESS', x, e.scalar(-lambd)), e.bin('ADD', x, e.scalar(bias)), e.scalar(0));
  e.select(e.bin('GREATER', x, e.scalar(lambd)), e.bin('SUB', x, e.scalar(bias)), low, y);
});
