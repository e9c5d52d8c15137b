// com.microsoft QuantizeLinear (onnxruntime's quantizer with UseQDQContribOps, also 16-bit: int16 / uint16): ONNX's
// QuantizeLinear under another domain, converted the same way.
import QuantizeLinear from './QuantizeLinear';
import { underMicrosoft } from './_microsoft';

export default underMicrosoft(QuantizeLinear);
