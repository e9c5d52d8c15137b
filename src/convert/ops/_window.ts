// Shared conversion of the ONNX window functions (HannWindow, HammingWindow, BlackmanWindow): with a constant size
// the window is computed here and becomes a constant; a computed size gives a tensor sized at run time, which
// LiteRT cannot run.
import { makeTensor, ONNX_DTYPES, toNumbers } from '../../ir/tensor';
import { attrInt } from '../attrs';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';

/** Window value at n of N (N already adjusted for periodic / symmetric). */
type Fn = (n: number, N: number) => number;

export function windowOp(op: string, fn: Fn): OpConverter {
  return {
    op, emits: [], opset: [17, MAX_OPSET], dtypes: ['int32', 'int64'], layout: 'onnx',
    check(node, ctx) {
      if (!ctx.isConstant(node.inputs[0])) return refuse('computed-input', `${op} with a computed size is sized at run time, which LiteRT cannot run; make the size constant`);
      return undefined;
    },
    convert(node, ctx) {
      const size = toNumbers(ctx.constant(node.inputs[0])!)[0];
      const N = attrInt(node, 'periodic', 1) === 1 ? size : size - 1;
      const y = node.outputs[0];
      const dt = ONNX_DTYPES[attrInt(node, 'output_datatype', 1)] ?? 'float32';
      ctx.constants.set(y, makeTensor(y, dt, [size], Array.from({ length: size }, (_, n) => fn(n, N))));
    },
  };
}
