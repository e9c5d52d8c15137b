// ONNX HardSwish → TFLite HARD_SWISH (elementwise, any layout).
import { unary } from './_elementwise';

export default unary('HardSwish', 'HARD_SWISH');
