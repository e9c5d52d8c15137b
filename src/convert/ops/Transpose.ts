// ONNX Transpose: no op. The output is the same stored tensor under another layout; the layout pass adds a
// TRANSPOSE only where a later op needs an order the data is not in (so back-to-back transposes cancel).
// One exception: a transpose whose output is only split (Gather of single indices, Slice, Split: attention's stacked
// q, k, v) into a layout that is neither ONNX order nor channel-last is done here, once, in ONNX order; left lazy,
// each part would need its own TRANSPOSE later — unless every part's layout moves only unit dims from ONNX order
// (BEVFormer's `(out[:b] + out[b:]) / 2` of a value stored [q, 2b, c]): those parts read as stored cost nothing.
import { attrInt, attrInts, normAxis } from '../attrs';
import type { ConvertContext } from '../context';
import { channelLast, identity, invert, isIdentity, sameMemoryOrder, samePerm } from '../layout';
import type { OpConverter } from '../types';
import type { Node } from '../../ir/types';
import { NUMERIC } from './_elementwise';
import { axisFirstOrder } from './Gather';
import { reduceAxes } from './_reduce';
import { MAX_OPSET } from '../types';
import { contractionAxisFirst } from '../split-order';
import { movedBeforeGrowth } from '../grown-broadcast';

const Transpose: OpConverter = {
  op: 'Transpose', emits: ['TRANSPOSE'], opset: [1, MAX_OPSET], dtypes: [...NUMERIC, 'float64', 'bool'], layout: 'axis',
  convert(node, ctx) {
    const x = ctx.inputAny(node.inputs[0]);
    const rank = x.perm.length;
    const p = attrInts(node, 'perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
    // ONNX out dim j = in dim p[j]; stored in dim i = in dim q[i]. Choosing out layout r = p⁻¹∘q makes the
    // stored data already correct: out dim r[i] = in dim p[r[i]] = in dim q[i].
    const pinv = invert(p);
    const r = x.perm.map((q) => pinv[q]);
    // Left lazy, a layout other than ONNX order or channel-last would cost each split part its own TRANSPOSE.
    if (!isIdentity(r) && !samePerm(r, channelLast(rank)) && splitOnly(ctx, node.outputs[0]) && !partsInPlace(ctx, node.outputs[0], r)) {
      // Parts that are Gathers moving their axis first anyway (Mel-RoFormer's mask `m[..., 0]`, `m[..., 1]` of
      // [b, F, T, 2]) take that order here: one TRANSPOSE, not this one and theirs.
      const first = gathersAxisFirst(ctx, node.outputs[0], rank) ?? contractionAxisFirst(ctx, node.outputs[0], rank);
      const order = first ? first.map((d) => p[d]) : p;
      ctx.bind(node.outputs[0], ctx.input(node.inputs[0], order), first ?? identity(rank));
      return;
    }
    // Left lazy, a layout that takes the last axis away from the end is moved again by every reader that works along
    // that axis (htdemucs' `[B, C, T] → [T, B, C]` stream: its LayerNorm's output for the projection, the stream
    // itself for the residual Add); moved here, once, they all read it in ONNX order.
    // A rank-3 value stored [0, 2, 1] is a 1-D signal's channel-last only when it flows into a convolution.
    const signal = samePerm(r, channelLast(rank)) && (rank !== 3 || ctx.prefersChannelLast.has(node.outputs[0]));
    if (r[rank - 1] !== rank - 1 && !signal && normedAlongLast(ctx, node.outputs[0], rank)) {
      ctx.bind(node.outputs[0], ctx.input(node.inputs[0], p), identity(rank));
      return;
    }
    // Unsqueezed into a broadcast that grows it on the way to a product: moved here, small (grown-broadcast.ts).
    if (!isIdentity(r) && movedBeforeGrowth(ctx, node.outputs[0])) {
      ctx.bind(node.outputs[0], ctx.input(node.inputs[0], p), identity(rank));
      return;
    }
    ctx.bind(node.outputs[0], x.index, r);
  },
};

/** The value is read by a ReduceMean over its last axis alone (a LayerNorm's mean) and by another op. */
function normedAlongLast(ctx: ConvertContext, name: string, rank: number): boolean {
  const readers = ctx.graph.nodes.filter((n) => n.inputs.includes(name));
  return readers.length >= 2 && readers.some((n) => {
    if (n.opType !== 'ReduceMean' || n.inputs[0] !== name) return false;
    const axes = reduceAxes(n, ctx, rank);
    return axes?.length === 1 && axes[0] === rank - 1;
  });
}

/** The value is read only as the data input of two or more Gather / Slice / Split nodes (nor is a graph output). */
function splitOnly(ctx: ConvertContext, name: string): boolean {
  if (ctx.graph.outputs.some((o) => o.name === name)) return false;
  const readers = ctx.graph.nodes.filter((n) => n.inputs.includes(name));
  const parts = readers.reduce((k, n) => k + (n.opType === 'Split' ? n.outputs.length : 1), 0);
  return parts >= 2 && readers.every((n) => ['Gather', 'Slice', 'Split'].includes(n.opType) && n.inputs.indexOf(name) === 0
    && n.inputs.lastIndexOf(name) === 0);
}
/** The order (gathered axis first) Gather.ts `axisFirstOrder` would move the value to in ONNX order, when every reader
 *  is a Gather of one constant index along that same axis. */
function gathersAxisFirst(ctx: ConvertContext, name: string, rank: number): number[] | undefined {
  const readers = ctx.graph.nodes.filter((n) => n.inputs.includes(name));
  const axes = new Set(readers.map((n) => {
    const c = n.opType === 'Gather' ? ctx.constant(n.inputs[1]) : undefined;
    return c && c.dims.length === 0 ? normAxis(attrInt(n, 'axis', 0), rank) : -1;
  }));
  const [axis] = [...axes];
  return axes.size === 1 && axis >= 0 ? axisFirstOrder(ctx.dims(name), identity(rank), axis) : undefined;
}

/** Every part the Slices / Splits / Gathers of one constant index reading the value take, stored in its layout `r`
 *  (a Gather's with its axis dropped), holds its bytes in ONNX order (only unit dims move: GLA's last gate of each
 *  chunk [b, n, 1, h, d] read per chunk as [b, h, d, 1]). */
function partsInPlace(ctx: ConvertContext, name: string, r: number[]): boolean {
  return ctx.graph.nodes.filter((n) => n.inputs.includes(name)).every((n) => {
    const order = n.opType === 'Gather' ? gatheredOrder(ctx, n, r) : n.opType === 'Slice' || n.opType === 'Split' ? r : undefined;
    return order !== undefined
      && n.outputs.every((o) => !o || (!ctx.isDynamic(o) && sameMemoryOrder(ctx.shape(o), order, identity(order.length))));
  });
}

/** The stored order of a Gather's output by one constant index from data stored in layout `r` (its axis dropped). */
function gatheredOrder(ctx: ConvertContext, n: Node, r: number[]): number[] | undefined {
  const c = ctx.constant(n.inputs[1]);
  if (!c || c.dims.length !== 0) return undefined;
  const axis = normAxis(attrInt(n, 'axis', 0), r.length);
  return r.filter((d) => d !== axis).map((d) => (d > axis ? d - 1 : d));
}
export default Transpose;
