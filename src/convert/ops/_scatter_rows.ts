// ScatterElements whose indices are one index per slice along the scattered axis, broadcast over the other dims (an
// Expand of a tensor with unit dims everywhere but that axis): torchvision's multi-scale RoI pooling puts each FPN
// level's RoIAlign output back at its RoIs' rows this way (axis 0), PointRend writes its point head's logits back at
// the most uncertain points (`logits.scatter(2, idx.unsqueeze(1).expand(-1, C, -1), p)` on [1, C, H·W]). That is a
// row scatter: SCATTER_ND with K coordinates instead of one per element (the general lowering's [K, C, H, W, 4]
// coordinates take hundreds of MB on a ResNet-50 FPN), and since only the scattered dim is indexed it runs in any
// stored layout where only unit dims come before that dim (channel-last RoI features, PointRend's channel-last
// [1, H·W, C] logits: no TRANSPOSE), viewed without those unit dims.
import type { Node } from '../../ir/types';
import { attrInt, attrString, normAxis } from '../attrs';
import type { ConvertContext } from '../context';
import { identity, isIdentity, permute, samePerm } from '../layout';
import type { Perm } from '../layout';
import { Emitter } from './_emit';
import { dimOf, wrapDivisor } from './_indices';

/** The value with unit dims but at the axis that the indices are expanded from, and the axis, when the node is
 *  such a row scatter. */
export function rowSource(ctx: ConvertContext, node: Node): { src: string; axis: number } | undefined {
  const rank = ctx.rank(node.inputs[0]);
  if (rank < 2) return undefined;
  const axis = normAxis(attrInt(node, 'axis', 0), rank);
  if (ctx.isConstant(node.inputs[1])) return undefined;
  const producer = ctx.graph.nodes.find((n) => n.outputs.includes(node.inputs[1]));
  if (producer?.opType !== 'Expand') return undefined;
  const src = producer.inputs[0];
  const d = ctx.dims(src);
  const data = ctx.dims(node.inputs[0]);
  const upd = ctx.dims(node.inputs[2]);
  const idx = ctx.dims(node.inputs[1]);
  // Indices and updates of the same dims (ONNX requires it), the source one index per slice, the updates whole slices.
  if (d.length !== rank || d.some((v, i) => i !== axis && v !== 1) || upd.length !== rank) return undefined;
  if (idx.some((v, i) => v >= 0 && upd[i] >= 0 && v !== upd[i])) return undefined;
  if (upd.some((v, i) => i !== axis && v !== data[i])) return undefined;
  // Along another axis than the first, static dims (the view drops the unit dims before the axis).
  if (axis !== 0 && data.some((v) => v < 0)) return undefined;
  // When neither the updates' stored order nor ONNX order has the axis first (but for unit dims) and the data is not
  // stored that way either, the rows would be moved axis-first for the scatter and back after it: a static cache
  // written at its sequence axis ([B, H, S, d] at `cache_position`, four TRANSPOSEs a write) takes the element-wise
  // scatter instead, in ONNX order.
  const perm = rowPerm(ctx.permOf(node.inputs[2]), data, axis);
  if (perm[0] === axis && axis !== 0 && !samePerm(perm, ctx.permOf(node.inputs[2])) && !samePerm(perm, ctx.permOf(node.inputs[0]))
    && data.slice(0, axis).some((v) => v !== 1)) return undefined;
  return { src, axis };
}

/** Data made by ConstantOfShape from a computed shape (torchvision's zeros(n, C, 7, 7)), when not yet stored in
 *  `perm`: a FILL of the permuted shape, rather than a TRANSPOSE of the ONNX-order one. */
function filled(ctx: ConvertContext, e: Emitter, data: string, perm: Perm): number | undefined {
  if (samePerm(ctx.permOf(data), perm) || isIdentity(perm)) return undefined;
  const producer = ctx.graph.nodes.find((n) => n.outputs.includes(data));
  const stored = ctx.primaryOf(data);
  if (producer?.opType !== 'ConstantOfShape' || ctx.isConstant(producer.inputs[0]) || !stored) return undefined;
  const fill = ctx.operators.find((op) => op.opcode === 'FILL' && op.outputs[0] === stored.index);
  if (!fill) return undefined;
  const shape = e.op('GATHER', [fill.inputs[0], ctx.constInt32(perm, `${data}__fill_perm`)], [perm.length], 'INT32', { axis: 0, batchDims: 0 });
  return e.op('FILL', [shape, fill.inputs[1]], permute(ctx.dims(data), perm), e.type(stored.index));
}

