// ONNX Floor → TFLite FLOOR (elementwise, any layout).
import { unary } from './_elementwise';

export default unary('Floor', 'FLOOR', { int8: false });
