// A view (Reshape, Flatten ...) read only by MatMuls, of a value stored in several orders (its primary and copies
// made for other readers), reads the copy whose order lands the view where the MatMuls take it as it is: MASTER's
// multi-aspect global context attention views a channel-last map [1, C, H, W] as heads in the batch [8, d, H, W]
// (stored [H, W, 8, d]), moved once to [8, H, W, d] for the 1×1 mask conv, and again as [8, d, H·W] for the context
// product: viewed from the primary that is [H·W, 8, d], moved again for the BATCH_MATMUL; viewed from the conv's copy
// it is [8, H·W, d], the product's operand with its last two dims swapped (adj), no second move.
import type { ConvertContext } from './context';
import { Perm, identity, isIdentity, reshapeLayout, samePerm } from './layout';

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
