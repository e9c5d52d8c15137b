// ONNX Transpose: no op. The output is the same stored tensor under another layout; the layout pass adds a
// TRANSPOSE only where a later op needs an order the data is not in (so back-to-back transposes cancel).
import { attrInts } from '../attrs';
import { invert } from '../layout';
import type { OpConverter } from '../types';
import { NUMERIC } from './_elementwise';
import { MAX_OPSET } from '../types';

const Transpose: OpConverter = {
  op: 'Transpose', emits: ['TRANSPOSE'], opset: [1, MAX_OPSET], dtypes: [...NUMERIC, 'bool'], layout: 'axis',
  convert(node, ctx) {
    const x = ctx.inputAny(node.inputs[0]);
    const rank = x.perm.length;
    const p = attrInts(node, 'perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
    // ONNX out dim j = in dim p[j]; stored in dim i = in dim q[i]. Choosing out layout r = p⁻¹∘q makes the
    // stored data already correct: out dim r[i] = in dim p[r[i]] = in dim q[i].
    const pinv = invert(p);
    const r = x.perm.map((q) => pinv[q]);
    ctx.bind(node.outputs[0], x.index, r);
  },
};
export default Transpose;
