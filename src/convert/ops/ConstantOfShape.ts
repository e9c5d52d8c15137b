// ONNX ConstantOfShape with a constant shape is a constant (computed here when folding has not already done it);
// a computed shape gives a tensor sized at run time, which LiteRT cannot run.
import { makeTensor, toNumbers } from '../../ir/tensor';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';

const ConstantOfShape: OpConverter = {
  op: 'ConstantOfShape', emits: [], opset: [9, MAX_OPSET], dtypes: ['int64'], layout: 'onnx',
  check(node, ctx) {
    if (!ctx.isConstant(node.inputs[0])) return refuse('computed-input', 'ConstantOfShape with a computed shape is sized at run time, which LiteRT cannot run; make the shape constant');
    return undefined;
  },
  convert(node, ctx) {
    const dims = toNumbers(ctx.constant(node.inputs[0])!);
    const v = node.attrs.get('value');
    const t = v?.type === 'tensor' ? v.value : undefined;
    const y = node.outputs[0];
    const n = dims.reduce((a, b) => a * b, 1);
    ctx.constants.set(y, makeTensor(y, t?.dtype ?? 'float32', dims, new Array<number>(n).fill(t ? toNumbers(t)[0] : 0)));
  },
};
export default ConstantOfShape;
