// ScatterElements whose indices are one index per slice along the scattered axis, broadcast over the other dims (an
// Expand of a tensor with unit dims everywhere but that axis): torchvision's multi-scale RoI pooling puts each FPN
// level's RoIAlign output back at its RoIs' rows this way (axis 0), PointRend writes its point head's logits back at
// the most uncertain points (`logits.scatter(2, idx.unsqueeze(1).expand(-1, C, -1), p)` on [1, C, H·W]). That is a
// row scatter: SCATTER_ND with K coordinates instead of one per element (the general lowering's [K, C, H, W, 4]
// coordinates take hundreds of MB on a ResNet-50 FPN), and since only the scattered dim is indexed it runs in any
// stored layout where only unit dims come before that dim (channel-last RoI features, PointRend's channel-last
// [1, H·W, C] logits: no TRANSPOSE), viewed without those unit dims. Constant indices that hold one index per slice
// (an Expand of constants, folded) are such rows too: FlashOcc's BEV pooling `zeros(1, C, X·Y).scatter_add_(2,
// ranks.expand(1, C, -1), feats)` at precomputed ranks writes [X·Y, C] rows, the BEV conv's channel-last input.
import type { Node } from '../../ir/types';
import { toNumbers } from '../../ir/tensor';
import { attrInt, attrString, normAxis } from '../attrs';
import type { ConvertContext } from '../context';
import { channelLast, identity, isIdentity, permute, sameMemoryOrder, samePerm } from '../layout';
import type { Perm } from '../layout';
import { Emitter } from './_emit';
import { dimOf, wrapDivisor } from './_indices';

/** A row scatter's indices: the value with unit dims but at the axis that they are expanded from (`src`), or, for
 *  constant indices, the one index of each slice (`values`). */
export interface RowIndices { src?: string; values?: number[]; axis: number }

/** The rows' indices and the axis, when the node is such a row scatter. */
export function rowSource(ctx: ConvertContext, node: Node): RowIndices | undefined {
  const rank = ctx.rank(node.inputs[0]);
  if (rank < 2) return undefined;
  const axis = normAxis(attrInt(node, 'axis', 0), rank);
  const c = ctx.constant(node.inputs[1]);
  const producer = c ? undefined : ctx.graph.nodes.find((n) => n.outputs.includes(node.inputs[1]));
  if (!c && producer?.opType !== 'Expand') return undefined;
  const src = producer?.inputs[0];
  const values = c ? constantRows(toNumbers(c), c.dims, axis) : undefined;
  if (c && !values) return undefined;
  const d = src ? ctx.dims(src) : c!.dims.map((v, i) => (i === axis ? v : 1));
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
  // Not when those rows are the output's channel-last order and it flows into a convolution (FlashOcc's BEV map).
  const perm = rowPerm(ctx.permOf(node.inputs[2]), data, axis);
  if (perm[0] === axis && axis !== 0 && !samePerm(perm, ctx.permOf(node.inputs[2])) && !samePerm(perm, ctx.permOf(node.inputs[0]))
    && data.slice(0, axis).some((v) => v !== 1)
    && !(ctx.prefersChannelLast.has(node.outputs[0]) && sameMemoryOrder(data, perm, channelLast(rank)))) return undefined;
  return { src, values, axis };
}

/** The index of each slice along `axis` when every slice of the constant indices holds one value. */
function constantRows(v: number[], dims: number[], axis: number): number[] | undefined {
  const n = dims[axis];
  const inner = dims.slice(axis + 1).reduce((p, q) => p * q, 1);
  const rows = Array.from({ length: n }, (_, k) => v[k * inner]);
  for (let f = 0; f < v.length; f++) if (v[f] !== rows[Math.floor(f / inner) % n]) return undefined;
  return rows;
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
export function emitRowScatter(ctx: ConvertContext, node: Node, rows: RowIndices): void {
  const e = new Emitter(ctx, node);
  const [data, , updatesName] = node.inputs;
  const dims = ctx.dims(data);
  const rank = dims.length;
  const perm = rowPerm(ctx.permOf(updatesName), dims, rows.axis);
  const lead = perm.indexOf(rows.axis);
  let x = filled(ctx, e, data, perm) ?? ctx.input(data, perm);
  let updates = ctx.input(updatesName, perm);
  const type = e.type(x);
  let r = rows.src ? ctx.inputOnnx(rows.src) : ctx.constInt32(rows.values!, `${node.name}/rows`);
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

/**
 * The stored order a row scatter wants its updates `y` in — unit dims, the rows' axis, then the rest — when `y`'s one
 * reader is such a scatter; a reshape that must move `y` anyway lands it there (FlashOcc's frustum features viewed
 * [1, C, points] from the camera-major outer product: one move to [points, C] rows instead of two). Undefined otherwise.
 */
export function rowsWanted(ctx: ConvertContext, y: string): Perm | undefined {
  const readers = ctx.readersOf(y);
  const s = readers[0];
  if (readers.length !== 1 || s.opType !== 'ScatterElements' || s.inputs.indexOf(y) !== 2 || ctx.graph.outputs.some((o) => o.name === y)) return undefined;
  const rows = rowSource(ctx, s);
  const dims = ctx.dims(y);
  if (!rows || dims.some((d) => d < 0)) return undefined;
  const rest = [...dims.keys()].filter((d) => d !== rows.axis);
  return [...rest.filter((d) => dims[d] === 1), rows.axis, ...rest.filter((d) => dims[d] !== 1)];
}
