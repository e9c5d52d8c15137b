// com.microsoft QuantizeLinear (onnxruntime's quantizer with UseQDQContribOps, also 16-bit: int16 / uint16): ONNX's
// QuantizeLinear under another domain, converted the same way.
import type { OpConverter } from '../types';
import { MAX_OPSET } from '../types';
import QuantizeLinear from './QuantizeLinear';

const MicrosoftQuantizeLinear: OpConverter = { ...QuantizeLinear, domain: 'com.microsoft', opset: [1, MAX_OPSET] };
export default MicrosoftQuantizeLinear;
