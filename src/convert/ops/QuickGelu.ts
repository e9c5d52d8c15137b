// com.microsoft QuickGelu (onnxruntime's fusion of CLIP's x · sigmoid(1.702 x)) → TFLite MUL, LOGISTIC, MUL.
import { attrFloat } from '../attrs';
import { composite } from './_emit';

export default {
  ...composite('QuickGelu', ['MUL', 'LOGISTIC'], (e, x, y, node) => {
    const s = e.un('LOGISTIC', e.bin('MUL', x, e.scalar(attrFloat(node, 'alpha', 1.702))));
    e.bin('MUL', x, s, y);
  }, { dtypes: ['float32'], int8: true }),
  domain: 'com.microsoft',
};
