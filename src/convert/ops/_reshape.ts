// Shared conversion for ops that only change a tensor's dims (Reshape, Flatten, Squeeze, Unsqueeze):
// a TFLite RESHAPE on the stored layout when the data order allows it. When the stored layout only differs from
// a usable one inside dims that the reshape merges (a channel shuffle: Reshape → Transpose → Reshape), the merge
// becomes RESHAPE + GATHER with a permutation of indices, so no TRANSPOSE is needed. Otherwise the input is taken
// in ONNX order.
import type { Node } from '../../ir/types';
import type { ConvertContext } from '../context';
import { Perm, channelLast, identity, isIdentity, permute, reshapeGroups, reshapeKeepsOnnxInput, reshapeLayout, sameMemoryOrder, samePerm, transposeBetween } from '../layout';
import { flattenIntoColumns, pendingFlatten } from '../flatten-columns';
import { permuteKind } from '../permute-ops';
import type { OpConverter } from '../types';
import type { Refusal } from '../types';
import { NUMERIC } from './_elementwise';
import { MAX_OPSET } from '../types';
import { lookupConverter } from '../registry';
import { producerOf } from '../elementwise-layout';
import { refinedMove } from '../refined-move';
import { viewFromCopy } from '../view-copy';
import { rowsWanted } from './_scatter_rows';

interface ShuffleFix {
  /** Layout the data would need for a plain RESHAPE. */
  fixedPerm: Perm;
  /** Stored dims merged per misordered group, and for each merged axis the gather indices. */
  mergedShape: number[];
  gathers: { axis: number; indices: number[] }[];
}

/** Finds the GATHER rewrite when the stored order holds every reshape group contiguously. */
function shuffleFix(inDims: number[], outDims: number[], have: Perm): ShuffleFix | undefined {
  const groups = reshapeGroups(inDims, outDims);
  if (!groups) return undefined;
  const groupOf = new Map<number, number>();
  groups.in.forEach((g, k) => g.forEach((d) => groupOf.set(d, k)));
  const stored = have.filter((d) => inDims[d] !== 1);
  const runs: { group: number; dims: number[] }[] = [];
  for (const d of stored) {
    const k = groupOf.get(d)!;
    if (runs.length && runs[runs.length - 1].group === k) runs[runs.length - 1].dims.push(d);
    else runs.push({ group: k, dims: [d] });
  }
  if (new Set(runs.map((r) => r.group)).size !== runs.length) return undefined;
  const misordered = runs.filter((r) => r.dims.some((d, i) => i > 0 && d < r.dims[i - 1]));
  if (misordered.length === 0) return undefined;
  // Each misordered group must become one non-unit output dim (a merge), so a gather can reorder it.
  for (const r of misordered) {
    if (groups.out[r.group].filter((d) => outDims[d] !== 1).length !== 1) return undefined;
  }
  const fixedStored = runs.flatMap((r) => [...r.dims].sort((a, b) => a - b));
  const units = have.filter((d) => inDims[d] === 1);
  const fixedPerm = [...units, ...fixedStored];
  const mergedShape: number[] = [];
  const gathers: ShuffleFix['gathers'] = [];
  for (const r of runs) {
    const size = r.dims.reduce((a, d) => a * inDims[d], 1);
    if (misordered.includes(r)) {
      const onnxOrder = [...r.dims].sort((a, b) => a - b);
      const indices = new Array<number>(size);
      const sizes = onnxOrder.map((d) => inDims[d]);
      const idx = new Array<number>(onnxOrder.length).fill(0);
      for (let j = 0; j < size; j++) {
        // idx: multi-index over onnxOrder; k: the same element's position in stored order.
        let k = 0;
        for (const d of r.dims) k = k * inDims[d] + idx[onnxOrder.indexOf(d)];
        indices[j] = k;
        for (let t = idx.length - 1; t >= 0; t--) { if (++idx[t] < sizes[t]) break; idx[t] = 0; }
      }
      gathers.push({ axis: units.length + mergedShape.length, indices });
    }
    mergedShape.push(size);
  }
  return { fixedPerm, mergedShape: [...units.map(() => 1), ...mergedShape], gathers };
}

