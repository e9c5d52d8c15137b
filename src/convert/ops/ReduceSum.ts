// ONNX ReduceSum → TFLite SUM over the remapped axes of the input's layout.
import { reduce } from './_reduce';

export default reduce('ReduceSum', 'SUM', true);
