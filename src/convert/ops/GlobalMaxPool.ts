// ONNX GlobalMaxPool → TFLite REDUCE_MAX over the spatial axes, keeping dims (in whatever layout the input has).
import { globalPool } from './_reduce';

export default globalPool('GlobalMaxPool', 'REDUCE_MAX');
