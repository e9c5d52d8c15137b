// ONNX OneHot → TFLite ONE_HOT in ONNX order. Indices are cast to INT32 and negative ones counted from the end
// (SELECT_V2); a computed depth sizes the output at run time, the [off, on] values may be computed (GATHER).
import { toNumbers } from '../../ir/tensor';
import { attrInt } from '../attrs';
import { identity } from '../layout';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import { scalarOf } from './_dynamic';
import { Emitter } from './_emit';

const OneHot: OpConverter = {
  op: 'OneHot', emits: ['ONE_HOT', 'CAST', 'LESS', 'ADD', 'SELECT_V2', 'GATHER', 'RESHAPE'], opset: [9, MAX_OPSET],
  dtypes: ['int32', 'int64', 'float32', 'float64'], layout: 'onnx',
  check(node, ctx) {
    const vt = ctx.dtype(node.inputs[2]);
    if (!['float32', 'float64', 'int32', 'int64'].includes(vt)) return refuse('unsupported', `OneHot with ${vt} values is not supported`);
    return undefined;
  },
  convert(node, ctx) {
    const [indices, depthName, values] = node.inputs;
    const y = node.outputs[0];
    const e = new Emitter(ctx, node);
    let idx = ctx.inputOnnx(indices);
    if (e.type(idx) !== 'INT32') idx = e.cast(idx, 'INT32');
    const rank = ctx.rank(y);
    const axis = attrInt(node, 'axis', -1);
    const dc = ctx.constant(depthName);
    // A computed depth (float or int, cast with truncation as ONNX) sizes the output at run time.
    const depth = dc ? e.scalar(Math.trunc(toNumbers(dc)[0]), 'INT32') : scalarOf(ctx, e, depthName, 'INT32');
    idx = e.select(e.bin('LESS', idx, e.scalar(0, 'INT32')), e.bin('ADD', idx, depth), idx);
    const dims = [...ctx.dims(indices)];
    dims.splice(axis < 0 ? axis + rank : axis, 0, -1);
    const out = dc ? ctx.output(y, identity(rank)) : ctx.dynamicOutput(y, identity(rank), dims);
    const type = e.type(out);
    const vc = ctx.constant(values);
    const pick = (k: number) => {
      if (vc) return e.scalar(toNumbers(vc)[k], type);
      return e.op('GATHER', [ctx.inputOnnx(values), ctx.constInt32([k], `${node.name}/pick${k}`, [])], [], type, { axis: 0, batchDims: 0 });
    };
    ctx.emit('ONE_HOT', [idx, depth, pick(1), pick(0)], [out], { axis: axis < 0 ? axis + rank : axis });
  },
};
export default OneHot;
