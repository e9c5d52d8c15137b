// ONNX Xor (numpy broadcasting) → TFLite NOT_EQUAL, in whatever layout its inputs have.
import { binary } from './_elementwise';

export default binary('Xor', 'NOT_EQUAL', { int8: false, dtypes: ['bool'] });
