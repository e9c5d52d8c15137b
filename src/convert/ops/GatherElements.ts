// ONNX GatherElements → TFLite GATHER_ND with the full coordinates of every element (the axis coordinate taken from
// the indices, the others constant). Data of static dims is read as stored (a CNN's channel-last map flattened and
// gathered by a centre-net decode: MoveNet), the coordinates listing each element's ONNX coordinates in the stored
// axis order. Run-time indices of static dims are read as stored as well, and the output is stored in their order
// (HITNet's warp along W of a channel-last map by channel-last indices: no transposes); constant or dynamic-sized
// indices give an output in ONNX order. Indices that are one list along the axis broadcast over every other axis by an
// Expand (torch's `x.gather(d, idx.unsqueeze(..).expand(...))`: PVCNN's devoxelization, RandLA-Net's nearest
// upsampling) are a GATHER of the data as stored, whose output keeps the data's order (a channel-last map stays
// channel-last).
import { attrInt, normAxis } from '../attrs';
import { identity } from '../layout';
import type { ConvertContext } from '../context';
import { producerOf } from '../elementwise-layout';
import type { OpConverter } from '../types';
import { Emitter } from './_emit';
import { NUMERIC } from './_elementwise';
import { elementCoords } from './_indices';
import { MAX_OPSET } from '../types';

const GatherElements: OpConverter = {
  op: 'GatherElements', emits: ['GATHER_ND', 'GATHER', 'CONCATENATION', 'RESHAPE', 'FLOOR_MOD', 'BROADCAST_TO'], incidental: ['FLOOR_MOD', 'BROADCAST_TO'] /* indices */, opset: [11, MAX_OPSET], inputs: [2, 2], dtypes: [...NUMERIC, 'bool'],
  micro: false, layout: 'onnx',
  convert(node, ctx) {
    const [data, indices] = node.inputs;
    const dims = ctx.shape(data);
    const axis = normAxis(attrInt(node, 'axis', 0), dims.length);
    const e = new Emitter(ctx, node);
    const rows = broadcastRows(ctx, indices, axis, dims);
    if (rows) {
      const x = ctx.inputAny(data);
      const n = ctx.dims(rows)[axis];
      const idx = e.bin('FLOOR_MOD', e.reshape(ctx.inputOnnx(rows), [n]), e.scalar(dims[axis], 'INT32'));
      ctx.emit('GATHER', [x.index, idx], [ctx.output(node.outputs[0], x.perm)], { axis: x.perm.indexOf(axis), batchDims: 0 });
      return;
    }
    const src = dims.every((d) => d >= 0) ? ctx.inputAny(data) : { index: ctx.inputOnnx(data), perm: identity(dims.length) };
    // Indices computed at run time and of static dims are read as stored too, and the output keeps their order.
    const iDims = ctx.shape(indices);
    const idx = iDims.every((d) => d >= 0) && !ctx.constant(indices) ? ctx.inputAny(indices) : undefined;
    const coords = elementCoords(e, indices, axis, dims, src.perm, idx);
    const out = ctx.output(node.outputs[0], idx?.perm ?? identity(dims.length));
    ctx.emit('GATHER_ND', [src.index, coords], [out]);
  },
};

/** The index list when `indices` is an Expand of a tensor whose dims are 1 on every axis but `axis`, expanded to the
 *  data's dims on those axes (every element along them reads the same rows), for data of static dims. */
function broadcastRows(ctx: ConvertContext, indices: string, axis: number, dims: number[]): string | undefined {
  const p = producerOf(ctx, indices);
  if (p?.opType !== 'Expand' || dims.some((d) => d < 0) || ctx.constant(indices)) return undefined;
  const list = p.inputs[0];
  const s = ctx.dims(list);
  const out = ctx.dims(indices);
  if (s.length !== dims.length || s[axis] < 0 || out[axis] !== s[axis]) return undefined;
  return s.every((d, k) => k === axis || d === 1) && out.every((d, k) => k === axis || d === dims[k]) ? list : undefined;
}
export default GatherElements;
