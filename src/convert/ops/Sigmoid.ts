// ONNX Sigmoid → TFLite LOGISTIC (elementwise, any layout).
import { unary } from './_elementwise';

export default unary('Sigmoid', 'LOGISTIC');