export function emitReshape(ctx: ConvertContext, x: string, y: string): void {
  // A flatten another flatten's elementwise product committed to a stored order (flatten-columns.ts).
  if (pendingFlatten(ctx, x, y)) return;
  if (ctx.isDynamic(x) || ctx.isDynamic(y)) {
    if (flattenIntoColumns(ctx, x, y)) return;
    // Sized at run time: in ONNX order, to the inferred dims with the one unknown as -1.
    const dims = ctx.dims(y);
    let shapeT: number | undefined;
    if (dims.filter((d) => d < 0).length > 1) {
      // Several run-time dims that only gain or lose unit dims around them (Unsqueeze / Squeeze of a per-box mask):
      // the new shape is gathered from the input's SHAPE and the static dims.
      const from = unitMoves(ctx.dims(x), dims);
      if (!from) ctx.fail(`reshaping to [${dims.join(', ')}] with more than one dim known only at run time is not supported`);
      shapeT = runtimeShape(ctx, ctx.inputOnnx(x), ctx.rank(x), from, y);
    }
    const src = ctx.inputOnnx(x);
    const out = ctx.output(y, identity(dims.length));
    ctx.emit('RESHAPE', [src, shapeT ?? ctx.constInt32(dims, `${y}__shape`)], [out], shapeT === undefined ? { newShape: dims } : undefined);
    return;
  }
  const inDims = ctx.shape(x);
  const outDims = ctx.shape(y);
  const have = ctx.permOf(x);
  let perm = identity(outDims.length);
  let src: number;
  const copy = viewFromCopy(ctx, x, y, inDims, outDims, have);
  const mapped = isIdentity(have) || copy ? undefined : reshapeLayout(inDims, outDims, have);
  // A flatten read only by products with constant weights: their rows are permuted instead of the data.
  if (!mapped && !copy && !isIdentity(have) && flattenIntoColumns(ctx, x, y)) return;
  const fix = !isIdentity(have) && !mapped && !copy ? shuffleFix(inDims, outDims, have) : undefined;
  const layoutFromFix = fix ? reshapeLayout(inDims, outDims, fix.fixedPerm) : undefined;
  if (copy) {
    src = ctx.input(x, copy.inPerm);
    perm = copy.outPerm;
  } else if (mapped) {
    src = ctx.input(x, have);
    perm = mapped;
  } else if (fix && layoutFromFix) {
    const stored = ctx.input(x, have);
    const type = ctx.tensors[stored].type;
    let cur = ctx.temp(fix.mergedShape, type, `${y}__merged`);
    ctx.emit('RESHAPE', [stored, ctx.constInt32(fix.mergedShape, `${y}__merged_shape`)], [cur], { newShape: fix.mergedShape });
    for (const gth of fix.gathers) {
      const next = ctx.temp(fix.mergedShape, type, `${y}__shuffled`);
      ctx.emit('GATHER', [cur, ctx.constInt32(gth.indices, `${y}__shuffle_indices`)], [next], { axis: gth.axis, batchDims: 0 });
      cur = next;
    }
    src = cur;
    perm = layoutFromFix;
  } else if (!isIdentity(have)) {
    const pick = movedLayout(ctx, y, inDims, outDims, have);
    // No whole-group move lands it in the layout wanted: one move of the atoms both shapes are made of may.
    const refined = pick.score > 2 ? refinedMove(ctx, x, inDims, outDims, have, pick.wanted, y) : undefined;
    if (refined !== undefined) {
      src = refined;
      perm = pick.wanted;
    } else {
      src = ctx.input(x, pick.inPerm);
      perm = pick.outPerm;
    }
  } else {
    src = ctx.inputOnnx(x);
    // Channel-last at no cost: the input's ONNX order is the channel-last output's data order.
    if (ctx.prefersChannelLast.has(y) && reshapeKeepsOnnxInput(inDims, outDims)) perm = channelLast(outDims.length);
  }
  const out = ctx.output(y, perm);
  const shape = ctx.tensors[out].shape;
  ctx.emit('RESHAPE', [src, ctx.constInt32(shape, `${y}__shape`)], [out], { newShape: shape });
  const last = channelLast(outDims.length);
  if (mapped && outDims.length >= 3 && !samePerm(perm, last) && movesOnceForAll(ctx, y)) ctx.bind(y, ctx.input(y, last), last);
}

/**
 * A reshape that keeps its input's stored order can leave the value in an order that is neither ONNX nor
 * channel-last (MobileViTv2's unfolded patches [B, d, p², N] stored [B, N, d, p²]). When every reader carries the
 * value on to a convolution (a convolution itself, or a layout-agnostic op whose outputs flow into one), each would
 * move its own copy to channel-last (the norm before the attention's 1×1 conv and the residual Add around it: two
 * TRANSPOSE where one will do): the value is moved once, here, and that copy is the one the readers get.
 */
