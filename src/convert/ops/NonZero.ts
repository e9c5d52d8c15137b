// ONNX NonZero → TFLite WHERE (the coordinates of the non-zero elements, [n, rank] int64, n known only at run
// time) and a CAST to the converter's int32, kept in WHERE's [n, rank] order (layout [1, 0] of ONNX's [rank, n]; a
// RESHAPE for 1-D inputs). A constant input is folded before conversion.
import { identity } from '../layout';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';

const NonZero: OpConverter = {
  op: 'NonZero', emits: ['WHERE', 'CAST', 'TRANSPOSE', 'RESHAPE'], opset: [9, MAX_OPSET], dtypes: ['float32', 'int32', 'int64', 'bool', 'uint8', 'int8'],
  layout: 'onnx',
  check(node, ctx) {
    if (ctx.rank(node.inputs[0]) === 0) return refuse('rank', 'NonZero of a scalar is not supported (TFLite\'s WHERE needs rank ≥ 1)');
    return undefined;
  },
  convert(node, ctx) {
    const rank = ctx.rank(node.inputs[0]);
    const x = ctx.input(node.inputs[0], identity(rank));
    const coords = ctx.temp([-1, rank], 'INT64', `${node.name}/where`);
    ctx.emit('WHERE', [x], [coords]);
    if (rank > 1) {
      // Stored as WHERE gives it, [n, rank] (layout [1, 0]): torch's nonzero transposes it back (no op then), and
      // a reader that wants ONNX's [rank, n] gets its TRANSPOSE from the context.
      ctx.emit('CAST', [coords], [ctx.dynamicOutput(node.outputs[0], [1, 0], [rank, -1])]);
      return;
    }
    const narrow = ctx.temp([-1, rank], 'INT32', `${node.name}/coords`);
    ctx.emit('CAST', [coords], [narrow]);
    // Of a 1-D input, [n, 1] → [1, n] moves no data: a RESHAPE.
    const out = ctx.dynamicOutput(node.outputs[0], identity(2), [rank, -1]);
    ctx.emit('RESHAPE', [narrow, ctx.constInt32([1, -1], `${node.name}/shape`)], [out], { newShape: [1, -1] });
  },
};
export default NonZero;
