// ONNX Relu → TFLite RELU (elementwise, any layout).
import { unary } from './_elementwise';

export default unary('Relu', 'RELU');