function movesOnceForAll(ctx: ConvertContext, y: string): boolean {
  if (!ctx.prefersChannelLast.has(y) || ctx.graph.outputs.some((o) => o.name === y)) return false;
  const readers = ctx.readersOf(y);
  // A reader that multiplies (adds ...) y with another view of the same dims made by a reshape (CREStereo's group
  // correlation: the left features and each sampled right map viewed [B, G, C/G, H, W]) gets that view in the same
  // stored order as y: moving y would move each of those instead.
  const siblingView = (n: Node) => n.inputs.some((i) => i && i !== y && !ctx.isConstant(i)
    && RESHAPES.has(producerOf(ctx, i)?.opType ?? '') && ctx.dims(i).join() === ctx.dims(y).join());
  if (readers.some(siblingView)) return false;
  return readers.length > 1 && readers.every((n) => n.opType !== 'Transpose' && !RESHAPES.has(n.opType)
    && (lookupConverter(n, 0)?.layout === 'spatial' ? n.inputs.indexOf(y) === 0 && n.inputs.lastIndexOf(y) === 0
      : n.outputs.every((o) => !o || ctx.isConstant(o) || ctx.prefersChannelLast.has(o))));
}

const RESHAPES = new Set(['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze']);

/** For each output dim, the input dim it is (a number ≥ 0) or its static value (-1 - value), when the reshape only
 *  adds or drops unit dims; otherwise undefined. */
function unitMoves(inDims: number[], outDims: number[]): number[] | undefined {
  const from: number[] = [];
  let i = 0;
  for (const d of outDims) {
    while (i < inDims.length && inDims[i] === 1 && d !== 1) i++;
    if (d === 1 && inDims[i] !== 1) { from.push(-2); continue; }
    if (i >= inDims.length || (d >= 0 && inDims[i] !== d) || (d < 0 && inDims[i] >= 0)) return undefined;
    from.push(d < 0 ? i : -1 - d);
    i++;
  }
  while (i < inDims.length && inDims[i] === 1) i++;
  return i === inDims.length ? from : undefined;
}

/** An INT32 shape tensor: the input's run-time dims (SHAPE) where `from` names one, else the static value. */
function runtimeShape(ctx: ConvertContext, src: number, rank: number, from: number[], y: string): number {
  const shape = ctx.temp([rank], 'INT32', `${y}__in_shape`);
  ctx.emit('SHAPE', [src], [shape], { outType: 'INT32' });
  const statics = [...new Set(from.filter((f) => f < 0).map((f) => -1 - f))];
  const table = ctx.temp([rank + statics.length], 'INT32', `${y}__shape_table`);
  ctx.emit('CONCATENATION', [shape, ctx.constInt32(statics.length ? statics : [0], `${y}__static_dims`)], [table],
    { axis: 0, fusedActivationFunction: 'NONE' });
  const idx = from.map((f) => (f >= 0 ? f : rank + statics.indexOf(-1 - f)));
  const out = ctx.temp([from.length], 'INT32', `${y}__run_shape`);
  ctx.emit('GATHER', [table, ctx.constInt32(idx, `${y}__shape_index`)], [out], { axis: 0, batchDims: 0 });
  return out;
}

/**
 * The stored input must move before the RESHAPE: picks the output layout whose move is cheapest — a RESHAPE alone,
 * then a window swap (SPACE_TO_DEPTH / DEPTH_TO_SPACE), then a TRANSPOSE — with a half-step bonus for the layout the
 * value is wanted in: the layout of the value it is later added to or multiplied with (through FULLY_CONNECTED
 * projections and constant operands, e.g. attention's head merge before the residual Add), else the model's Transpose
 * reading it (`transposedReader`), else the rows a row scatter reads it as (`rowsWanted`), else channel-last when it
 * flows into a convolution, else ONNX order. Ties go to ONNX order. Candidates are ONNX order, channel-last and the
 * wanted layout; a candidate counts only when the RESHAPE maps it to a layout of the input (whole dim groups moved).
 */
function movedLayout(ctx: ConvertContext, y: string, inDims: number[], outDims: number[], have: Perm): { inPerm: Perm; outPerm: Perm; score: number; wanted: Perm } {
  const rank = outDims.length;
  const ahead = downstreamLayout(ctx, y, rank) ?? transposedReader(ctx, y, rank) ?? rowsWanted(ctx, y);
  const wanted = ahead ?? (rank >= 3 && ctx.prefersChannelLast.has(y) ? channelLast(rank) : identity(rank));
  const candidates = [identity(rank), ...(rank >= 3 ? [channelLast(rank)] : []), wanted];
  let best = { inPerm: identity(inDims.length), outPerm: identity(rank) };
  let bestScore = Infinity;
  for (const p of candidates) {
    const q = reshapeLayout(outDims, inDims, p);
    if (!q) continue;
    const move = sameMemoryOrder(inDims, have, q) ? 0 : permuteKind(permute(inDims, have), transposeBetween(have, q)) === 'windows' ? 1 : 2;
    const score = move + (samePerm(p, wanted) ? 0 : 0.5);
    if (score < bestScore) { best = { inPerm: q, outPerm: p }; bestScore = score; }
  }
  return { ...best, score: bestScore, wanted };
}

