// Filters computed in the graph (StyleGAN2 / GFPGAN's modulated convs: a constant [1, O, I, kh, kw] weight times the
// style, demodulated, reshaped to [O, I, kh, kw]) are wanted by CONV_2D in filter order (OHWI, depthwise
// [1, H, W, O]). The elementwise chain making such a filter runs in that order from its start (its constant weight
// stored permuted, the style's and demodulation's per-channel values broadcast by moving unit dims only), so the conv
// reads it with no TRANSPOSE (ConvertContext.commonPerm: elementwise-layout.ts). Worked out once per conversion,
// backward from each computed filter through unit-dim reshapes and elementwise ops.
import type { Node } from '../ir/types';
import type { ConvertContext } from './context';
import type { Perm } from './layout';
import { isIdentity, reshapeLayout } from './layout';
import { attrInt } from './attrs';

const RESHAPES = new Set(['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze']);
const ELEMENTWISE = new Set(['Mul', 'Add', 'Sub', 'Div', 'Pow', 'Sqrt', 'Neg', 'Abs', 'Exp', 'Reciprocal', 'Identity']);

const made = new WeakMap<ConvertContext, Map<string, Perm>>();

/** The filter order a 2-D Conv wants its computed weight in, or undefined (constant weight, other convs). */
function convFilterOrder(ctx: ConvertContext, n: Node): Perm | undefined {
  const w = n.inputs[1];
  if (n.opType !== 'Conv' || !w || ctx.isConstant(w) || !n.inputs[0]) return undefined;
  const dims = ctx.dims(w);
  if (dims.length !== 4 || dims.some((d) => d < 0)) return undefined;
  const group = attrInt(n, 'group', 1);
  if (group === 1) return [0, 2, 3, 1];
  return dims[1] === 1 && group === dims[0] ? [1, 2, 3, 0] : undefined;
}

/** Value → the order the filter it becomes wants it stored in (only values some computed filter is made from). */
function filterOrders(ctx: ConvertContext): Map<string, Perm> {
  let want = made.get(ctx);
  if (want) return want;
  want = new Map();
  const known = (v: string) => !!v && !ctx.isConstant(v) && ctx.dims(v).every((d) => d > 0);
  for (let i = ctx.graph.nodes.length - 1; i >= 0; i--) {
    const n = ctx.graph.nodes[i];
    const conv = convFilterOrder(ctx, n);
    if (conv) { want.set(n.inputs[1], conv); continue; }
    const p = n.outputs.length === 1 ? want.get(n.outputs[0]) : undefined;
    if (!p) continue;
    if (RESHAPES.has(n.opType) && known(n.inputs[0])) {
      // Back through a reshape that moves whole groups (dropping the batch's unit dim): the input's order.
      const q = reshapeLayout(ctx.dims(n.outputs[0]), ctx.dims(n.inputs[0]), p);
      if (q && !isIdentity(q) && !want.has(n.inputs[0])) want.set(n.inputs[0], q);
    } else if (ELEMENTWISE.has(n.opType)) {
      for (const x of n.inputs) if (known(x) && ctx.rank(x) === p.length && !want.has(x)) want.set(x, p);
    }
  }
  made.set(ctx, want);
  return want;
}

/** The filter order the current node's single output is wanted in, when it is the right rank. */
export function filterOrder(ctx: ConvertContext, rank: number): Perm | undefined {
  const node = ctx.current;
  if (!node || node.outputs.length !== 1) return undefined;
  const p = filterOrders(ctx).get(node.outputs[0]);
  return p && p.length === rank ? p : undefined;
}
