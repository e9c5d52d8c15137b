// ONNX LessOrEqual (numpy broadcasting) → TFLite LESS_EQUAL, in whatever layout its inputs have.
import { binary } from './_elementwise';

export default binary('LessOrEqual', 'LESS_EQUAL');
