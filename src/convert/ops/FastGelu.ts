// com.microsoft FastGelu (onnxruntime's fusion of the tanh-approximated GELU, optional bias) → TFLite ADD, GELU
// with `approximate`.
import { geluWithBias } from './_gelu_bias';

export default geluWithBias('FastGelu', true);
