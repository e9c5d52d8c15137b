// ONNX Swish (opset 24): x · sigmoid(alpha · x) → TFLite LOGISTIC and MUL (the MUL by alpha left out when alpha is 1:
// PyTorch's SiLU), elementwise in any layout.
import { attrFloat } from '../attrs';
import { MAX_OPSET } from '../types';
import { composite } from './_emit';

export default composite('Swish', ['MUL', 'LOGISTIC'], (e, x, y, node) => {
  const alpha = attrFloat(node, 'alpha', 1);
  e.bin('MUL', x, e.un('LOGISTIC', alpha === 1 ? x : e.bin('MUL', x, e.scalar(alpha))), y);
}, { opset: [24, MAX_OPSET], int8: true });
