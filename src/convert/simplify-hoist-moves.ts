// ONNX-level pattern: one value read by several Gathers of one axis (a scalar index each), each result moved by a
// Transpose with the same perm: deformable attention's sampling grids (`sampling_grids[:, :, :, level]
// .transpose(1, 2)` per feature level, MSDeformAttn's PyTorch core in DINO / Deformable-DETR / RT-DETR), one
// TRANSPOSE a level. The value is moved once, before the Gathers, which then read the moved value: one TRANSPOSE.
// Likewise the per-level Slices of deformable attention's value, each moved heads-first (hoistSlicedHeadMoves). A
// Gather along axis 0 may be viewed by a Reshape before its move (MotionBERT's temporal attention: `qkv[0]` of
// [3, B·T, h, J, d] viewed [B, T, h, J, d], then moved [B, h, J, T, d]): x[i] is a contiguous block, so the view is
// of x viewed [3, B, T, h, J, d] first, and the move is hoisted above the Gathers the same way.
// A Gather's move to channels-first that a convolution reads ([B, T, C] → [B, C, T] into a Conv1d: BSRNN's per-band
// mask heads on `x[:, i].transpose(1, 2)`) costs nothing where it is (that conv's channel-last is the Gather's own
// order) and stays. So do the moves of Gathers from a convolution's map viewed with its channels split ([N, C, L] ->
// [N, c1, c2, L], stored [N, L, c1, c2]) when each moved part is that stored order with the gathered axis dropped
// (TriDet's Trident offsets `off.view(B, 2, 9, T)[:, 0].transpose(1, 2)`): the Gathers read the map as it lies.
import type { Graph, Node, Tensor } from '../ir/types';
import { toNumbers } from '../ir/tensor';
import { node } from '../onnx/builder';
import { channelLast, identity, invert, samePerm } from './layout';
import { channelLastHints } from './subgraph';
import { int64Const, permAttr, readersOf, spliceNodes } from './simplify-util';

/** The Gather's axis when it takes one constant scalar index (the axis drops out), else undefined. */
function scalarGatherAxis(n: Node, rank: number, constants: Map<string, Tensor>): number | undefined {
  const idx = n.opType === 'Gather' ? constants.get(n.inputs[1]) : undefined;
  if (!idx || idx.dims.length !== 0) return undefined;
  const a = (n.attrs.get('axis')?.value as number | undefined) ?? 0;
  return (a + rank) % rank;
}

const CONVS = new Set(['Conv', 'ConvTranspose', 'FusedConv']);

/**
 * The order x is stored in, relative to its ONNX dims, when x is a Reshape of a convolution's output [N, C, S...]
 * that splits C alone ([N, c1..ck, S...], stored as the map lies: [N, S..., c1..ck]); else undefined.
 */
function splitChannelsOrder(x: string, producer: Map<string, Node>, dims: (v: string) => (number | string)[] | undefined): number[] | undefined {
  const view = producer.get(x);
  const conv = view?.opType === 'Reshape' ? producer.get(view.inputs[0]) : undefined;
  const cd = conv && CONVS.has(conv.opType) ? dims(view!.inputs[0]) : undefined;
  const xd = dims(x);
  if (!cd || !xd || cd.length < 3 || [...cd, ...xd].some((d) => typeof d !== 'number')) return undefined;
  const s = cd.length - 2;
  const k = xd.length - 1 - s;
  const split = xd.slice(1, 1 + k) as number[];
  if (k < 2 || xd[0] !== cd[0] || xd.slice(1 + k).join() !== cd.slice(2).join() || split.reduce((a, b) => a * b, 1) !== cd[1]) return undefined;
  return [0, ...Array.from({ length: s }, (_, i) => 1 + k + i), ...Array.from({ length: k }, (_, i) => 1 + i)];
}

/** Whether Gathers of `axis` from x stored in `order`, moved by p, land as x lies (the move a free view). */
function movedAsStored(order: number[] | undefined, axis: number, p: number[]): boolean {
  if (!order || axis === 0) return false;
  const kept = order.filter((j) => j !== axis).map((j) => (j > axis ? j - 1 : j));
  return samePerm(kept, p);
}

