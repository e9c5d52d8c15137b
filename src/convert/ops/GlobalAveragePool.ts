// ONNX GlobalAveragePool → TFLite MEAN over the spatial axes, keeping dims (in whatever layout the input has).
import { globalPool } from './_reduce';

export default globalPool('GlobalAveragePool', 'MEAN');
