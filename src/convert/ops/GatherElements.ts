// ONNX GatherElements → TFLite GATHER_ND with the full coordinates of every element (the axis coordinate taken from
// the indices, the others constant). Data of static dims is read as stored (a CNN's channel-last map flattened and
// gathered by a centre-net decode: MoveNet), the coordinates listing each element's ONNX coordinates in the stored
// axis order. Run-time indices of static dims are read as stored as well, and the output is stored in their order
// (HITNet's warp along W of a channel-last map by channel-last indices: no transposes); constant or dynamic-sized
// indices give an output in ONNX order.
import { attrInt, normAxis } from '../attrs';
import { identity } from '../layout';
import type { OpConverter } from '../types';
import { Emitter } from './_emit';
import { NUMERIC } from './_elementwise';
import { elementCoords } from './_indices';
import { MAX_OPSET } from '../types';

const GatherElements: OpConverter = {
  op: 'GatherElements', emits: ['GATHER_ND', 'CONCATENATION', 'RESHAPE', 'FLOOR_MOD', 'BROADCAST_TO'], incidental: ['FLOOR_MOD', 'BROADCAST_TO'] /* indices */, opset: [11, MAX_OPSET], inputs: [2, 2], dtypes: [...NUMERIC, 'bool'],
  micro: false, layout: 'onnx',
  convert(node, ctx) {
    const [data, indices] = node.inputs;
    const dims = ctx.shape(data);
    const axis = normAxis(attrInt(node, 'axis', 0), dims.length);
    const e = new Emitter(ctx, node);
    const src = dims.every((d) => d >= 0) ? ctx.inputAny(data) : { index: ctx.inputOnnx(data), perm: identity(dims.length) };
    // Indices computed at run time and of static dims are read as stored too, and the output keeps their order.
    const iDims = ctx.shape(indices);
    const idx = iDims.every((d) => d >= 0) && !ctx.constant(indices) ? ctx.inputAny(indices) : undefined;
    const coords = elementCoords(e, indices, axis, dims, src.perm, idx);
    const out = ctx.output(node.outputs[0], idx?.perm ?? identity(dims.length));
    ctx.emit('GATHER_ND', [src.index, coords], [out]);
  },
};
export default GatherElements;
