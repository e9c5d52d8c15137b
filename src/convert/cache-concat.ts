// A growing key / value cache built inside the graph: an autoregressive decoder unrolled over its steps (Pix2Seq's
// greedy decode, a Whisper-style loop written out by the exporter) concatenates each step's key [B, heads, 1, d]
// onto the cache [B, heads, t, d]. Each new key is the model's head split of one token, a Transpose left lazy and
// stored [B, 1, heads, d]: the same bytes as ONNX order, since the moved axis is 1 long. With every part free in
// either order the parts' common layout was the lazy one, so the cache was concatenated token-major [B, t, heads, d]
// and every step's attention moved it twice (K for the scores, V for the product): 40 of Pix2Seq's 42 TRANSPOSEs.
// When every part is stored in ONNX order's bytes but the result in their common layout is not, the result feeds no
// spatial op and that layout is a lazy order (neither ONNX order nor channel-last, which convolutions' maps keep: TriDet's boundary neighbours,
// [1, 1, T] slices of a 1-D conv map concatenated and moved to [1, T, 9], stay channel-last), ONNX order (what the
// matrix products read) is taken instead: the concatenation costs nothing either way.
import type { ConvertContext } from './context';
import { Perm, channelLast, identity, isIdentity, sameMemoryOrder, samePerm } from './layout';

/** ONNX order for concatenating `parts` into `y` when each part is stored in ONNX order's bytes and `common` is a
 *  lazy order (neither ONNX order nor channel-last); undefined to keep `common`. */
export function onnxOrderConcat(ctx: ConvertContext, parts: string[], y: string, common: Perm): Perm | undefined {
  const rank = common.length;
  if (rank < 3 || isIdentity(common) || samePerm(common, channelLast(rank)) || ctx.isDynamic(y) || ctx.prefersChannelLast.has(y)) return undefined;
  // A result whose lazy order is still ONNX order's bytes (rotary's halves [1, 1, heads, d/2] joined along d) costs
  // nothing downstream either way: the parts are left as stored (ONNX order would RESHAPE each).
  if (sameMemoryOrder(ctx.dims(y), common, identity(rank))) return undefined;
  const live = parts.filter((p) => !ctx.isConstant(p));
  if (live.length === 0) return undefined;
  const onnx = identity(rank);
  return live.every((p) => !ctx.isDynamic(p) && sameMemoryOrder(ctx.dims(p), ctx.permOf(p), onnx)) ? onnx : undefined;
}
