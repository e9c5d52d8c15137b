// ONNX Compress with a constant condition → TFLite GATHER of the kept indices along the axis (or of the flattened
// input); a computed condition gives WHERE's indices and an output sized at run time.
import { toNumbers } from '../../ir/tensor';
import { attrInt, normAxis } from '../attrs';
import { identity } from '../layout';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import { Emitter } from './_emit';
import { NUMERIC } from './_elementwise';

const Compress: OpConverter = {
  op: 'Compress', emits: ['GATHER', 'RESHAPE', 'WHERE', 'CAST'], incidental: ['WHERE', 'CAST'] /* a computed condition only: sized at run time */, opset: [9, MAX_OPSET],
  dtypes: [...NUMERIC, 'bool'], layout: 'onnx',
  check(node, ctx) {
    if (!ctx.isConstant(node.inputs[1]) && !node.attrs.has('axis') && ctx.isDynamic(node.inputs[0])) {
      return refuse('dynamic-shape', 'Compress without axis of a tensor sized at run time is not supported');
    }
    return undefined;
  },
  convert(node, ctx) {
    const [xName, cond] = node.inputs;
    const dims = ctx.dims(xName);
    const e = new Emitter(ctx, node);
    const hasAxis = node.attrs.has('axis');
    const axis = hasAxis ? normAxis(attrInt(node, 'axis', 0), dims.length) : 0;
    let x = ctx.inputOnnx(xName);
    if (!hasAxis) x = e.reshape(x, [dims.reduce((a, b) => a * b, 1)]);
    const y = node.outputs[0];
    const c = ctx.constant(cond);
    if (c) {
      const keep = toNumbers(c).flatMap((v, i) => (v ? [i] : []));
      ctx.emit('GATHER', [x, ctx.constInt32(keep, `${node.name}/kept`)], [ctx.output(y, identity(ctx.rank(y)))], { axis, batchDims: 0 });
      return;
    }
    // A computed condition: the kept indices from WHERE, sized at run time.
    let flag = ctx.inputOnnx(cond);
    if (ctx.rank(cond) !== 1) flag = e.reshape(flag, [-1]);
    const where = e.op('WHERE', [flag], [-1, 1], 'INT64');
    const kept = e.reshape(e.cast(where, 'INT32'), [-1]);
    const outDims = hasAxis ? dims.map((d, i) => (i === axis ? -1 : d)) : [-1];
    ctx.emit('GATHER', [x, kept], [ctx.dynamicOutput(y, identity(outDims.length), outDims)], { axis, batchDims: 0 });
  },
};
export default Compress;
