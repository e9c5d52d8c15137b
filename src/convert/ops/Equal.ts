// ONNX Equal (numpy broadcasting) → TFLite EQUAL, in whatever layout its inputs have.
import { ARITHMETIC, binary } from './_elementwise';

export default binary('Equal', 'EQUAL', { dtypes: [...ARITHMETIC, 'bool', 'string'] });
