// ONNX Erf: TFLite has no erf kernel and onnx2lite does not approximate it, so it is refused with what to do instead.
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';

const REASON = 'Erf has no TFLite builtin; for GELU (x·0.5·(1 + erf(x/√2))) export the Gelu op (opset 20) or the tanh approximation';

const Erf: OpConverter = {
  op: 'Erf', emits: [], opset: [1, MAX_OPSET], dtypes: ['float32'], int8: false, micro: false, layout: 'any',
  check() {
    return refuse('unsupported', REASON);
  },
  convert(_node, ctx) {
    ctx.fail(REASON);
  },
};
export default Erf;
