// ONNX Max (variadic, numpy broadcasting) → a chain of TFLite MAXIMUM.
import { variadic } from './_elementwise';

export default variadic('Max', 'MAXIMUM');
