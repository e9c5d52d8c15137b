// com.microsoft DequantizeLinear (onnxruntime's quantizer with UseQDQContribOps, also 16-bit: int16 / uint16): ONNX's
// DequantizeLinear under another domain, converted the same way.
import type { OpConverter } from '../types';
import { MAX_OPSET } from '../types';
import DequantizeLinear from './DequantizeLinear';

const MicrosoftDequantizeLinear: OpConverter = { ...DequantizeLinear, domain: 'com.microsoft', opset: [1, MAX_OPSET] };
export default MicrosoftDequantizeLinear;