export function hoistGatheredMoves(g: Graph, constants: Map<string, Tensor>): void {
  const { uses, outs, only, producer } = readersOf(g, constants);
  const dims = (v: string) => g.values.get(v)?.shape as (number | string)[] | undefined;
  const before = new Map<Node, Node[]>();
  const replace = new Map<Node, Node[]>();
  const skip = new Set<Node>();
  // Values a convolution reads channel-last through layout-agnostic ops (made once, when a group is found).
  let toConv: Set<string> | undefined;
  const absorbed = (move: Node, p: number[]): boolean => {
    if (p.length < 3 || !samePerm(p, invert(channelLast(p.length)))) return false;
    toConv ??= channelLastHints(g.nodes, (v) => g.values.get(v)?.shape as number[] | undefined);
    return toConv.has(move.outputs[0]);
  };
  for (const [x, readers] of uses) {
    const xd = dims(x);
    // Up to rank 6: the moved value is one TRANSPOSE (TFLite's and XNNPack's limit).
    if (!xd || xd.length > 6 || outs.has(x) || constants.has(x)) continue;
    const r = xd.length;
    // Each Gather whose one reader is a Transpose (or a Reshape of an axis-0 Gather, then a Transpose), grouped by
    // (axis, view, perm).
    const groups = new Map<string, { gather: Node; view?: Node; move: Node }[]>();
    for (const gn of readers) {
      const a = gn.inputs[0] === x ? scalarGatherAxis(gn, r, constants) : undefined;
      let t = a === undefined ? undefined : only(gn.outputs[0]);
      let view: Node | undefined;
      if (t?.opType === 'Reshape' && a === 0 && t.inputs[0] === gn.outputs[0]) {
        const vd = dims(t.outputs[0]);
        if (!vd || vd.some((d) => typeof d !== 'number' || d < 0) || vd.length + 1 > 6 || typeof xd[0] !== 'number') continue;
        view = t;
        t = only(t.outputs[0]);
      }
      const p = t?.opType === 'Transpose' ? permAttr(t) : undefined;
      if (a === undefined || !t || !p) continue;
      if (absorbed(t, p)) continue;
      const key = `${a}:${view ? dims(view.outputs[0])!.join('x') : ''}:${p.join()}`;
      groups.set(key, [...(groups.get(key) ?? []), { gather: gn, view, move: t }]);
    }
    // A part moved with its last two dims swapped too (kᵀ: MotionBERT's `k.permute(0, 2, 3, 1, 4)` then
    // `.transpose(-2, -1)`, exported as one perm) joins the group of the unswapped perm, then is swapped back, which
    // BATCH_MATMUL reads as adj_y.
    const swappedParts = new Set<Node>();
    for (const [key, list] of [...groups]) {
      const [a, v, perm] = key.split(':');
      const q = perm.split(',').map(Number);
      const base = `${a}:${v}:${[...q.slice(0, -2), q[q.length - 1], q[q.length - 2]].join()}`;
      const into = groups.get(base);
      if (!into || into.length < 2 || list.length >= into.length) continue;
      for (const e of list) swappedParts.add(e.move);
      into.push(...list);
      groups.delete(key);
    }
    const stored = splitChannelsOrder(x, producer, dims);
    for (const [key, list] of groups) {
      if (list.length < 2) continue;
      const a = Number(key.split(':')[0]);
      const p = permAttr(list.find((e) => !swappedParts.has(e.move))!.move)!;
      if (!list[0].view && movedAsStored(stored, a, p)) continue;
      // The Gather's output dim j is X's dim j (< a) or j + 1; the gathered axis keeps its place in the moved value.
      const full = p.map((j) => (j < a ? j : j + 1));
      full.splice(a, 0, a);
      const first = g.nodes.find((n) => list.some((e) => e.gather === n))!;
      const added: Node[] = [];
      let src = x;
      let sd = xd;
      if (list[0].view) {
        // x viewed [n, ...view dims] (the Gathers' axis 0 stays first).
        sd = [xd[0], ...dims(list[0].view.outputs[0])!];
        src = `${x}/viewed_${sd.join('x')}`;
        g.values.set(src, { name: src, dtype: g.values.get(x)?.dtype, shape: sd });
        added.push(node('Reshape', [x, int64Const(g, constants, `${src}/shape`, sd as number[])], [src], {}, `${src}/view`));
      }
      const moved = `${src}/moved_${full.join('')}`;
      g.values.set(moved, { name: moved, dtype: g.values.get(x)?.dtype, shape: full.map((d) => sd[d]) });
      added.push(node('Transpose', [src], [moved], { perm: full }, `${moved}/move`));
      before.set(first, [...(before.get(first) ?? []), ...added]);
      for (const { gather, view, move } of list) {
        const y = move.outputs[0];
        const axis = new Map([['axis', { type: 'int' as const, value: a }]]);
        if (swappedParts.has(move)) {
          const yd = g.values.get(y)?.shape;
          const part = `${y}/unswapped`;
          g.values.set(part, { name: part, dtype: g.values.get(y)?.dtype, shape: yd && [...yd.slice(0, -2), yd[yd.length - 1], yd[yd.length - 2]] });
          const sw = [...identity(p.length - 2), p.length - 1, p.length - 2];
          replace.set(gather, [{ ...gather, inputs: [moved, gather.inputs[1]], outputs: [part], attrs: axis },
            node('Transpose', [part], [y], { perm: sw }, `${part}/swap`)]);
        } else replace.set(gather, [{ ...gather, inputs: [moved, gather.inputs[1]], outputs: [y], attrs: axis }]);
        if (view) skip.add(view);
        skip.add(move);
      }
    }
  }
  if (replace.size) spliceNodes(g, before, replace, skip);
}

