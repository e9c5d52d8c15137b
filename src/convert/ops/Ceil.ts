// ONNX Ceil → TFLite CEIL (elementwise, any layout).
import { unary } from './_elementwise';

export default unary('Ceil', 'CEIL', { int8: false });
