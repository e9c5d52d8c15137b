// ONNX Range with constant start, limit and delta: the values are computed here and become a constant (emitting
// TFLite's RANGE would leave LiteRT a tensor sized at run time, which it cannot run). Computed bounds are refused.
import { makeTensor, toNumbers } from '../../ir/tensor';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';

const Range: OpConverter = {
  op: 'Range', emits: [], opset: [11, MAX_OPSET], dtypes: ['float32', 'float64', 'int32', 'int64'], layout: 'onnx',
  check(node, ctx) {
    if (node.inputs.some((n) => !ctx.isConstant(n))) {
      return refuse('computed-input', 'Range with computed start, limit or delta has a length known only at run time, which LiteRT cannot run; make them constant');
    }
    return undefined;
  },
  convert(node, ctx) {
    const [start, limit, delta] = node.inputs.map((n) => toNumbers(ctx.constant(n)!)[0]);
    const n = Math.max(Math.ceil((limit - start) / delta), 0);
    const y = node.outputs[0];
    ctx.constants.set(y, makeTensor(y, ctx.dtype(node.inputs[0]), [n], Array.from({ length: n }, (_, i) => start + i * delta)));
  },
};
export default Range;
