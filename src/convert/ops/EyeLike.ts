// ONNX EyeLike: its output depends only on the input's (static) shape, so it is computed here and becomes a
// constant (ones on diagonal k, of `dtype` or the input's type).
import { ONNX_DTYPES, makeTensor } from '../../ir/tensor';
import { attrInt } from '../attrs';
import type { OpConverter } from '../types';
import { MAX_OPSET } from '../types';

const EyeLike: OpConverter = {
  op: 'EyeLike', emits: [], opset: [9, MAX_OPSET], dtypes: ['float32', 'float64', 'int32', 'int64', 'bool', 'uint8', 'int8'],
  layout: 'onnx',
  convert(node, ctx) {
    const [n, m] = ctx.shape(node.inputs[0]);
    const k = attrInt(node, 'k', 0);
    const dt = node.attrs.has('dtype') ? ONNX_DTYPES[attrInt(node, 'dtype', 1)] : ctx.dtype(node.inputs[0]);
    const vals = new Array<number>(n * m).fill(0);
    for (let i = 0; i < n; i++) if (i + k >= 0 && i + k < m) vals[i * m + i + k] = 1;
    const y = node.outputs[0];
    ctx.constants.set(y, makeTensor(y, dt, [n, m], vals));
  },
};
export default EyeLike;
