// ONNX ReduceMean → TFLite MEAN over the remapped axes of the input's layout.
import { reduce } from './_reduce';

export default reduce('ReduceMean', 'MEAN', true);
