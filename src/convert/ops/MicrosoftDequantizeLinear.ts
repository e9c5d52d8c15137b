// com.microsoft DequantizeLinear (onnxruntime's quantizer with UseQDQContribOps, also 16-bit: int16 / uint16): ONNX's
// DequantizeLinear under another domain, converted the same way.
import DequantizeLinear from './DequantizeLinear';
import { underMicrosoft } from './_microsoft';

export default underMicrosoft(DequantizeLinear);
