// ONNX Hardmax → TFLite ARG_MAX then ONE_HOT (1 at the first maximum) along the remapped axis of the input's layout.
// Before opset 13 the axis split the input into 2-D rows (as Softmax did): that case runs on a [rows, cols] RESHAPE.
import { attrInt, normAxis } from '../attrs';
import { identity } from '../layout';
import type { OpConverter } from '../types';
import { Emitter, dtypeReason } from './_emit';
import { MAX_OPSET } from '../types';

const Hardmax: OpConverter = {
  op: 'Hardmax', emits: ['ARG_MAX', 'ONE_HOT', 'RESHAPE'], opset: [1, MAX_OPSET], inputs: [1, 1], dtypes: ['float32', 'float64'],
  layout: 'axis',
  check(node, ctx) {
    return dtypeReason(node, ctx, this.dtypes);
  },
  convert(node, ctx) {
    const xName = node.inputs[0];
    const y = node.outputs[0];
    const dims = ctx.shape(xName);
    const rank = dims.length;
    const axis = normAxis(attrInt(node, 'axis', ctx.opset >= 13 ? -1 : 1), rank);
    const e = new Emitter(ctx, node);
    const hardmax = (x: number, tAxis: number, out?: number) => {
      const s = e.shape(x);
      const idx = e.op('ARG_MAX', [x, ctx.constInt32([tAxis], `${node.name}/axis`, [])], s.filter((_, i) => i !== tAxis), 'INT32',
        { outputType: 'INT32' });
      return e.op('ONE_HOT', [idx, e.scalar(s[tAxis], 'INT32'), e.scalar(1), e.scalar(0)], s, 'FLOAT32', { axis: tAxis }, out);
    };
    if (ctx.opset < 13 && axis !== rank - 1) {
      const rows = dims.slice(0, axis).reduce((a, b) => a * b, 1);
      const flat = e.reshape(ctx.inputOnnx(xName), [rows, dims.slice(axis).reduce((a, b) => a * b, 1)]);
      e.reshape(hardmax(flat, 1), dims, ctx.output(y, identity(rank)));
      return;
    }
    const x = ctx.inputAny(xName);
    hardmax(x.index, x.perm.indexOf(axis), ctx.output(y, x.perm));
  },
};
export default Hardmax;
