// ONNX GreaterOrEqual (numpy broadcasting) → TFLite GREATER_EQUAL, in whatever layout its inputs have.
import { binary } from './_elementwise';

export default binary('GreaterOrEqual', 'GREATER_EQUAL');
