// ONNX CumSum → TFLite CUMSUM (exclusive, reverse) along the remapped axis of the input's layout; a computed axis
// (known only at run time) is passed through with the input in ONNX order.
import { toNumbers } from '../../ir/tensor';
import { attrInt, normAxis } from '../attrs';
import { identity } from '../layout';
import type { OpConverter } from '../types';
import { Emitter, dtypeReason } from './_emit';
import { MAX_OPSET } from '../types';

const CumSum: OpConverter = {
  op: 'CumSum', emits: ['CUMSUM', 'RESHAPE'], opset: [11, MAX_OPSET], inputs: [2, 2], dtypes: ['float32', 'float64', 'int32', 'int64'],
  micro: false, layout: 'axis',
  check(node, ctx) {
    return dtypeReason(node, ctx, this.dtypes);
  },
  convert(node, ctx) {
    const [xName, axisName] = node.inputs;
    const opts = { exclusive: attrInt(node, 'exclusive', 0) === 1, reverse: attrInt(node, 'reverse', 0) === 1 };
    const e = new Emitter(ctx, node);
    const c = ctx.constant(axisName);
    if (c) {
      const x = ctx.inputAny(xName);
      const axis = x.perm.indexOf(normAxis(toNumbers(c)[0], x.perm.length));
      ctx.emit('CUMSUM', [x.index, e.scalar(axis, 'INT32')], [ctx.output(node.outputs[0], x.perm)], opts);
      return;
    }
    const rank = ctx.rank(xName);
    const axis = e.reshape(ctx.inputOnnx(axisName), []);
    ctx.emit('CUMSUM', [ctx.inputOnnx(xName), axis], [ctx.output(node.outputs[0], identity(rank))], opts);
  },
};
export default CumSum;
