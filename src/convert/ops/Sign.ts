// ONNX Sign → TFLite SIGN (elementwise, any layout).
import { NUMERIC, unary } from './_elementwise';

export default unary('Sign', 'SIGN', { dtypes: NUMERIC });
