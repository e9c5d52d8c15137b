// A rule of the elementwise layout (elementwise-layout.ts commonPerm): an op by constants on a value stored in
// another order than ONNX's, which another reader will take in ONNX order anyway, and whose result goes only into
// matrix products that take it in ONNX order. TransNeXt's aggregated attention normalizes q, which the model moved
// heads-first ([B, h, N, d], the Transpose left lazy: stored [B, N, h, d]); the product with the learnable tokens
// (per-head constants [h, d, T]) reads the normalized q in ONNX order, and `(qn + query_embedding) · softplus(t) ·
// scale` goes into the window and pooled products, which read it in ONNX order too. Run as stored, that chain's
// result was moved again before the products (2 moves of q a block); run in ONNX order it reads the copy the tokens'
// product shares (1).
import type { Node } from '../ir/types';
import type { ConvertContext } from './context';
import { Perm, identity, isIdentity, samePerm } from './layout';

const JOINS = new Set(['Add', 'Sub', 'Mul', 'Div']);
const UNARY = new Set(['Relu', 'Sigmoid', 'Tanh', 'Neg', 'Abs', 'Exp', 'Softplus', 'Identity']);
const VIEWS = new Set(['Unsqueeze', 'Squeeze', 'Reshape']);

/** The last two dims swapped: a MatMul reads an operand stored so as it is (adj), not moved. */
const swappedLast = (r: number): Perm => [...identity(r - 2), r - 1, r - 2];

/** A MatMul reading `v` by a constant with batch dims of its own (per-head weights): it takes `v` in ONNX order. */
function batchedConstantProduct(ctx: ConvertContext, n: Node, v: string): boolean {
  if (n.opType !== 'MatMul' || n.inputs[0] !== v) return false;
  const c = ctx.constant(n.inputs[1]);
  return !!c && c.dims.length >= 3 && c.dims.slice(0, -2).some((d) => d > 1);
}

/** Every path from `y` runs through elementwise ops by constants and views into MatMuls, which read it in ONNX order
 *  when it is stored so; none is a graph output or flows into a convolution. */
function onlyProducts(ctx: ConvertContext, y: string, depth = 0): boolean {
  const readers = ctx.readersOf(y);
  if (depth > 8 || !readers.length || ctx.graph.outputs.some((o) => o.name === y) || ctx.prefersChannelLast.has(y)) return false;
  return readers.every((n) => {
    if (n.opType === 'MatMul') return n.inputs.slice(0, 2).every((i) => i === y || !ctx.has(i) || ctx.isConstant(i) || isIdentity(ctx.permOf(i)));
    const others = n.inputs.filter((i) => i && i !== y);
    const passes = (JOINS.has(n.opType) && others.every((i) => ctx.isConstant(i))) || UNARY.has(n.opType)
      || (VIEWS.has(n.opType) && n.inputs[0] === y);
    return passes && n.outputs.length === 1 && onlyProducts(ctx, n.outputs[0], depth + 1);
  });
}

/** ONNX order for the current op (one non-constant input `x`, the others constants), when `x` is stored in another
 *  order that a MatMul reader of `x` by batched constants will move to ONNX order anyway and the op's result goes
 *  only into matrix products. */
export function sharedCopyOrder(ctx: ConvertContext, names: string[], rank: number): Perm | undefined {
  const node = ctx.current;
  if (!node || !JOINS.has(node.opType) || node.outputs.length !== 1 || rank < 3) return undefined;
  const inputs = names.filter((n) => n && !ctx.isConstant(n));
  if (inputs.length !== 1 || ctx.rank(inputs[0]) !== rank) return undefined;
  const x = inputs[0];
  const p = ctx.permOf(x);
  if (isIdentity(p) || samePerm(p, swappedLast(rank))) return undefined;
  const copied = ctx.copiesOf(x).some((c) => isIdentity(c))
    || ctx.readersOf(x).some((n) => n !== node && batchedConstantProduct(ctx, n, x));
  return copied && onlyProducts(ctx, node.outputs[0]) ? identity(rank) : undefined;
}
