// ONNX Mul (numpy broadcasting) → TFLite MUL, in whatever layout its inputs have.
import { binary } from './_elementwise';

export default binary('Mul', 'MUL', { fused: true, wraps: true });
