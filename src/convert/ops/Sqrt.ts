// ONNX Sqrt → TFLite SQRT (elementwise, any layout).
import { unary } from './_elementwise';

export default unary('Sqrt', 'SQRT', { int8: false });
