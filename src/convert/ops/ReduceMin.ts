// ONNX ReduceMin → TFLite REDUCE_MIN over the remapped axes of the input's layout.
import { reduce } from './_reduce';

export default reduce('ReduceMin', 'REDUCE_MIN', true);
