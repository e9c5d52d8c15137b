// ONNX Cos → TFLite COS (elementwise, any layout).
import { unary } from './_elementwise';

export default unary('Cos', 'COS', { int8: false });
