// A stack (Unsqueeze of each part, Concat along the new unit axis) whose only reader is a view merging that axis into
// the channels of a map a convolution reads: FFDNet's pixel_unshuffle written as four strided slices,
// `torch.stack(parts, 2).reshape(n, 4c, h/2, w/2)`. The parts are channel-last maps, and their common layout puts the
// stack axis before the spatial dims ([N, 4, H, W, C]), so the view moved the stack to [N, H, W, C, 4]. A unit axis
// sits anywhere in a part's stored order for free (a RESHAPE), so the stack axis is stored where the view makes the
// map channel-last: after C.
import type { ConvertContext } from './context';
import { Perm, channelLast, reshapeLayout, samePerm } from './layout';

/** The layout to concatenate the stacked `parts` of `y` in (along `axis`), or undefined to keep their common one. */
export function stackPerm(ctx: ConvertContext, parts: string[], axis: number, y: string, common: Perm): Perm | undefined {
  const rank = common.length;
  if (rank < 3 || ctx.isDynamic(y) || ctx.graph.outputs.some((o) => o.name === y) || parts.some((p) => ctx.dims(p)[axis] !== 1)) return undefined;
  const readers = ctx.readersOf(y);
  const view = readers.length === 1 && readers[0].opType === 'Reshape' && readers[0].inputs[0] === y ? readers[0].outputs[0] : undefined;
  if (!view || ctx.isDynamic(view) || ctx.rank(view) < 3 || !ctx.prefersChannelLast.has(view)) return undefined;
  const target = channelLast(ctx.rank(view));
  const fits = (p: Perm) => { const q = reshapeLayout(ctx.shape(y), ctx.shape(view), p); return !!q && samePerm(q, target); };
  if (fits(common)) return undefined;
  const others = common.filter((d) => d !== axis);
  for (let at = 0; at <= others.length; at++) {
    const p = [...others.slice(0, at), axis, ...others.slice(at)];
    if (fits(p)) return p;
  }
  return undefined;
}
