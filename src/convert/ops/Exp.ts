// ONNX Exp → TFLite EXP (elementwise, any layout).
import { unary } from './_elementwise';

export default unary('Exp', 'EXP', { int8: false });
