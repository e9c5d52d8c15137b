// ONNX Add (numpy broadcasting) → TFLite ADD, in whatever layout its inputs have.
import { binary } from './_elementwise';

export default binary('Add', 'ADD', { fused: true, wraps: true });
