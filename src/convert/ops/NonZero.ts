// ONNX NonZero: the output size depends on the data (a tensor sized at run time, which LiteRT cannot run), so a
// computed input is refused; a constant one is folded before conversion.
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';

const REASON = 'NonZero has a data-dependent output size, which LiteRT cannot run';

const NonZero: OpConverter = {
  op: 'NonZero', emits: [], opset: [9, MAX_OPSET], dtypes: ['float32', 'int32', 'int64', 'bool'], int8: false, micro: false, layout: 'onnx',
  check() {
    return refuse('unsupported', REASON);
  },
  convert(_node, ctx) {
    ctx.fail(REASON);
  },
};
export default NonZero;
