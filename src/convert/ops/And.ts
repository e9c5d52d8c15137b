// ONNX And (numpy broadcasting) → TFLite LOGICAL_AND, in whatever layout its inputs have.
import { binary } from './_elementwise';

export default binary('And', 'LOGICAL_AND', { dtypes: ['bool'] });
