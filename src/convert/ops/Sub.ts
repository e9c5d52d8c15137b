// ONNX Sub (numpy broadcasting) → TFLite SUB, in whatever layout its inputs have.
import { binary } from './_elementwise';

export default binary('Sub', 'SUB', { fused: true, wraps: true });
