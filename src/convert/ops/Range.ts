// ONNX Range: with constant start, limit and delta the values are computed here and become a constant; computed
// ones give TFLite RANGE, whose output is sized at run time.
import { makeTensor, toNumbers } from '../../ir/tensor';
import type { OpConverter } from '../types';
import { MAX_OPSET } from '../types';
import { scalarOf } from './_dynamic';
import { Emitter } from './_emit';

const Range: OpConverter = {
  op: 'Range', emits: ['RANGE', 'RESHAPE', 'CAST'], incidental: ['RANGE', 'RESHAPE', 'CAST'] /* computed bounds only: sized at run time */,
  opset: [11, MAX_OPSET], dtypes: ['float32', 'float64', 'int32', 'int64'], layout: 'onnx',
  convert(node, ctx) {
    const y = node.outputs[0];
    if (node.inputs.every((n) => ctx.isConstant(n))) {
      const [start, limit, delta] = node.inputs.map((n) => toNumbers(ctx.constant(n)!)[0]);
      const n = Math.max(Math.ceil((limit - start) / delta), 0);
      ctx.constants.set(y, makeTensor(y, ctx.dtype(node.inputs[0]), [n], Array.from({ length: n }, (_, i) => start + i * delta)));
      return;
    }
    const e = new Emitter(ctx, node);
    const out = ctx.dynamicOutput(y, [0], [-1]);
    const type = ctx.tensors[out].type;
    ctx.emit('RANGE', node.inputs.map((n) => scalarOf(ctx, e, n, type)), [out]);
  },
};
export default Range;
