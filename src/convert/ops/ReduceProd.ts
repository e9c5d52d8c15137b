// ONNX ReduceProd → TFLite REDUCE_PROD over the remapped axes of the input's layout.
import { reduce } from './_reduce';

export default reduce('ReduceProd', 'REDUCE_PROD', false);
