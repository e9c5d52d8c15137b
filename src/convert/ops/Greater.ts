// ONNX Greater (numpy broadcasting) → TFLite GREATER, in whatever layout its inputs have.
import { binary } from './_elementwise';

export default binary('Greater', 'GREATER');
