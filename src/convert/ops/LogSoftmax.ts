// ONNX LogSoftmax → TFLite LOG_SOFTMAX over the (remapped) last axis.
import { softmax } from './_softmax';

export default softmax('LogSoftmax', 'LOG_SOFTMAX');
