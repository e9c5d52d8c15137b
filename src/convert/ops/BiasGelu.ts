// com.microsoft BiasGelu (onnxruntime's fusion of Add + exact GELU) → TFLite ADD, GELU.
import { geluWithBias } from './_gelu_bias';

export default geluWithBias('BiasGelu', false);