/** The stored order of a row scatter along `axis`: `have` (the updates') when only unit dims come before the axis
 *  in it (none when a dim is known only at run time), else ONNX order when that holds there, else the axis first. */
function rowPerm(have: Perm, dims: number[], axis: number): Perm {
  const dynamic = dims.some((d) => d < 0);
  const leads = (p: Perm) => (dynamic ? p[0] === axis : p.slice(0, p.indexOf(axis)).every((d) => dims[d] === 1));
  if (leads(have)) return have;
  const onnx = identity(dims.length);
  return leads(onnx) ? onnx : [axis, ...onnx.filter((d) => d !== axis)];
}

/** Emits the row scatter of `node` (see the file comment); `rows` is rowSource's answer. */
export function emitRowScatter(ctx: ConvertContext, node: Node, rows: { src: string; axis: number }): void {
  const e = new Emitter(ctx, node);
  const [data, , updatesName] = node.inputs;
  const dims = ctx.dims(data);
  const rank = dims.length;
  const perm = rowPerm(ctx.permOf(updatesName), dims, rows.axis);
  const lead = perm.indexOf(rows.axis);
  let x = filled(ctx, e, data, perm) ?? ctx.input(data, perm);
  let updates = ctx.input(updatesName, perm);
  const type = e.type(x);
  let r = ctx.inputOnnx(rows.src);
  if (e.type(r) !== 'INT32') r = e.cast(r, 'INT32');
  r = e.reshape(r, [-1, 1]);
  const stored = perm.map((p) => dims[p]);
  // The unit dims before the axis dropped: rows along the first dim of the view.
  const view = stored.slice(lead);
  if (lead > 0) {
    x = e.reshape(x, view);
    updates = e.reshape(updates, [-1, ...view.slice(1)]);
  }
  const n = dims[rows.axis] >= 0 ? e.scalar(dims[rows.axis], 'INT32') : dimOf(e, x, rank, 0);
  const coords = e.bin('FLOOR_MOD', r, dims[rows.axis] >= 0 ? n : wrapDivisor(e, n));
  const dynamic = dims.some((d) => d < 0);
  const shape = dynamic ? e.op('SHAPE', [x], [rank], 'INT32', { outType: 'INT32' }) : ctx.constInt32(view, `${node.name}/shape`);
  const out = dynamic ? ctx.dynamicOutput(node.outputs[0], perm, dims) : ctx.output(node.outputs[0], perm);
  const target = lead > 0 ? undefined : out;
  const scattered = e.op('SCATTER_ND', [coords, updates, shape], view, type);
  let result: number;
  if (attrString(node, 'reduction', 'none') === 'add') {
    result = e.bin('ADD', x, scattered, target);
  } else {
    // Which rows were written: ones scattered into [N], broadcast over the row.
    const k = e.op('SHAPE', [coords], [2], 'INT32', { outType: 'INT32' });
    const kOnly = e.op('STRIDED_SLICE', [k, ctx.constInt32([0], `${node.name}/k0`), ctx.constInt32([1], `${node.name}/k1`),
      ctx.constInt32([1], `${node.name}/k2`)], [1], 'INT32', { beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0, offset: false });
    const ones = e.op('FILL', [kOnly, e.scalar(1, 'INT32')], [e.shape(coords)[0]], 'INT32');
    const nVec = e.reshape(n, [1]);
    const hit = e.op('SCATTER_ND', [coords, ones, nVec], [view[0]], 'INT32');
    const mask = e.reshape(e.bin('GREATER', hit, e.scalar(0, 'INT32')), [-1, ...view.slice(1).map(() => 1)]);
    result = e.select(mask, scattered, x, target);
  }
  if (lead > 0) e.reshape(result, stored, out);
}
