// ONNX Div (numpy broadcasting) → TFLite DIV, in whatever layout its inputs have.
import { binary } from './_elementwise';

export default binary('Div', 'DIV', { fused: true });
