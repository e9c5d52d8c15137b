// ONNX Abs → TFLite ABS (elementwise, any layout).
import { NUMERIC, unary } from './_elementwise';

export default unary('Abs', 'ABS', { dtypes: NUMERIC });
