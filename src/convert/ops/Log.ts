// ONNX Log → TFLite LOG (elementwise, any layout).
import { unary } from './_elementwise';

export default unary('Log', 'LOG', { int8: false });
