// ONNX Equal (numpy broadcasting) → TFLite EQUAL, in whatever layout its inputs have.
import { ARITHMETIC, binary } from './_elementwise';

export default binary('Equal', 'EQUAL', { int8: true, micro: true, dtypes: [...ARITHMETIC, 'bool', 'string'] });
