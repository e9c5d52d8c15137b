// A model Transpose is lazy (ops/Transpose.ts): its output keeps the input's bytes under another layout. When that
// output is only unsqueezed into a broadcast that grows it (Mamba-2's segment sums `cs[..., :, None] − cs[..., None,
// :]` of a cumsum moved heads-first, [B, H, L] → [B, H, L, L]) and the grown value flows through elementwise ops into
// a product, the whole grown value is computed in the lazy order and then moved for the product: Caduceus moved
// 16,384 elements a call where moving the 256 of the cumsum first does the same. `movedBeforeGrowth` says when to
// move the small value at the Transpose instead (one TRANSPOSE either way).
import type { Node } from '../ir/types';
import type { ConvertContext } from './context';

const BINARY = new Set(['Add', 'Sub', 'Mul', 'Div']);
const PASS = new Set(['Add', 'Sub', 'Mul', 'Div', 'Where', 'Exp', 'Neg', 'Sigmoid', 'Tanh', 'Relu', 'Abs', 'Cast']);
const PRODUCTS = new Set(['MatMul', 'Einsum']);
/** The grown value must have at least this many times the elements of the transposed one. */
const GROWTH = 4;

const count = (d: readonly number[]) => d.reduce((a, b) => a * b, 1);

/** The value flows, each step read by one node, through elementwise ops into a MatMul / Einsum operand. */
function reachesProduct(ctx: ConvertContext, v: string, depth = 0): boolean {
  if (depth > 8 || ctx.graph.outputs.some((o) => o.name === v)) return false;
  const readers = ctx.readersOf(v);
  if (readers.length !== 1) return false;
  const [n] = readers;
  if (PRODUCTS.has(n.opType)) return true;
  return PASS.has(n.opType) && n.outputs.length === 1 && reachesProduct(ctx, n.outputs[0], depth + 1);
}

/** Every reader of the Transpose's output `name` is an Unsqueeze whose readers are binary elementwise ops giving
 *  at least GROWTH times its elements, each flowing into a product. */
export function movedBeforeGrowth(ctx: ConvertContext, name: string): boolean {
  if (ctx.isDynamic(name) || ctx.graph.outputs.some((o) => o.name === name)) return false;
  const readers = ctx.readersOf(name);
  const small = count(ctx.dims(name));
  if (!readers.length || small <= 1) return false;
  const grown = (b: Node) => BINARY.has(b.opType) && !ctx.isDynamic(b.outputs[0]) && count(ctx.dims(b.outputs[0])) >= GROWTH * small
    && reachesProduct(ctx, b.outputs[0]);
  return readers.every((u) => u.opType === 'Unsqueeze' && u.inputs[0] === name && !ctx.graph.outputs.some((o) => o.name === u.outputs[0])
    && ctx.readersOf(u.outputs[0]).length > 0 && ctx.readersOf(u.outputs[0]).every(grown));
}
