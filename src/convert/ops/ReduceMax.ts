// ONNX ReduceMax → TFLite REDUCE_MAX over the remapped axes of the input's layout.
import { reduce } from './_reduce';

export default reduce('ReduceMax', 'REDUCE_MAX', true);
