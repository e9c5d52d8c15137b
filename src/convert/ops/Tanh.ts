// ONNX Tanh → TFLite TANH (elementwise, any layout).
import { unary } from './_elementwise';

export default unary('Tanh', 'TANH');
