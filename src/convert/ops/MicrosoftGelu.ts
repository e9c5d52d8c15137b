// com.microsoft Gelu (onnxruntime's fusion of the Erf form of GELU, before ONNX had Gelu) → TFLite GELU.
import { geluWithBias } from './_gelu_bias';

export default { ...geluWithBias('Gelu', false), inputs: [1, 1] as [number, number] };
