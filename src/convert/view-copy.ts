// A view (Reshape, Flatten ...) read only by MatMuls, of a value stored in several orders (its primary and copies
// made for other readers), reads the copy whose order lands the view where the MatMuls take it as it is: MASTER's
// multi-aspect global context attention views a channel-last map [1, C, H, W] as heads in the batch [8, d, H, W]
// (stored [H, W, 8, d]), moved once to [8, H, W, d] for the 1×1 mask conv, and again as [8, d, H·W] for the context
// product: viewed from the primary that is [H·W, 8, d], moved again for the BATCH_MATMUL; viewed from the conv's copy
// it is [8, H·W, d], the product's operand with its last two dims swapped (adj), no second move.
//
// A view (Reshape, Unsqueeze, Squeeze, Flatten) of a value stored in another order keeps that order: its stored
// dims are the source's. Wanted in ONNX order, it moves by a TRANSPOSE of its own; when the source is already stored
// in ONNX order too, or another view of it may want the same (the Forgetting Transformer's cumulative forget gates
// [B, H, N], stored [B, N, H] by the model's own move, viewed [B, H, N, 1] and [B, H, 1, N] for their outer
// difference), the source is moved once (the copy is shared) and each view is a RESHAPE of that copy; likewise when a
// MatMul of two activations reads the source itself (TransNeXt's q, viewed [B, h, N, 1, d] for the local-window product
// and read [B, h, N, d] by the pooled one).
import type { ConvertContext } from './context';
import { Perm, identity, isIdentity, reshapeLayout, sameMemoryOrder, samePerm } from './layout';
import { producerOf } from './elementwise-layout';

/** How far the view's stored order `p` is from what its MatMul readers take: 0 ONNX order, 1 the last two dims
 *  swapped (adj), 2 anything else, 3 no such order. */
function cost(p: Perm | undefined): number {
  if (!p) return 3;
  const r = p.length;
  return isIdentity(p) ? 0 : r >= 3 && samePerm(p, [...identity(r - 2), r - 1, r - 2]) ? 1 : 2;
}

/** The stored order of `x` (a copy other than its primary `have`) to view `y` from, with the view's order, when that
 *  copy lands the view nearer its readers' order than the primary does (no new move of `x`), else undefined. */
export function viewFromCopy(ctx: ConvertContext, x: string, y: string, inDims: number[], outDims: number[],
  have: Perm): { inPerm: Perm; outPerm: Perm } | undefined {
  if (isIdentity(have) || ctx.isConstant(x) || ctx.graph.outputs.some((o) => o.name === y)) return undefined;
  // Only for a view every reader of which is a MatMul: other readers may take the primary's order as it is (a
  // recurrent state stored [N, B, C] stacked over time and Gathered back per step: AGCRN).
  const readers = ctx.readersOf(y);
  if (!readers.length || readers.some((n) => n.opType !== 'MatMul')) return undefined;
  const own = cost(reshapeLayout(inDims, outDims, have));
  // Where the primary cannot be viewed (a move of its own would land the view where wanted), only a copy that the
  // readers take with no move at all or with adj.
  let best = own === 3 ? 2 : own;
  let pick: { inPerm: Perm; outPerm: Perm } | undefined;
  for (const p of ctx.copiesOf(x)) {
    if (samePerm(p, have)) continue;
    const q = reshapeLayout(inDims, outDims, p);
    const c = cost(q);
    if (q && c < best) { best = c; pick = { inPerm: p, outPerm: q }; }
  }
  return pick;
}

const VIEWS = new Set(['Reshape', 'Unsqueeze', 'Squeeze', 'Flatten']);

/** The view `name` in ONNX order, a RESHAPE of its source's ONNX-order copy, or undefined (the caller moves it). */
export function viaViewSource(ctx: ConvertContext, name: string, have: Perm, want: Perm): number | undefined {
  if (!isIdentity(want) || ctx.isDynamic(name)) return undefined;
  const dims = ctx.dims(name);
  if (sameMemoryOrder(dims, have, want)) return undefined;
  const made = producerOf(ctx, name);
  const src = made && VIEWS.has(made.opType) ? made.inputs[0] : undefined;
  if (!src || ctx.isConstant(src) || !ctx.has(src) || ctx.isDynamic(src)) return undefined;
  const sDims = ctx.dims(src);
  const sPerm = ctx.permOf(src);
  if (sameMemoryOrder(sDims, sPerm, identity(sDims.length))) return undefined;
  const copied = ctx.copiesOf(src).some((p) => isIdentity(p));
  // Another view of the source, or a product of it with another activation (TransNeXt's q read unsqueezed by the
  // local-window product and as it is by the pooled one, both in ONNX order): moving the source instead of the view
  // moves the same bytes, and the other reader takes that copy.
  const siblings = ctx.readersOf(src).filter((n) => n !== made && ((VIEWS.has(n.opType) && n.inputs[0] === src)
    || (n.opType === 'MatMul' && n.inputs.every((i) => !ctx.isConstant(i)))));
  if (!copied && siblings.length === 0) return undefined;
  const moved = ctx.inputOnnx(src);
  const out = ctx.temp(dims, ctx.tensors[moved].type, `${ctx.resolve(name)}__viewed_onnx`);
  ctx.emit('RESHAPE', [moved, ctx.constInt32(dims, `${ctx.resolve(name)}__viewed_onnx_shape`)], [out], { newShape: dims });
  return out;
}
