// ONNX Less (numpy broadcasting) → TFLite LESS, in whatever layout its inputs have.
import { binary } from './_elementwise';

export default binary('Less', 'LESS');
