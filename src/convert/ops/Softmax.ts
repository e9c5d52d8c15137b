// ONNX Softmax → TFLite SOFTMAX over the (remapped) last axis.
import { softmax } from './_softmax';

export default softmax('Softmax', 'SOFTMAX');
