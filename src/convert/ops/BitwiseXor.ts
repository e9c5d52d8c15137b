// ONNX BitwiseXor (opset 18) → TFLite BITWISE_XOR (numpy broadcasting, any layout). BitwiseAnd / BitwiseOr have no
// TFLite builtin and are refused.
import { MAX_OPSET } from '../types';
import { binary } from './_elementwise';
import { BITWISE_TYPES } from './BitwiseNot';

export default binary('BitwiseXor', 'BITWISE_XOR', { opset: [18, MAX_OPSET], dtypes: BITWISE_TYPES, int8: false, micro: false });
