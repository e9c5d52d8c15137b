// ONNX Not → TFLite LOGICAL_NOT (elementwise, any layout).
import { unary } from './_elementwise';

export default unary('Not', 'LOGICAL_NOT', { dtypes: ['bool'] });
