// ONNX RMSNormalization (opset 23; torch 2.x writes nn.RMSNorm / F.rms_norm as it): y = x / √(mean(x²) + ε) · scale
// over the axes from `axis` on, the same math as onnxruntime's SimplifiedLayerNormalization (MUL, MEAN, ADD, RSQRT in
// the input's layout); stash_type only names float32 (what LiteRT computes in anyway). One output.
import type { OpConverter } from '../types';
import { MAX_OPSET } from '../types';
import SimplifiedLayerNormalization from './SimplifiedLayerNormalization';

const RMSNormalization: OpConverter = { ...SimplifiedLayerNormalization, op: 'RMSNormalization', opset: [23, MAX_OPSET] };
export default RMSNormalization;
