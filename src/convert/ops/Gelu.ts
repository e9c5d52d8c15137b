// ONNX Gelu → TFLite GELU (elementwise, any layout).
import { unary } from './_elementwise';

export default unary('Gelu', 'GELU', { micro: false });
