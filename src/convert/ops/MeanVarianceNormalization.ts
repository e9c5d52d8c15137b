// ONNX MeanVarianceNormalization: (x - mean) / (sqrt(variance) + 1e-9) over `axes` (default N, H, W) → TFLite MEAN,
// SUB, MUL, SQRT, ADD, DIV on the remapped axes of the input's layout.
import { attrInts, normAxis } from '../attrs';
import type { OpConverter } from '../types';
import { Emitter, dtypeReason } from './_emit';
import { moments } from './_norm';
import { MAX_OPSET } from '../types';

const MeanVarianceNormalization: OpConverter = {
  op: 'MeanVarianceNormalization', emits: ['MEAN', 'SUB', 'MUL', 'SQRT', 'ADD', 'DIV'], opset: [9, MAX_OPSET], inputs: [1, 1], dtypes: ['float32', 'float64'],
  micro: false, layout: 'axis',
  check(node, ctx) {
    return dtypeReason(node, ctx, this.dtypes);
  },
  convert(node, ctx) {
    const rank = ctx.rank(node.inputs[0]);
    const onnxAxes = (attrInts(node, 'axes') ?? [0, 2, 3]).map((a) => normAxis(a, rank));
    const e = new Emitter(ctx, node);
    const x = ctx.inputAny(node.inputs[0]);
    const m = moments(e, x.index, onnxAxes.map((a) => x.perm.indexOf(a)));
    const sd = e.bin('ADD', e.un('SQRT', m.variance), e.scalar(1e-9));
    e.bin('DIV', m.centered, sd, ctx.output(node.outputs[0], x.perm));
  },
};
export default MeanVarianceNormalization;
