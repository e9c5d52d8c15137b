// ONNX Neg → TFLite NEG (elementwise, any layout).
import { NUMERIC, unary } from './_elementwise';

export default unary('Neg', 'NEG', { dtypes: NUMERIC });