/**
 * The layout of the other operand of the first binary Add / Sub / Mul / Div that `y` reaches through single-reader
 * ops that keep its layout (a MatMul by a constant matrix, which keeps a layout whose last axis stays last, and
 * binary ops with a constant), when that operand is already converted at the same rank. Undefined otherwise.
 */
function downstreamLayout(ctx: ConvertContext, y: string, rank: number): Perm | undefined {
  let cur = y;
  let viaMatMul = false;
  for (let step = 0; step < 8; step++) {
    if (ctx.graph.outputs.some((o) => o.name === cur)) return undefined;
    const readers = ctx.readersOf(cur);
    if (readers.length !== 1) return undefined;
    const n = readers[0];
    const out = n.outputs[0];
    if (!out || ctx.rank(out) !== rank) return undefined;
    if (['Add', 'Sub', 'Mul', 'Div'].includes(n.opType) && n.inputs.length === 2) {
      const other = n.inputs[n.inputs[0] === cur ? 1 : 0];
      if (other === cur) return undefined;
      if (ctx.isConstant(other)) { cur = out; continue; }
      const p = ctx.primaryOf(other)?.perm;
      if (!p || p.length !== rank || (viaMatMul && p[rank - 1] !== rank - 1)) return undefined;
      return p;
    }
    if (n.opType === 'MatMul' && n.inputs[0] === cur && ctx.constant(n.inputs[1])?.dims.length === 2) {
      viaMatMul = true;
      cur = out;
      continue;
    }
    if (n.opType === 'Transpose' && n.inputs[0] === cur && step > 0) {
      // The model's own move after the projection (nn.MultiheadAttention with batch_first: the head merge lands
      // [T, B, E], projected, then moved back to [B, T, E] for the residual): stored in the layout that move reaches,
      // the value after it is in the layout wanted there (ONNX order unless an Add further on says otherwise), and
      // the move is free.
      const perm = n.attrs.get('perm')?.value as number[] | undefined;
      if (!perm || perm.length !== rank) return undefined;
      const after = downstreamLayout(ctx, out, rank) ?? identity(rank);
      const p = after.map((d) => perm[d]!);
      return viaMatMul && p[rank - 1] !== rank - 1 ? undefined : p;
    }
    return undefined;
  }
  return undefined;
}

/**
 * The perm of the model's own Transpose when it is `y`'s only reader and its output is wanted in ONNX order: `y`
 * stored in that order makes the Transpose free (a deformable sampler's merged groups, `view(N, G·C, L).transpose(1,
 * 2)` before the output projection: InternImage's DCNv3, MSDeformAttn), when only views and products read its result.
 * Undefined otherwise.
 */
function transposedReader(ctx: ConvertContext, y: string, rank: number): Perm | undefined {
  if (ctx.graph.outputs.some((o) => o.name === y)) return undefined;
  const readers = ctx.readersOf(y);
  if (readers.length !== 1 || readers[0].opType !== 'Transpose' || ctx.prefersChannelLast.has(readers[0].outputs[0])) return undefined;
  // Read in ONNX order after it: views and products (not an Add with a channel-last conv output: YOLOv12's x + pe(v)).
  const after = ctx.readersOf(readers[0].outputs[0]);
  if (!after.length || !after.every((n) => ['Reshape', 'Flatten', 'MatMul', 'Gemm'].includes(n.opType))) return undefined;
  const perm = readers[0].attrs.get('perm')?.value as number[] | undefined;
  return perm && perm.length === rank ? perm : undefined;
}

export function reshapeLike(op: string, check?: (node: Node, ctx: ConvertContext) => Refusal | undefined): OpConverter {
  return {
    op, emits: ['RESHAPE', 'GATHER'], opset: [1, MAX_OPSET], dtypes: [...NUMERIC, 'bool'], layout: 'axis', check,
    convert(node, ctx) { emitReshape(ctx, node.inputs[0], node.outputs[0]); },
  };
}
