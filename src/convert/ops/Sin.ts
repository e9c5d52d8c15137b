// ONNX Sin → TFLite SIN (elementwise, any layout).
import { unary } from './_elementwise';

export default unary('Sin', 'SIN', { int8: false });
