// ONNX Abs → TFLite ABS (elementwise, any layout).
import { NUMERIC, unary } from './_elementwise';

export default unary('Abs', 'ABS', { int8: true, micro: true, dtypes: NUMERIC });
