// ONNX Sign → TFLite SIGN (elementwise, any layout).
import { NUMERIC, unary } from './_elementwise';

export default unary('Sign', 'SIGN', { int8: false, micro: false, dtypes: NUMERIC });
