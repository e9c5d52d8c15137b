// ONNX Or (numpy broadcasting) → TFLite LOGICAL_OR, in whatever layout its inputs have.
import { binary } from './_elementwise';

export default binary('Or', 'LOGICAL_OR', { dtypes: ['bool'] });
