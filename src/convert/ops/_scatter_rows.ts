// ScatterElements along axis 0 whose indices are one index per row, broadcast over the other dims (an Expand of a
// [K, 1, ..., 1] tensor): torchvision's multi-scale RoI pooling puts each FPN level's RoIAlign output back at its
// RoIs' rows this way. That is a row scatter: SCATTER_ND with K coordinates instead of one per element (the general
// lowering's [K, C, H, W, 4] coordinates take hundreds of MB on a ResNet-50 FPN), and since only the leading dim is
// indexed it runs in any stored layout that keeps that dim first (channel-last RoI features: no TRANSPOSE).
import type { Node } from '../../ir/types';
import { attrInt, attrString, normAxis } from '../attrs';
import type { ConvertContext } from '../context';
import { identity, isIdentity, permute, samePerm } from '../layout';
import type { Perm } from '../layout';
import { Emitter } from './_emit';
import { dimOf, wrapDivisor } from './_indices';

/** The [K, 1, ..., 1] value the indices are expanded from, when the node is such a row scatter. */
export function rowSource(ctx: ConvertContext, node: Node): string | undefined {
  const rank = ctx.rank(node.inputs[0]);
  if (normAxis(attrInt(node, 'axis', 0), rank) !== 0 || rank < 2) return undefined;
  if (ctx.isConstant(node.inputs[1])) return undefined;
  const producer = ctx.graph.nodes.find((n) => n.outputs.includes(node.inputs[1]));
  if (producer?.opType !== 'Expand') return undefined;
  const src = producer.inputs[0];
  const d = ctx.dims(src);
  const upd = ctx.dims(node.inputs[2]);
  const idx = ctx.dims(node.inputs[1]);
  // Indices and updates of the same dims (ONNX requires it), the source one index per row.
  if (d.length !== rank || d.slice(1).some((v) => v !== 1) || upd.length !== rank || idx.some((v, i) => v >= 0 && upd[i] >= 0 && v !== upd[i])) return undefined;
  return src;
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

/** Emits the row scatter of `node` (see the file comment); `rows` is rowSource's answer. */
export function emitRowScatter(ctx: ConvertContext, node: Node, rows: string): void {
  const e = new Emitter(ctx, node);
  const [data, , updatesName] = node.inputs;
  const dims = ctx.dims(data);
  const rank = dims.length;
  // The updates' layout when it keeps the row dim first, else ONNX order.
  const have = ctx.permOf(updatesName);
  const perm: Perm = have[0] === 0 ? have : identity(rank);
  const x = filled(ctx, e, data, perm) ?? ctx.input(data, perm);
  const updates = ctx.input(updatesName, perm);
  const type = e.type(x);
  let r = ctx.inputOnnx(rows);
  if (e.type(r) !== 'INT32') r = e.cast(r, 'INT32');
  r = e.reshape(r, [-1, 1]);
  const n = dims[0] >= 0 ? e.scalar(dims[0], 'INT32') : dimOf(e, x, rank, 0);
  const coords = e.bin('FLOOR_MOD', r, dims[0] >= 0 ? n : wrapDivisor(e, n));
  const stored = perm.map((p) => dims[p]);
  const dynamic = dims.some((d) => d < 0);
  const shape = dynamic ? e.op('SHAPE', [x], [rank], 'INT32', { outType: 'INT32' }) : ctx.constInt32(stored, `${node.name}/shape`);
  const out = dynamic ? ctx.dynamicOutput(node.outputs[0], perm, dims) : ctx.output(node.outputs[0], perm);
  const scattered = e.op('SCATTER_ND', [coords, updates, shape], stored, type);
  if (attrString(node, 'reduction', 'none') === 'add') {
    e.bin('ADD', x, scattered, out);
    return;
  }
  // Which rows were written: ones scattered into [N], broadcast over the row.
  const k = e.op('SHAPE', [coords], [2], 'INT32', { outType: 'INT32' });
  const kOnly = e.op('STRIDED_SLICE', [k, ctx.constInt32([0], `${node.name}/k0`), ctx.constInt32([1], `${node.name}/k1`),
    ctx.constInt32([1], `${node.name}/k2`)], [1], 'INT32', { beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0, offset: false });
  const ones = e.op('FILL', [kOnly, e.scalar(1, 'INT32')], [-1], 'INT32');
  const nVec = e.reshape(n, [1]);
  const hit = e.op('SCATTER_ND', [coords, ones, nVec], [stored[0]], 'INT32');
  const mask = e.reshape(e.bin('GREATER', hit, e.scalar(0, 'INT32')), [-1, ...stored.slice(1).map(() => 1)]);
  e.select(mask, scattered, x, out);
}