/**
 * Deformable attention's value split per level as MSDeformAttn's PyTorch core writes it: value [B, Lv, M, D] sliced
 * along Lv per level, each `.flatten(2).transpose(1, 2).reshape(B·M, D, H, W)` for grid_sample: a head move a level.
 * Moved once to [B, M, Lv, D] before the Slices, each level is a Slice, a Reshape to [B·M, H, W, D] and the move to
 * [B·M, D, H, W] that channel-last storage cancels: one TRANSPOSE for the levels.
 */
export function hoistSlicedHeadMoves(g: Graph, constants: Map<string, Tensor>): void {
  const { uses, outs, only } = readersOf(g, constants);
  const dims = (v: string) => g.values.get(v)?.shape as (number | string)[] | undefined;
  const ints = (v: string | undefined) => (v && constants.has(v) ? toNumbers(constants.get(v)!) : undefined);
  const before = new Map<Node, Node[]>();
  const replace = new Map<Node, Node[]>();
  const skip = new Set<Node>();
  for (const [x, readers] of uses) {
    const xd = dims(x);
    if (!xd || xd.length !== 4 || xd.some((d) => typeof d !== 'number') || outs.has(x) || constants.has(x)) continue;
    const [b, , m, d] = xd as number[];
    const levels: { slice: Node; chain: Node[]; hw: [number, number] }[] = [];
    for (const sl of readers) {
      const axes = ints(sl.inputs[3]);
      const steps = sl.inputs[4] ? ints(sl.inputs[4]) : [1];
      if (sl.opType !== 'Slice' || sl.inputs[0] !== x || axes?.length !== 1 || axes[0] !== 1 || steps?.[0] !== 1) continue;
      const r1 = only(sl.outputs[0]);
      const t = r1?.opType === 'Reshape' ? only(r1.outputs[0]) : undefined;
      const r2 = t?.opType === 'Transpose' && permAttr(t)?.join() === '0,2,1' ? only(t.outputs[0]) : undefined;
      const sd = dims(sl.outputs[0]);
      const od = r2?.opType === 'Reshape' ? dims(r2.outputs[0]) : undefined;
      const fd = r1 ? dims(r1.outputs[0]) : undefined;
      if (!r1 || !t || !r2 || !sd || !od || !fd || od.length !== 4 || od.some((v) => typeof v !== 'number')) continue;
      const [om, odd, h, w] = od as number[];
      if (fd.join() !== [b, sd[1], m * d].join() || om !== b * m || odd !== d || h * w !== sd[1]) continue;
      levels.push({ slice: sl, chain: [r1, t, r2], hw: [h, w] });
    }
    if (levels.length < 2) continue;
    const moved = `${x}/heads_first`;
    const dtype = g.values.get(x)?.dtype;
    g.values.set(moved, { name: moved, dtype, shape: [b, m, xd[1], d] });
    before.set(levels[0].slice, [node('Transpose', [x], [moved], { perm: [0, 2, 1, 3] }, `${moved}/move`)]);
    for (const { slice, chain, hw } of levels) {
      const out = chain[2].outputs[0];
      const part = `${out}/level`;
      const img = `${out}/level_nhwc`;
      const axis = `${slice.name}/heads_first_axis`;
      const shape = `${slice.name}/heads_first_shape`;
      constants.set(axis, { name: axis, dtype: 'int64', dims: [1], data: BigInt64Array.from([2n]) });
      constants.set(shape, { name: shape, dtype: 'int64', dims: [4], data: BigInt64Array.from([b * m, hw[0], hw[1], d].map(BigInt)) });
      g.values.set(axis, { name: axis, dtype: 'int64', shape: [1] });
      g.values.set(shape, { name: shape, dtype: 'int64', shape: [4] });
      g.values.set(part, { name: part, dtype, shape: [b, m, hw[0] * hw[1], d] });
      g.values.set(img, { name: img, dtype, shape: [b * m, hw[0], hw[1], d] });
      replace.set(slice, [node('Slice', [moved, slice.inputs[1], slice.inputs[2], axis], [part], {}, `${slice.name}/heads_first`),
        node('Reshape', [part, shape], [img], {}, `${slice.name}/heads_first_image`),
        node('Transpose', [img], [out], { perm: [0, 3, 1, 2] }, `${slice.name}/heads_first_nchw`)]);
      for (const c of chain) skip.add(c);
    }
  }
  if (replace.size) spliceNodes(g, before, replace, skip);
}

