// ONNX Elu → TFLite ELU (elementwise, any layout).
import { unary } from './_elementwise';

export default unary('Elu', 'ELU', { int8: true, micro: false });
