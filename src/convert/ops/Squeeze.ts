// ONNX Squeeze → TFLite RESHAPE to the inferred static shape (in the stored layout when data order allows).
import { reshapeLike } from './_reshape';

export default reshapeLike('Squeeze');
