// A product of constants that shape inference left unfolded because it outgrows its inputs (a relative-position MLP:
// DehazeFormer's / Swin V2's `meta(relative_positions)`, a [64, 64, 2] table through Linear(2, 256), ReLU and
// Linear(256, heads)) is folded with the chain of one-reader ops after it when that chain ends in a value no bigger
// than the inputs (the [1, heads, 64, 64] bias): the bias is a constant, instead of two MatMuls and a TRANSPOSE run at
// every inference (DehazeFormer 32 -> 24 TRANSPOSE).
import type { Graph, Node, Tensor } from '../ir/types';
import { elementCount } from '../ir/types';
import { canFold, foldNode } from '../ir/fold';
import { folded, readersOf } from './simplify-util';

/** Largest intermediate (elements) computed along a chain, and the longest chain followed. */
const MAX_ELEMENTS = 1 << 22;
const MAX_CHAIN = 16;

export function foldGrowingChains(g: Graph, constants: Map<string, Tensor>, opset: number): void {
  const { only } = readersOf(g, constants);
  const drop = new Set<Node>();
  const shapes = (n: Node) => n.inputs.map((i) => g.values.get(i)?.shape);
  for (const n of g.nodes) {
    if (n.opType !== 'MatMul' || drop.has(n) || folded(n, constants) || !n.inputs.every((i) => constants.has(i))) continue;
    const small = Math.max(1 << 16, ...n.inputs.map((i) => elementCount(constants.get(i)!.dims)));
    const first = foldNode(n, n.inputs.map((i) => constants.get(i)), opset, shapes(n), { maxElements: MAX_ELEMENTS, growing: true });
    if (!first || first.length !== 1) continue;
    const local = new Map<string, Tensor>([[n.outputs[0], first[0]]]);
    const chain = [n];
    let out = n.outputs[0];
    // On through every one-reader op computed from constants alone (the bias Add, the head move, the unsqueeze).
    while (chain.length < MAX_CHAIN) {
      const r = only(out);
      if (!r || !canFold(r) || r.outputs.filter(Boolean).length !== 1) break;
      const ins = r.inputs.map((i) => (i ? local.get(i) ?? constants.get(i) : undefined));
      if (r.inputs.some((i, k) => i && !ins[k])) break;
      const o = foldNode(r, ins, opset, shapes(r), { maxElements: MAX_ELEMENTS, growing: true });
      if (!o || o.length !== 1) break;
      chain.push(r);
      out = r.outputs[0];
      local.set(out, o[0]);
    }
    if (elementCount(local.get(out)!.dims) > small) continue;
    constants.set(out, { ...local.get(out)!, name: out });
    for (const c of chain) drop.add(c);
  }
  if (drop.size) g.nodes = g.nodes.filter((x) => !drop.has(x));
}
