// ONNX IsInf: x == +inf and/or x == -inf (detect_positive, detect_negative) → TFLite EQUAL, LOGICAL_OR.
import { attrInt } from '../attrs';
import { composite } from './_emit';

export default composite('IsInf', ['EQUAL', 'LOGICAL_OR'], (e, x, y, node) => {
  const pos = attrInt(node, 'detect_positive', 1) === 1;
  const neg = attrInt(node, 'detect_negative', 1) === 1;
  if (pos && neg) e.bin('EQUAL', e.un('ABS', x), e.scalar(Infinity), y);
  else if (pos || neg) e.bin('EQUAL', x, e.scalar(pos ? Infinity : -Infinity), y);
  else e.bin('LOGICAL_AND', e.bin('EQUAL', x, x), e.bin('NOT_EQUAL', x, x), y);
});
