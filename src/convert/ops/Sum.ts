// ONNX Sum (variadic, numpy broadcasting) → a chain of TFLite ADD.
import { variadic } from './_elementwise';

export default variadic('Sum', 'ADD');