/**
 * A lookup in a constant table (an embedding: Gather of axis 0) whose result the model moves along the index dims only
 * (ChatGLM's `inputs_embeds.transpose(0, 1)` to sequence-first, its rope cache gathered at position_ids moved alike):
 * the indices are moved instead, which is the same lookup in the moved order — an int tensor the table's row width
 * smaller (a RESHAPE when one of the moved dims is 1), and the result is made in ONNX order, so its readers (the
 * residual stream's norms, projections and adds) take no move of their own.
 */
export function movedLookupsAsMovedIndices(g: Graph, constants: Map<string, Tensor>): void {
  const { producer, only } = readersOf(g, constants);
  const dims = (v: string) => g.values.get(v)?.shape;
  const before = new Map<Node, Node[]>();
  const replace = new Map<Node, Node[]>();
  const skip = new Set<Node>();
  for (const t of g.nodes) {
    const p = t.opType === 'Transpose' ? permAttr(t) : undefined;
    const lookup = p ? producer.get(t.inputs[0]) : undefined;
    if (!p || lookup?.opType !== 'Gather' || only(t.inputs[0]) !== t || skip.has(lookup)) continue;
    const [table, indices] = lookup.inputs;
    const td = constants.get(table)?.dims;
    const id = dims(indices);
    if (!td || !id || constants.has(indices) || ((lookup.attrs.get('axis')?.value as number | undefined) ?? 0) !== 0) continue;
    const k = id.length;
    if (k < 2 || p.length !== k + td.length - 1 || p.some((d, i) => (i < k ? d >= k : d !== i))) continue;
    const moved = `${indices}/moved_${p.slice(0, k).join('')}`;
    if (!g.values.has(moved)) {
      g.values.set(moved, { name: moved, dtype: g.values.get(indices)?.dtype, shape: p.slice(0, k).map((d) => id[d]) });
      before.set(t, [node('Transpose', [indices], [moved], { perm: p.slice(0, k) }, moved)]);
    }
    // The node that makes the moved value keeps the Transpose's name (the accuracy diff joins on it).
    replace.set(t, [{ ...node('Gather', [table, moved], [t.outputs[0]], { axis: 0 }), name: t.name }]);
    skip.add(lookup);
  }
  if (replace.size) spliceNodes(g, before, replace, skip);
}
