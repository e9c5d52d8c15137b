// ONNX Round → TFLite ROUND (elementwise, any layout).
import { unary } from './_elementwise';

export default unary('Round', 'ROUND', { int8: false });
