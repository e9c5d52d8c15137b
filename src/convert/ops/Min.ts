// ONNX Min (variadic, numpy broadcasting) → a chain of TFLite MINIMUM.
import { variadic } from './_elementwise';

export default variadic('Min', 'MINIMUM');
