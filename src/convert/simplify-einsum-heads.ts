// ONNX-level pattern: attention written as Einsums of head views (iTransformer / Time-Series-Library's
// FullAttention: `einsum("blhe,bshe->bhls", q, k)`, `einsum("bhls,bshd->blhd", a, v)` over q, k, v each a separate
// projection viewed [B, L, H, E]). The Einsum converter asks for its operands heads-first, so each of q, k and v took a
// TRANSPOSE of its own that the head-split passes could not see. A two-operand Einsum of rank-4 values with two batch
// labels, one contracted label and one free label each is written here as the Transposes and MatMul it means:
// A moved to [batch, freeA, contracted], B to [batch, contracted, freeB], MatMul, the product moved to the output's
// order (identity moves left out). fuseSeparateProjections then gives the three projections one head split.
import type { Graph, Node, Tensor } from '../ir/types';
import { node } from '../onnx/builder';
import { attrString } from './attrs';
import { isRefusal, parseEinsum } from './ops/_einsum';
import { spliceNodes } from './simplify-util';

const isIdentity = (p: number[]) => p.every((v, i) => v === i);

/** The Transposes and MatMul of a two-operand rank-4 Einsum that is one batched product, or undefined. */
function asMatMul(n: Node, g: Graph, constants: Map<string, Tensor>): Node[] | undefined {
  if (n.opType !== 'Einsum' || n.inputs.length !== 2 || n.outputs.length !== 1) return undefined;
  const [a, b] = n.inputs;
  const shapes = [a, b, n.outputs[0]].map((v) => g.values.get(v)?.shape);
  if (constants.has(a) || constants.has(b) || shapes.some((s) => !s || s.length !== 4 || s.some((d) => typeof d !== 'number'))) return undefined;
  const dtype = g.values.get(a)?.dtype;
  if ((dtype !== 'float32' && dtype !== 'float64') || g.values.get(b)?.dtype !== dtype) return undefined;
  const s = parseEinsum(attrString(n, 'equation', ''), [4, 4]);
  if (isRefusal(s) || s.diagonals.some((d) => d.length) || s.out.length !== 4) return undefined;
  const [ta, tb] = s.terms;
  const batch = s.out.filter((l) => ta.includes(l) && tb.includes(l));
  const contracted = ta.filter((l) => tb.includes(l) && !s.out.includes(l));
  const freeA = ta.filter((l) => !tb.includes(l));
  const freeB = tb.filter((l) => !ta.includes(l));
  if (batch.length !== 2 || contracted.length !== 1 || freeA.length !== 1 || freeB.length !== 1) return undefined;
  if (!freeA.every((l) => s.out.includes(l)) || !freeB.every((l) => s.out.includes(l))) return undefined;
  const sizeOf = (l: string) => {
    const i = ta.indexOf(l);
    return (i >= 0 ? shapes[0]![i] : shapes[1]![tb.indexOf(l)]) as number;
  };
  // A broadcast batch dim (1 against n) is not a plain MatMul batch of these shapes: left to the Einsum converter.
  if (batch.some((l) => shapes[0]![ta.indexOf(l)] !== shapes[1]![tb.indexOf(l)])) return undefined;
  const pa = [...batch, freeA[0], contracted[0]].map((l) => ta.indexOf(l));
  const pb = [...batch, contracted[0], freeB[0]].map((l) => tb.indexOf(l));
  const prod = [...batch, freeA[0], freeB[0]];
  const po = s.out.map((l) => prod.indexOf(l));
  const key = n.name || n.outputs[0];
  const out: Node[] = [];
  const moved = (v: string, p: number[], labels: string[], tag: string) => {
    if (isIdentity(p)) return v;
    const name = `${key}/${tag}`;
    g.values.set(name, { name, dtype, shape: labels.map(sizeOf) });
    out.push(node('Transpose', [v], [name], { perm: p }, name));
    return name;
  };
  const ma = moved(a, pa, [...batch, freeA[0], contracted[0]], 'a_moved');
  const mb = moved(b, pb, [...batch, contracted[0], freeB[0]], 'b_moved');
  // The node that makes the Einsum's output keeps its name (the accuracy diff joins on it).
  if (isIdentity(po)) out.push({ ...node('MatMul', [ma, mb], [n.outputs[0]]), name: n.name });
  else {
    const p = `${key}/product`;
    g.values.set(p, { name: p, dtype, shape: prod.map(sizeOf) });
    out.push(node('MatMul', [ma, mb], [p], {}, p), { ...node('Transpose', [p], [n.outputs[0]], { perm: po }), name: n.name });
  }
  return out;
}

export function einsumHeadsAsMatMul(g: Graph, constants: Map<string, Tensor>): void {
  const replace = new Map<Node, Node[]>();
  for (const n of g.nodes) {
    const nodes = asMatMul(n, g, constants);
    if (nodes) replace.set(n, nodes);
  }
  if (replace.size) spliceNodes(g, new Map(), replace, new Set());
}
