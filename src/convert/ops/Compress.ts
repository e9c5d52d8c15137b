// ONNX Compress with a constant condition → TFLite GATHER of the kept indices along the axis (or of the flattened
// input); a computed condition gives a tensor sized at run time, which LiteRT cannot run.
import { toNumbers } from '../../ir/tensor';
import { attrInt, normAxis } from '../attrs';
import { identity } from '../layout';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import { Emitter } from './_emit';
import { NUMERIC } from './_elementwise';

const Compress: OpConverter = {
  op: 'Compress', emits: ['GATHER', 'RESHAPE'], opset: [9, MAX_OPSET], dtypes: [...NUMERIC, 'bool'], layout: 'onnx',
  check(node, ctx) {
    if (!ctx.isConstant(node.inputs[1])) return refuse('computed-input', 'Compress with a computed condition is sized at run time, which LiteRT cannot run; make the condition constant');
    return undefined;
  },
  convert(node, ctx) {
    const [xName, cond] = node.inputs;
    const dims = ctx.shape(xName);
    const keep = toNumbers(ctx.constant(cond)!).flatMap((v, i) => (v ? [i] : []));
    const e = new Emitter(ctx, node);
    const hasAxis = node.attrs.has('axis');
    const axis = hasAxis ? normAxis(attrInt(node, 'axis', 0), dims.length) : 0;
    let x = ctx.inputOnnx(xName);
    if (!hasAxis) x = e.reshape(x, [dims.reduce((a, b) => a * b, 1)]);
    const y = node.outputs[0];
    ctx.emit('GATHER', [x, ctx.constInt32(keep, `${node.name}/kept`)], [ctx.output(y, identity(ctx.rank(y)))], { axis, batchDims: 0 });
  },
};
export default Compress;
